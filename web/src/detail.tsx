// One instance: actions, settings (alias, restart policy, peer, tags, URL), the 15-minute traffic chart and the log.
import { useEffect, useState } from 'preact/hooks'
import type { InstanceView } from '../../src/master/types.js'
import { errorText } from './api-error.js'
import { TrafficChart } from './chart.js'
import { useDashboard } from './dashboard-context.js'
import { bytes, modeName, rate } from './format.js'
import { hideKey, splitUrl } from './instance-url.js'
import { LogView } from './logview.js'
import { go } from './route.js'
import { parseTags, tagsText } from './tags.js'

function Settings({ inst }: { inst: InstanceView }) {
  const { api, onError } = useDashboard()
  const [alias, setAlias] = useState(inst.alias)
  const [restart, setRestart] = useState(inst.restart)
  const [peer, setPeer] = useState(inst.meta.peer)
  const [tags, setTags] = useState(tagsText(inst.meta.tags))
  const [url, setUrl] = useState(inst.url)
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null)
  useEffect(() => setUrl(inst.url), [inst.url])

  const run = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    setMsg(null)
    try {
      await fn()
      setMsg({ ok: true, text: `${what}: saved` })
    } catch (err) {
      onError(err)
      setMsg({ ok: false, text: errorText(err) })
    }
  }
  const save = (e: Event): void => {
    e.preventDefault()
    const parsed = parseTags(tags)
    if ('error' in parsed) return setMsg({ ok: false, text: parsed.error })
    // `tags: {}` beside a non-empty peer keeps the stored map (D13), so removing the last tag is its own request.
    void run('Settings', async () => {
      if (Object.keys(parsed.tags).length > 0) return api.patch(inst.id, { alias, restart, meta: { peer, tags: parsed.tags } })
      await api.patch(inst.id, { alias, restart, meta: { peer } })
      return api.patch(inst.id, { meta: { tags: {} } })
    })
  }
  return (
    <>
      <form class="settings" onSubmit={save}>
        <div class="grid2">
          <div class="field"><label for="d-alias">Alias</label>
            <input id="d-alias" value={alias} maxLength={256} onInput={(e) => setAlias(e.currentTarget.value)} /></div>
          <div class="field"><label class="inline"><input type="checkbox" checked={restart} onChange={(e) => setRestart(e.currentTarget.checked)} /> restart automatically</label></div>
          <div class="field"><label for="d-sid">Peer SID</label>
            <input id="d-sid" value={peer.sid} placeholder="UUID" onInput={(e) => setPeer({ ...peer, sid: e.currentTarget.value })} /></div>
          <div class="field"><label for="d-ptype">Peer type</label>
            <select id="d-ptype" value={peer.type} onChange={(e) => setPeer({ ...peer, type: e.currentTarget.value })}>
              <option value="">–</option>{['0', '1', '2', '3', '4', '5', '6', '7'].map((v) => <option value={v}>{v}</option>)}
            </select></div>
          <div class="field"><label for="d-palias">Peer alias</label>
            <input id="d-palias" value={peer.alias} onInput={(e) => setPeer({ ...peer, alias: e.currentTarget.value })} /></div>
          <div class="field"><label for="d-tags">Tags (key=value per line)</label>
            <textarea id="d-tags" rows={2} value={tags} onInput={(e) => setTags(e.currentTarget.value)} /></div>
        </div>
        <button class="btn" type="submit">Save settings</button>
      </form>
      <form class="row" onSubmit={(e) => { e.preventDefault(); void run('URL', () => api.replaceUrl(inst.id, url.trim())) }}>
        <input aria-label="Instance URL" class="grow" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
        <button class="btn" type="submit">Replace URL</button>
      </form>
      {msg ? <p class={msg.ok ? 'ok' : 'error'} role="status" data-testid="settings-msg">{msg.text}</p> : null}
    </>
  )
}

