// Create an instance: a form that builds the URL from fields (every parameter, its allowed values and default), or a
// pasted URL. The API's 400 issues (`<field>: <problem>`) are shown next to the field they name.
import { useState } from 'preact/hooks'
import { PARAMS, type ParamSpec } from '../../src/url/params.js'
import { ApiError, errorText } from './api-error.js'
import { useDashboard } from './dashboard-context.js'
import { buildUrl, hideKey, issueFields, type Role } from './instance-url.js'
import { go } from './route.js'

function ParamField({ p, value, set, issue }: { p: ParamSpec; value: string; set: (v: string) => void; issue: string | undefined }) {
  const id = `param-${p.name}`
  return (
    <div class={`field${issue ? ' invalid' : ''}`}>
      <label for={id} title={p.help}>{p.name}</label>
      {p.values ? (
        <select id={id} name={p.name} value={value} onChange={(e) => set(e.currentTarget.value)}>
          <option value="">default ({p.default || 'none'})</option>
          {p.values.map((v) => <option value={v}>{v}</option>)}
        </select>
      ) : (
        <input id={id} name={p.name} value={value} placeholder={p.default === '' ? p.expect : `default ${p.default}`}
          onInput={(e) => set(e.currentTarget.value)} />
      )}
      <small class="help">{p.help}</small>
      {issue ? <small class="error field-error" data-testid={`issue-${p.name}`}>{issue}</small> : null}
    </div>
  )
}

export function CreatePanel() {
  const { api, onError } = useDashboard()
  const [paste, setPaste] = useState(false)
  const [role, setRole] = useState<Role>('server')
  const [alias, setAlias] = useState('')
  const [tkey, setTkey] = useState('')
  const [tunnel, setTunnel] = useState('')
  const [target, setTarget] = useState('')
  const [params, setParams] = useState<Record<string, string>>({})
  const [pasted, setPasted] = useState('')
  const [error, setError] = useState('')
  const [issues, setIssues] = useState<Record<string, string>>({})
  const [busy, setBusy] = useState(false)
  const url = paste ? pasted.trim() : buildUrl(role, tkey, tunnel, target, params)

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    setBusy(true)
    setError('')
    setIssues({})
    try {
      const inst = await api.create(url, alias.trim())
      go(`#/i/${encodeURIComponent(inst.id)}`)
    } catch (err) {
      onError(err)
      setError(errorText(err))
      // A pasted URL has no fields to mark the issues at.
      if (err instanceof ApiError && !paste) setIssues(issueFields(err.issues))
    } finally {
      setBusy(false)
    }
  }
  const fieldError = (f: string) => (issues[f] ? <small class="error field-error" data-testid={`issue-${f}`}>{issues[f]}</small> : null)

  return (
    <form class="create" onSubmit={(e) => void submit(e)} aria-labelledby="create-title">
      <h2 id="create-title">New instance</h2>
      <div class="seg" role="tablist">
        <button type="button" role="tab" aria-selected={!paste} class={paste ? 'btn' : 'btn on'} onClick={() => setPaste(false)}>Fields</button>
        <button type="button" role="tab" aria-selected={paste} class={paste ? 'btn on' : 'btn'} onClick={() => setPaste(true)}>Paste URL</button>
      </div>
      <div class="field">
        <label for="c-alias">Alias</label>
        <input id="c-alias" name="alias" value={alias} maxLength={256} onInput={(e) => setAlias(e.currentTarget.value)} />
      </div>
      {paste ? (
        <div class="field">
          <label for="c-url">URL</label>
          <textarea id="c-url" name="url" rows={3} placeholder="server://:10101/127.0.0.1:8080?log=info"
            value={pasted} onInput={(e) => setPasted(e.currentTarget.value)} />
        </div>
      ) : (
        <>
          <fieldset class="field">
            <legend>Role</legend>
            <label class="inline"><input type="radio" name="role" value="server" checked={role === 'server'} onChange={() => setRole('server')} /> server</label>
            <label class="inline"><input type="radio" name="role" value="client" checked={role === 'client'} onChange={() => setRole('client')} /> client</label>
          </fieldset>
          <div class={`field${issues.tunnel ? ' invalid' : ''}`}>
            <label for="c-tunnel">Tunnel address</label>
            <input id="c-tunnel" name="tunnel" required value={tunnel} onInput={(e) => setTunnel(e.currentTarget.value)}
              placeholder={role === 'server' ? ':10101 (listen)' : 'server.example:10101 (connect)'} />
            {fieldError('tunnel')}
          </div>
          <div class={`field${issues.target ? ' invalid' : ''}`}>
            <label for="c-target">Target address(es)</label>
            <input id="c-target" name="target" value={target} onInput={(e) => setTarget(e.currentTarget.value)}
              placeholder="127.0.0.1:8080 (several: a:1,b:2)" />
            {fieldError('target')}
          </div>
          <div class={`field${issues.tkey ? ' invalid' : ''}`}>
            <label for="c-tkey">Tunnel key</label>
            <input id="c-tkey" name="tkey" type="password" autocomplete="off" value={tkey} onInput={(e) => setTkey(e.currentTarget.value)}
              placeholder="optional; both ends must match" />
            {fieldError('tkey')}
          </div>
          <details>
            <summary>Parameters ({PARAMS.filter((p) => p.scopes.includes(role)).length})</summary>
            <div class="params">
              {PARAMS.filter((p) => p.scopes.includes(role)).map((p) => (
                <ParamField p={p} value={params[p.name] ?? ''} issue={issues[p.name]}
                  set={(v) => setParams({ ...params, [p.name]: v })} />
              ))}
            </div>
          </details>
        </>
      )}
      <p class="preview"><span class="muted">URL:</span> <code data-testid="url-preview">{hideKey(url)}</code></p>
      {error !== '' ? <p class="error" role="alert" data-testid="create-error">{error}</p> : null}
      <div class="row">
        <button class="btn primary" type="submit" disabled={busy || url === ''}>Create</button>
        <a class="btn" href="#/">Cancel</a>
      </div>
    </form>
  )
}
