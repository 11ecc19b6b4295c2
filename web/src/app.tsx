// The shell: sign-in state (sessionStorage), the SSE link, hash routes (#/, #/new, #/i/<id>, #/master).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { Api, apiBase } from './api.js'
import { isUnauthorized } from './api-error.js'
import { CreatePanel } from './create.js'
import { DashboardContext, type DashboardServices } from './dashboard-context.js'
import { DetailPanel } from './detail.js'
import { InstanceList } from './list.js'
import { MasterPanel } from './master.js'
import { go, useHash } from './route.js'
import { SignIn } from './signin.js'
import { openEvents, type LinkState } from './sse.js'
import { Store } from './store.js'

const KEY_SLOT = 'np-api-key'

export function App() {
  const [key, setKey] = useState<string | null>(() => sessionStorage.getItem(KEY_SLOT))
  const [notice, setNotice] = useState('')
  const signIn = (k: string): void => {
    sessionStorage.setItem(KEY_SLOT, k)
    setNotice('')
    setKey(k)
  }
  const signOut = (message = ''): void => {
    sessionStorage.removeItem(KEY_SLOT)
    setNotice(message)
    setKey(null)
    if (location.hash !== '') history.replaceState(null, '', location.pathname)
  }
  if (key === null) return <SignIn onSignIn={signIn} notice={notice} />
  return <Dashboard key={key} apiKey={key} signOut={signOut} />
}

function Dashboard({ apiKey, signOut }: { apiKey: string; signOut: (message?: string) => void }) {
  const api = useMemo(() => new Api(apiBase(), apiKey), [apiKey])
  const store = useMemo(() => new Store((fn) => requestAnimationFrame(fn)), [apiKey])
  const [, setVersion] = useState(0)
  const [link, setLink] = useState<{ state: LinkState; detail: string }>({ state: 'connecting', detail: '' })
  const hash = useHash()

  useEffect(() => store.subscribe(() => setVersion(store.version)), [store])
  useEffect(
    () =>
      openEvents(api.base, apiKey, {
        onOpen: () => {
          performance.mark('np-stream-open')
          store.streamOpened()
        },
        onFrame: (f) => store.apply(f),
        onState: (state, detail) => setLink({ state, detail }),
        onUnauthorized: (msg) => signOut(`Signed out: the API key is no longer valid (${msg}).`),
      }),
    [api],
  )
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape' && location.hash.length > 2) go('#/')
    }
    addEventListener('keydown', onKey)
    return () => removeEventListener('keydown', onKey)
  }, [])

  const services = useMemo<DashboardServices>(() => ({
    api,
    store,
    onError: (err) => {
      if (isUnauthorized(err)) signOut(`Signed out: ${err.message}`)
    },
    signOut,
  }), [api, store])
  const route = hash.replace(/^#/, '')
  let panel = null
  if (route === '/new') panel = <CreatePanel />
  else if (route === '/master') panel = <MasterPanel />
  else if (route.startsWith('/i/')) panel = <DetailPanel id={decodeURIComponent(route.slice(3))} />

  // Keyboard users land in a panel when it opens and back on the list when it closes.
  const panelRef = useRef<HTMLElement>(null)
  const open = panel !== null ? route.split('/')[1] ?? '' : ''
  useEffect(() => {
    if (open !== '') panelRef.current?.focus()
  }, [open, route])

  const masterAlias = store.keyInstance?.alias ?? ''
  return (
    <DashboardContext.Provider value={services}>
      <div class="shell">
        <header class="top">
          <a class="brand" href="#/">
            NodePass{masterAlias !== '' ? <span class="muted"> · {masterAlias}</span> : null}
          </a>
          <span class={`link link-${link.state}`} title={link.detail} data-testid="link-state">
            {link.state === 'live' ? '● live' : link.state === 'connecting' ? '○ connecting…' : `○ reconnecting (${link.detail})`}
          </span>
          <nav>
            <a class="btn primary" href="#/new">New instance</a>
            <a class="btn" href="#/master">Master</a>
            <button class="btn" type="button" onClick={() => signOut('Signed out.')}>Sign out</button>
          </nav>
        </header>
        <main>
          <InstanceList />
        </main>
        {panel !== null ? (
          <div class="overlay" onClick={(e) => e.target === e.currentTarget && go('#/')}>
            <section class="panel" role="dialog" aria-modal="true" tabIndex={-1} ref={panelRef}>
              <a class="close" href="#/" aria-label="Close">✕</a>
              {panel}
            </section>
          </div>
        ) : null}
      </div>
    </DashboardContext.Provider>
  )
}