/** The code, message and hint of an instance in error or degraded (docs/errors.md); nothing otherwise. */
export function InstanceError({ inst, compact = false }: { inst: InstanceView; compact?: boolean }) {
  if (!inst.errorCode) return null
  const cls = `inst-error ${inst.state === 'degraded' ? 'warn' : 'bad'}`
  if (compact)
    return (
      <div class={cls} data-testid="error" title={`${inst.errorMessage ?? ''}\n${inst.errorHint ?? ''}`}>
        <code data-testid="error-code">{inst.errorCode}</code> <span class="small" data-testid="error-hint">{inst.errorHint}</span>
      </div>
    )
  return (
    <div class={cls} role="status" data-testid="detail-error">
      <code data-testid="detail-error-code">{inst.errorCode}</code> {inst.errorMessage}
      <div class="small" data-testid="detail-error-hint">Hint: {inst.errorHint}</div>
    </div>
  )
}

export function DetailPanel({ id }: { id: string }) {
  const { api, store, onError } = useDashboard()
  const inst = store.instances.get(id)
  const [error, setError] = useState('')
  if (!inst) return <div><h2>Instance {id}</h2><p class="muted">Not found (deleted, or still loading).</p></div>
  const r = store.rate(id)
  const u = splitUrl(inst.url)
  const act = async (action: string): Promise<void> => {
    setError('')
    try {
      await api.patch(id, { action })
    } catch (err) {
      onError(err)
      setError(errorText(err))
    }
  }
  const del = async (): Promise<void> => {
    if (!confirm(`Delete instance ${inst.alias || inst.id}? It is stopped and removed.`)) return
    try {
      await api.remove(id)
      go('#/')
    } catch (err) {
      onError(err)
      setError(errorText(err))
    }
  }
  return (
    <div class="detail" data-testid="detail">
      <h2>{inst.alias || inst.id} <span class={`badge st-${inst.status}`} data-testid="detail-status">{inst.status}</span></h2>
      <p class="muted small">{inst.type} · {modeName(inst.type, inst.mode)} · id {inst.id}{inst.state ? ` · ${inst.state}` : ''}</p>
      <InstanceError inst={inst} />
      <div class="row wrap">
        <button class="btn" type="button" onClick={() => void act('start')}>Start</button>
        <button class="btn" type="button" onClick={() => void act('stop')}>Stop</button>
        <button class="btn" type="button" onClick={() => void act('restart')}>Restart</button>
        <button class="btn" type="button" onClick={() => void act('reset')}>Reset traffic</button>
        <button class="btn danger" type="button" onClick={() => void del()}>Delete</button>
      </div>
      {error !== '' ? <p class="error" role="alert">{error}</p> : null}
      <dl class="stats">
        <div><dt>Tunnel</dt><dd><code>{u.tunnel}</code></dd></div>
        <div><dt>Target</dt><dd><code>{u.target || '–'}</code></dd></div>
        <div><dt>Ping</dt><dd>{inst.ping} ms</dd></div>
        <div><dt>Pool</dt><dd>{inst.pool}</dd></div>
        <div><dt>TCP / UDP</dt><dd>{inst.tcps} / {inst.udps}</dd></div>
        <div><dt>Rate in / out</dt><dd data-testid="detail-rate">{rate(r.rx)} / {rate(r.tx)}</dd></div>
        <div><dt>TCP in / out</dt><dd>{bytes(inst.tcprx)} / {bytes(inst.tcptx)}</dd></div>
        <div><dt>UDP in / out</dt><dd>{bytes(inst.udprx)} / {bytes(inst.udptx)}</dd></div>
      </dl>
      <details class="config"><summary>Full configuration</summary><code>{hideKey(inst.config)}</code></details>
      <h3>Traffic</h3>
      <TrafficChart key={id} id={id} samples={store.samples.get(id) ?? []} version={store.version} />
      <h3>Settings</h3>
      <Settings key={id} inst={inst} />
      <h3>Log</h3>
      <LogView lines={store.logs.get(id) ?? []} version={store.version} />
    </div>
  )
}
