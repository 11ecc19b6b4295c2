// Sign in with the API key: checked with GET /info before it is kept (sessionStorage) for this browser tab.
import { useState } from 'preact/hooks'
import { Api, apiBase } from './api.js'
import { errorText, isUnauthorized } from './api-error.js'

export function SignIn({ onSignIn, notice }: { onSignIn: (key: string) => void; notice: string }) {
  const [key, setKey] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    const k = key.trim()
    if (k === '') return setError('Enter the API key.')
    setBusy(true)
    setError('')
    try {
      await new Api(apiBase(), k).info()
      onSignIn(k)
    } catch (err) {
      setError(isUnauthorized(err) ? `Wrong API key: ${err.message}` : errorText(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <main class="signin">
      <form class="card" onSubmit={(e) => void submit(e)}>
        <h1>NodePass</h1>
        {notice !== '' ? <p class="notice" role="status" data-testid="notice">{notice}</p> : null}
        <label for="apikey">API key</label>
        <input id="apikey" name="apikey" type="password" autocomplete="current-password" autofocus
          value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        {error !== '' ? <p class="error" role="alert" data-testid="signin-error">{error}</p> : null}
        <button class="btn primary" type="submit" disabled={busy}>Sign in</button>
        <p class="muted small">
          The key was printed once in the master's banner; it is also <code>apiKey</code> in the state file.
          It is kept only for this browser tab.
        </p>
      </form>
    </main>
  )
}
