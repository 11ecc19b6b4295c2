// The live instance list with filters (text, status, type, tag); rows are memoised so 500 instances stay cheap.
import { memo } from 'preact/compat'
import { useEffect, useState } from 'preact/hooks'
import type { InstanceStatus, InstanceView, TrafficPoint } from '../../src/master/types.js'
import { Sparkline } from './chart.js'
import { useDashboard } from './dashboard-context.js'
import { InstanceError } from './detail.js'
import { instanceMatches, tagKey, tagLabel } from './filters.js'
import { bytes, modeName, rate } from './format.js'
import { splitUrl } from './instance-url.js'
import type { Rate } from './store.js'

const STATUSES: readonly InstanceStatus[] = ['running', 'stopped', 'error']
/** Rows rendered at first; more on request (rendering 500 rows at once costs ~1 s on a busy 2-core machine). */
export const PAGE = 100
/** The sparklines' 24-hour history is fetched again this often. */
const SPARK_REFRESH_MS = 5 * 60_000

export function InstanceList() {
  const { api, store, onError } = useDashboard()
  const [text, setText] = useState('')
  const [status, setStatus] = useState('')
  const [type, setType] = useState('')
  const [tag, setTag] = useState('')
  const [limit, setLimit] = useState(PAGE)
  const [sparks, setSparks] = useState<Map<string, TrafficPoint[]>>(new Map())
  const ids = [...store.instances.keys()].sort().join(',')
  useEffect(() => {
    let live = true
    const load = (): void => {
      api.allTraffic('24h', '1h').then(
        (all) => live && setSparks(new Map(all.instances.map((i) => [i.id, i.points]))),
        onError,
      )
    }
    load()
    const timer = setInterval(load, SPARK_REFRESH_MS)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [api, ids])
  const all = [...store.instances.values()]
  const tags = new Set<string>()
  for (const i of all) for (const [k, v] of Object.entries(i.meta.tags)) tags.add(tagKey(k, v))
  const filter = { text: text.trim().toLowerCase(), status, type, tag }
  const shown = all
    .filter((i) => instanceMatches(i, filter))
    .sort((a, b) => (a.alias || a.id).localeCompare(b.alias || b.id))
  const now = Date.now()
  return (
    <section>
      <div class="filters" role="search">
        <input type="search" placeholder="Search alias, id, address, tag…" aria-label="Search instances"
          value={text} onInput={(e) => setText(e.currentTarget.value)} />
        <select aria-label="Status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          <option value="">any status</option>
          {STATUSES.map((s) => <option value={s}>{s}</option>)}
        </select>
        <select aria-label="Type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
          <option value="">any type</option>
          <option value="server">server</option>
          <option value="client">client</option>
        </select>
        <select aria-label="Tag" value={tag} onChange={(e) => setTag(e.currentTarget.value)}>
          <option value="">any tag</option>
          {[...tags].sort().map((t) => <option value={t}>{tagLabel(t)}</option>)}
        </select>
        <span class="muted count" data-testid="count">{shown.length} of {all.length}</span>
      </div>
      {all.length === 0 ? (
        <p class="empty">No instances yet. <a href="#/new">Create one</a>.</p>
      ) : (
        <div class="table-wrap">
          <table class="instances">
            <thead>
              <tr>
                <th>Instance</th><th>Status</th><th>Tunnel → target</th><th>Tags</th><th class="num">Ping</th>
                <th class="num">Pool</th><th class="num">TCP/UDP</th><th class="num">Rate</th><th class="num">Total</th><th>24 h</th><th />
              </tr>
            </thead>
            <tbody>
              {shown.slice(0, limit).map((i) => <Row key={i.id} inst={i} r={store.rate(i.id, now)} spark={sparks.get(i.id)} />)}
            </tbody>
          </table>
          {shown.length > limit ? (
            <div class="row more">
              <span class="muted">Showing {limit} of {shown.length}.</span>
              <button type="button" class="btn" onClick={() => setLimit(limit + PAGE)}>Show {Math.min(PAGE, shown.length - limit)} more</button>
              <button type="button" class="btn" onClick={() => setLimit(shown.length)}>Show all</button>
            </div>
          ) : null}
        </div>
      )}
    </section>
  )
}

const Row = memo(
  function Row({ inst: i, r, spark }: { inst: InstanceView; r: Rate; spark: TrafficPoint[] | undefined }) {
    const { api, onError } = useDashboard()
    const u = splitUrl(i.url)
    const act = (action: string): void => void api.patch(i.id, { action }).catch(onError)
    return (
      <tr data-id={i.id} data-testid="instance-row">
        <td data-label="Instance">
          <a href={`#/i/${encodeURIComponent(i.id)}`} class="name">{i.alias || i.id}</a>
          <div class="muted small">{i.type} · {modeName(i.type, i.mode)} · {i.id}</div>
        </td>
        <td data-label="Status">
          <span class={`badge st-${i.status}`} data-testid="status">{i.status}</span>
          <InstanceError inst={i} compact />
        </td>
        <td data-label="Tunnel → target" class="addr"><code>{u.tunnel || '–'}</code> → <code>{u.target || '–'}</code></td>
        <td data-label="Tags">{Object.entries(i.meta.tags).map(([k, v]) => <span class="tag">{k}={v}</span>)}</td>
        <td data-label="Ping" class="num">{i.ping} ms</td>
        <td data-label="Pool" class="num">{i.pool}</td>
        <td data-label="TCP/UDP" class="num">{i.tcps}/{i.udps}</td>
        <td data-label="Rate" class="num" data-testid="rate"><span class="pair"><span>↓ {rate(r.rx)}</span> <span>↑ {rate(r.tx)}</span></span></td>
        <td data-label="Total" class="num" data-testid="total"><span class="pair"><span>↓ {bytes(i.tcprx + i.udprx)}</span> <span>↑ {bytes(i.tcptx + i.udptx)}</span></span></td>
        <td data-label="24 h"><Sparkline points={spark} /></td>
        <td class="actions">
          {i.status === 'running'
            ? <button type="button" class="btn small" onClick={() => act('stop')}>Stop</button>
            : <button type="button" class="btn small" onClick={() => act('start')}>Start</button>}
        </td>
      </tr>
    )
  },
  (a, b) => a.inst === b.inst && a.r.rx === b.r.rx && a.r.tx === b.r.tx && a.spark === b.spark,
)
