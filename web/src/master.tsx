// The master panel: /info figures (rates from deltas between polls), alias, tcping, API key regeneration, docs link.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { MasterInfo } from '../../src/master/types.js'
import { errorText } from './api-error.js'
import type { TcpingResult } from './api.js'
import { useDashboard } from './dashboard-context.js'
import { bytes, duration, rate } from './format.js'

const POLL_MS = 3000

/** The /info counters shown as rates (bytes/s between two polls). */
type Rates = Pick<MasterInfo, 'netrx' | 'nettx' | 'diskr' | 'diskw'>

export function MasterPanel() {
  const { api, store, onError, signOut } = useDashboard()
  const [info, setInfo] = useState<MasterInfo | null>(null)
  const [rates, setRates] = useState<Rates | null>(null)
  const [alias, setAlias] = useState<string | null>(null)
  const [msg, setMsg] = useState('')
  const [target, setTarget] = useState('')
  const [ping, setPing] = useState<TcpingResult | null>(null)
  const [pingErr, setPingErr] = useState('')
  const prev = useRef<{ t: number; i: MasterInfo } | null>(null)

  useEffect(() => {
    let live = true
    const poll = async (): Promise<void> => {
      try {
        const i = await api.info()
        if (!live) return
        const now = Date.now()
        const p = prev.current
        if (p) {
          const dt = (now - p.t) / 1000
          const d = (k: keyof Rates): number => Math.max(0, (i[k] - p.i[k]) / dt)
          setRates({ netrx: d('netrx'), nettx: d('nettx'), diskr: d('diskr'), diskw: d('diskw') })
        }
        prev.current = { t: now, i }
        setInfo(i)
        setAlias((a) => (a === null ? i.alias : a))
      } catch (err) {
        onError(err)
      }
    }
    void poll()
    const timer = setInterval(() => void poll(), POLL_MS)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [api])

  const saveAlias = async (e: Event): Promise<void> => {
    e.preventDefault()
    try {
      setInfo(await api.setMasterAlias(alias ?? ''))
      setMsg('Alias saved')
    } catch (err) {
      onError(err)
      setMsg(errorText(err))
    }
  }
  const tcping = async (e: Event): Promise<void> => {
    e.preventDefault()
    setPing(null)
    setPingErr('')
    try {
      setPing(await api.tcping(target.trim()))
    } catch (err) {
      onError(err)
      setPingErr(errorText(err))
    }
  }
  const regenerate = async (): Promise<void> => {
    if (!confirm('Generate a new API key? The current key stops working at once: every open dashboard and API client is disconnected and must sign in with the new key.')) return
    try {
      const inst = await api.regenerateKey()
      signOut(`The API key was regenerated. New key (copy it now): ${inst.url}`)
    } catch (err) {
      onError(err)
      setMsg(errorText(err))
    }
  }
  const prefix = api.base.replace(/\/v1$/, '')
  const pct = (used: number, total: number): string => (total > 0 ? `${((used / total) * 100).toFixed(0)}%` : '–')
  return (
    <div class="master" data-testid="master">
      <h2>Master {info?.alias ? `· ${info.alias}` : ''}</h2>
      {info ? (
        <dl class="stats">
          <div><dt>Version</dt><dd data-testid="master-ver">{info.ver}</dd></div>
          <div><dt>Master ID</dt><dd><code>{info.mid}</code></dd></div>
          <div><dt>System</dt><dd>{info.os}/{info.arch}</dd></div>
          <div><dt>Uptime</dt><dd>{duration(info.uptime)} (host {duration(info.sysup)})</dd></div>
          <div><dt>CPU</dt><dd>{info.cpu < 0 ? '–' : `${info.cpu}%`}</dd></div>
          <div><dt>Memory</dt><dd>{bytes(info.mem_used)} / {bytes(info.mem_total)} ({pct(info.mem_used, info.mem_total)})</dd></div>
          <div><dt>Swap</dt><dd>{bytes(info.swap_used)} / {bytes(info.swap_total)}</dd></div>
          <div><dt>Network in / out</dt><dd>{rates ? `${rate(rates.netrx)} / ${rate(rates.nettx)}` : '…'}</dd></div>
          <div><dt>Disk read / write</dt><dd>{rates ? `${rate(rates.diskr)} / ${rate(rates.diskw)}` : '…'}</dd></div>
          <div><dt>Log / TLS</dt><dd>{info.log} / {info.tls}</dd></div>
          <div><dt>Instances</dt><dd>{store.instances.size}</dd></div>
        </dl>
      ) : <p class="muted">Loading…</p>}
      <form class="row" onSubmit={(e) => void saveAlias(e)}>
        <label for="m-alias">Alias</label>
        <input id="m-alias" class="grow" maxLength={256} value={alias ?? ''} onInput={(e) => setAlias(e.currentTarget.value)} />
        <button class="btn" type="submit">Save</button>
      </form>
      {msg !== '' ? <p role="status" data-testid="master-msg">{msg}</p> : null}
      <h3>TCP ping</h3>
      <form class="row" onSubmit={(e) => void tcping(e)}>
        <input aria-label="host:port" class="grow" placeholder="host:port" value={target} onInput={(e) => setTarget(e.currentTarget.value)} />
        <button class="btn" type="submit">Ping</button>
      </form>
      {ping ? (
        <p data-testid="tcping-result" class={ping.connected ? 'ok' : 'error'}>
          {ping.target}: {ping.connected ? `connected in ${ping.latency} ms` : `failed: ${ping.error ?? 'unknown error'}`}
        </p>
      ) : null}
      {pingErr !== '' ? <p class="error">{pingErr}</p> : null}
      <h3>API</h3>
      <p><a href={`${prefix}/docs`} target="_blank" rel="noopener">API documentation (Swagger UI)</a></p>
      <p class="warn">Regenerating the key disconnects every client using the current one, including this page.</p>
      <button class="btn danger" type="button" onClick={() => void regenerate()}>Regenerate API key</button>
    </div>
  )
}
