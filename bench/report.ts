// Pure rendering of benchmark results: the figures table, the ratio table and the target check (markdown, padded
// so the same text reads well on a terminal).
import type { BenchResult, ConfigResult } from './results.js'
import type { LatencySummary, Spread } from './stats.js'

/** A markdown table with cells padded to the column width. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    '| ' + widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ') + ' |'
  const sep = '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|'
  return [line(headers), sep, ...rows.map(line)].join('\n')
}

const NA = '–'

export function fmtNum(v: number | undefined, digits = 0): string {
  if (v === undefined || !Number.isFinite(v)) return NA
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

export function fmtSpread(s: Spread | undefined, digits = 2): string {
  if (s === undefined) return NA
  if (s.runs.length <= 1) return fmtNum(s.median, digits)
  return `${fmtNum(s.median, digits)} (${fmtNum(s.min, digits)}..${fmtNum(s.max, digits)})`
}

export function fmtLatency(l: LatencySummary | undefined): string {
  if (l === undefined || l.n === 0) return NA
  const f = l.failures > 0 ? `, ${l.failures} failed` : ''
  return `${fmtNum(l.p50)} / ${fmtNum(l.p99)}${f}`
}

export function fmtAdded(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return NA
  return `${v >= 0 ? '+' : '−'}${fmtNum(Math.abs(v))} us`
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${fmtNum(ms / 1000, 2)} s` : `${fmtNum(ms)} ms`
}

function byName(r: BenchResult, name: string): ConfigResult | undefined {
  return r.configs.find((c) => c.name === name && c.status !== 'skipped' && c.status !== 'failed')
}

/** CPU per Gbit/s (1 stream), % of one core per Gbit/s. */
export function cpuPerGbit(c: ConfigResult | undefined, which: 'tcp1' | 'tcp8' = 'tcp1'): number | undefined {
  const b = c?.[which]
  if (b?.cpuPct === undefined || !(b.gbps.median > 0)) return undefined
  return b.cpuPct.median / b.gbps.median
}

function added(c: ConfigResult, base: ConfigResult | undefined, key: 'newConn' | 'reqResp' | 'udpEcho'): number | undefined {
  const a = c[key]
  const b = base?.[key]
  if (a === undefined || b === undefined || a.n === 0 || b.n === 0) return undefined
  return a.p50 - b.p50
}

function conc(c: ConfigResult, n: number): string {
  const x = c.conc?.[String(n)]
  if (x === undefined) return NA
  return `${fmtNum(x.failures)}, ${fmtMs(x.timeToLastEchoMs)}`
}

/** Rows = figures, columns = configurations (as in BENCHMARKS.md). */
export function renderFiguresTable(r: BenchResult): string {
  const cols = r.configs.filter((c) => c.status !== 'skipped' && c.status !== 'failed')
  const direct = byName(r, 'direct')
  const n1 = r.params.concurrency[0]
  const n2 = r.params.concurrency[1]
  const rows: Array<[string, (c: ConfigResult) => string]> = [
    ['TCP 1 stream, Gbit/s', (c) => fmtSpread(c.tcp1?.gbps)],
    ['TCP 8 streams, Gbit/s', (c) => fmtSpread(c.tcp8?.gbps)],
    ['forwarder CPU, % of one core (1 stream)', (c) => fmtNum(c.tcp1?.cpuPct?.median)],
    ['forwarder CPU, % of one core (8 streams)', (c) => fmtNum(c.tcp8?.cpuPct?.median)],
    ['CPU % per Gbit/s (1 stream)', (c) => fmtNum(cpuPerGbit(c), 1)],
    ['new connection p50 / p99, us', (c) => fmtLatency(c.newConn)],
    ['new connection p50 added over direct', (c) => (c.name === 'direct' ? NA : fmtAdded(added(c, direct, 'newConn')))],
    ['1-byte request/response p50 / p99, us', (c) => fmtLatency(c.reqResp)],
    ['request/response p50 added over direct', (c) => (c.name === 'direct' ? NA : fmtAdded(added(c, direct, 'reqResp')))],
  ]
  if (n1 !== undefined) rows.push([`${fmtNum(n1)} connections at once: failures, time to last echo`, (c) => conc(c, n1)])
  if (n2 !== undefined) rows.push([`${fmtNum(n2)} connections at once: failures, time to last echo`, (c) => conc(c, n2)])
  rows.push(
    [`UDP iperf3 at ${r.params.udpRateMbit} Mbit/s, ${r.params.udpLen}-byte datagrams: loss %`, (c) => fmtSpread(c.udpLoss)],
    ['UDP 64-byte echo p50 / p99, us', (c) => fmtLatency(c.udpEcho)],
    ['RSS idle, MB (all forwarder processes)', (c) => fmtNum(c.rssIdleMb, 1)],
  )
  if (n2 !== undefined) rows.push([`RSS holding ${fmtNum(n2)} connections, MB`, (c) => fmtNum(c.conc?.[String(n2)]?.rssMb, 1)])
  return renderTable(['', ...cols.map((c) => c.label)], rows.map(([label, f]) => [label, ...cols.map(f)]))
}

function ratio(a: number | undefined, b: number | undefined, digits = 2): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return NA
  return `${fmtNum(a / b, digits)}×`
}

/** Rows = configurations, columns = ratios to direct, socat, stunnel and haproxy (same run). */
export function renderRatioTable(r: BenchResult): string {
  const direct = byName(r, 'direct')
  const socat = byName(r, 'socat')
  const stunnel = byName(r, 'stunnel')
  const haproxy = byName(r, 'haproxy')
  const headers = ['', 'TCP1 ÷ direct', 'TCP1 ÷ socat', 'TCP1 ÷ stunnel', 'TCP8 ÷ socat', 'CPU/Gbit ÷ socat',
    'new-conn added p50 ÷ socat', 'new-conn added p50 ÷ haproxy', 'req/resp added p50 ÷ socat']
  const rows = r.configs.filter((c) => c.status !== 'skipped' && c.status !== 'failed' && c.name !== 'direct').map((c) => [
    c.label,
    ratio(c.tcp1?.gbps.median, direct?.tcp1?.gbps.median),
    ratio(c.tcp1?.gbps.median, socat?.tcp1?.gbps.median),
    ratio(c.tcp1?.gbps.median, stunnel?.tcp1?.gbps.median),
    ratio(c.tcp8?.gbps.median, socat?.tcp8?.gbps.median),
    ratio(cpuPerGbit(c), cpuPerGbit(socat)),
    socat === undefined ? NA : ratio(added(c, direct, 'newConn'), added(socat, direct, 'newConn')),
    haproxy === undefined ? NA : ratio(added(c, direct, 'newConn'), added(haproxy, direct, 'newConn')),
    socat === undefined ? NA : ratio(added(c, direct, 'reqResp'), added(socat, direct, 'reqResp')),
  ])
  return renderTable(headers, rows)
}

export interface TargetCheck {
  target: string
  measured: string
  met: boolean | undefined
}

/** The targets of issues 6 and 16, each with the figure measured in this run (met = undefined when not measured). */
export function checkTargets(r: BenchResult): TargetCheck[] {
  const direct = byName(r, 'direct')
  const socat = byName(r, 'socat')
  const stunnel = byName(r, 'stunnel')
  const haproxy = byName(r, 'haproxy')
  const t0 = byName(r, 'np-tls0')
  const t1 = byName(r, 'np-tls1')
  const out: TargetCheck[] = []
  const cmp = (target: string, a: number | undefined, b: number | undefined, show: string, ge: boolean): void => {
    const ok = a === undefined || b === undefined ? undefined : ge ? a >= b : a <= b
    out.push({ target, measured: ok === undefined ? 'not measured' : show, met: ok })
  }
  const g0 = t0?.tcp1?.gbps.median
  const gs = socat?.tcp1?.gbps.median
  cmp('tls=0 tunnel, 1 stream ≥ 1.0× socat', g0, gs, `${fmtNum(g0, 2)} vs ${fmtNum(gs, 2)} Gbit/s (${ratio(g0, gs)})`, true)
  const g1 = t1?.tcp1?.gbps.median
  const gt = stunnel?.tcp1?.gbps.median
  cmp('tls=1 tunnel, 1 stream ≥ 1.0× stunnel pair', g1, gt, `${fmtNum(g1, 2)} vs ${fmtNum(gt, 2)} Gbit/s (${ratio(g1, gt)})`, true)
  const a0 = t0 === undefined ? undefined : added(t0, direct, 'newConn')
  const as = socat === undefined ? undefined : added(socat, direct, 'newConn')
  const ah = haproxy === undefined ? undefined : added(haproxy, direct, 'newConn')
  cmp('new-connection p50 added (tls=0, warm pool) ≤ socat’s', a0, as,
    `${fmtAdded(a0)} vs socat ${fmtAdded(as)} (haproxy ${fmtAdded(ah)})`, false)
  const big = String(Math.max(...r.params.concurrency))
  const c0 = t0?.conc?.[big]
  // With type=0 each end holds two sockets per connection (user or target, plus its pool connection).
  const fds = 2 * Number(big)
  const limit = r.machine.fdLimit
  const fdNote = c0 !== undefined && c0.failures > 0 && limit > 0 && fds >= limit
    ? ` (each end needs ${fmtNum(fds)} fds plus its own; the fd limit here is ${fmtNum(limit)})` : ''
  const concRow = (label: string, c: ConfigResult | undefined, note = ''): void => {
    const x = c?.conc?.[big]
    out.push({
      target: `${big} concurrent connections through one instance, 0 failures (${label})`,
      measured: x === undefined ? 'not measured' : `${x.failures} failures, ${fmtMs(x.timeToLastEchoMs)}${note}`,
      met: x === undefined ? undefined : x.failures === 0,
    })
  }
  concRow('tls=0', t0, fdNote)
  const h2 = byName(r, 'np-h2')
  if (h2?.conc?.[big] !== undefined) concRow('h2, type=3: one multiplexed pool connection', h2)
  const l0 = t0?.udpLoss?.median
  const ls = socat?.udpLoss?.median
  cmp(`UDP at ${r.params.udpRateMbit} Mbit/s: loss ≤ socat’s`, l0, ls, `${fmtNum(l0, 2)} % vs ${fmtNum(ls, 2)} %`, false)
  const single = byName(r, 'np-single')
  const idle = single?.rssIdleMb ?? (t0?.rssIdlePerProcessMb === undefined ? undefined : Math.max(...t0.rssIdlePerProcessMb))
  cmp('standalone idle instance ≤ 50 MB RSS', idle, 50, `${fmtNum(idle, 1)} MB`, false)
  if (r.master !== undefined) {
    const m = r.master.rssMb
    cmp(`master with ${r.master.instances} idle instances ≤ 3 GB RSS`, m, 3072, `${fmtNum(m, 0)} MB`, false)
  }
  const held = c0?.rssMb
  const perConn = held === undefined || t0?.rssIdleMb === undefined ? undefined : ((held - t0.rssIdleMb) * 1024) / Number(big)
  cmp('per open tunnelled connection ≤ 10 KB (RSS growth, both ends, tls=0)', perConn, 10, `${fmtNum(perConn, 1)} KB`, false)
  // New-connection latency against Go NodePass (when a Go binary was given) and haproxy.
  for (const [ours, tls] of [[t0, 0], [t1, 1]] as const) {
    const a = ours === undefined ? undefined : added(ours, direct, 'newConn')
    const go = byName(r, `go-tls${tls}`)
    const ag = go === undefined ? undefined : added(go, direct, 'newConn')
    if (ag !== undefined) cmp(`new-connection p50 added (tls=${tls}) ≤ Go NodePass’s`, a, ag, `${fmtAdded(a)} vs Go ${fmtAdded(ag)}`, false)
    cmp(`new-connection p50 added (tls=${tls}) ≤ haproxy’s`, a, ah, `${fmtAdded(a)} vs haproxy ${fmtAdded(ah)}`, false)
  }
  // A TLS burst; with type=0 the fd arithmetic is the same as for tls=0.
  const c1 = t1?.conc?.[big]
  const fdNote1 = c1 !== undefined && c1.failures > 0 && limit > 0 && fds >= limit
    ? ` (each end needs ${fmtNum(fds)} fds plus its own; the fd limit here is ${fmtNum(limit)})` : ''
  // What Node.js's TLS alone costs here (bench/tls-floor.ts): each connection held at once has a pool connection of its own.
  const f = r.tlsFloor
  const cpuFloor = f === undefined ? '' : `; Node's TLS handshakes alone: ${fmtNum(Number(big))} × ${fmtNum(f.tlsHandshakeCpuUs)} us ÷ ${r.machine.cores} cores ≥ ${fmtMs((Number(big) * f.tlsHandshakeCpuUs) / 1000 / r.machine.cores)}`
  out.push({
    target: `${big} connections at once with tls=1: last echo within 5 s, failures only where fds run out`,
    measured: c1 === undefined ? 'not measured' : `${c1.failures} failures, ${fmtMs(c1.timeToLastEchoMs)}${fdNote1}${cpuFloor}`,
    met: c1 === undefined ? undefined : c1.timeToLastEchoMs <= 5000 && (c1.failures === 0 || fdNote1 !== ''),
  })
  const perTls = c1?.rssMb === undefined || t1?.rssIdleMb === undefined ? undefined : ((c1.rssMb - t1.rssIdleMb) * 1024) / Number(big)
  const memFloor = f === undefined ? '' : `; a bare Node.js TLS connection (both ends) here: ${fmtNum(f.tlsPairKb, 1)} KB`
  cmp(`per held tls=1 connection ≤ ${TLS_CONN_KB_TARGET} KB (RSS growth, both ends; half of the 2026-11-25 run)`, perTls, TLS_CONN_KB_TARGET,
    `${fmtNum(perTls, 1)} KB${memFloor}`, false)
  // QUIC (type=1): Go NodePass's throughput, no failures in the largest burst, new connections within 2× tls=1's.
  const q = byName(r, 'np-quic')
  const gq = byName(r, 'go-quic')
  for (const [k, streams] of [['tcp1', '1 stream'], ['tcp8', '8 streams']] as const) {
    const a = q?.[k]?.gbps.median
    const b = gq?.[k]?.gbps.median
    out.push({
      target: `QUIC (type=1), ${streams} ≥ Go NodePass’s`,
      measured: a === undefined ? 'not measured' : `${fmtNum(a, 2)} vs ${b === undefined ? 'Go: not in this run (--go=)' : `Go ${fmtNum(b, 2)}`} Gbit/s`,
      met: a === undefined || b === undefined ? undefined : a >= b,
    })
  }
  const qc = q?.conc?.[big]
  out.push({
    target: `${big} connections at once over QUIC (type=1), 0 failures`,
    measured: qc === undefined ? 'not measured' : `${qc.failures} failures, ${fmtMs(qc.timeToLastEchoMs)}`,
    met: qc === undefined ? undefined : qc.failures === 0,
  })
  const aq = q === undefined ? undefined : added(q, direct, 'newConn')
  const a1 = t1 === undefined ? undefined : added(t1, direct, 'newConn')
  cmp('new-connection p50 added, QUIC (type=1) ≤ 2× tls=1’s', aq, a1 === undefined ? undefined : 2 * a1,
    `${fmtAdded(aq)} vs 2 × ${fmtAdded(a1)}`, false)
  return out
}

/** Half of the 2026-11-25 run's RSS per held tls=1 connection (1,080 MB for 10,000, both ends). */
const TLS_CONN_KB_TARGET = 54

export function renderTlsFloor(r: BenchResult): string {
  const f = r.tlsFloor
  if (f === undefined) return ''
  return renderTable(['Node.js alone, both ends in one process', 'TLS (tls=1 settings)', 'plain TCP'], [
    [`main-thread CPU per connection, us (${fmtNum(f.handshakes)} connections)`, fmtNum(f.tlsHandshakeCpuUs), fmtNum(f.tcpConnectCpuUs)],
    [`RSS per held connection, KB (${fmtNum(f.pairs)} held)`, fmtNum(f.tlsPairKb, 1), fmtNum(f.tcpPairKb, 1)],
  ]) + `\n\nNode.js ${f.node}, OpenSSL ${f.openssl}.`
}

export function renderTargets(r: BenchResult): string {
  const rows = checkTargets(r).map((t) => [t.target, t.measured, t.met === undefined ? '?' : t.met ? 'met' : 'NOT met'])
  return renderTable(['target', 'measured', ''], rows)
}

/** Notes and skips per configuration, one bullet each. */
export function renderNotes(r: BenchResult): string {
  const lines: string[] = []
  for (const c of r.configs) {
    if (c.status === 'ok' && c.notes.length === 0) continue
    lines.push(`- **${c.label}** (${c.status})${c.notes.length > 0 ? ': ' + c.notes.join('; ') : ''}`)
  }
  if (r.master !== undefined && r.master.notes.length > 0) lines.push(`- **master** (${r.master.status}): ${r.master.notes.join('; ')}`)
  return lines.join('\n')
}

/** Everything printed on stdout at the end of a run. */
export function renderConsole(r: BenchResult): string {
  const parts = [renderFiguresTable(r), '', renderRatioTable(r), '', renderTargets(r)]
  if (r.master !== undefined) parts.push('', renderMaster(r))
  if (r.observability !== undefined) parts.push('', renderObservability(r))
  if (r.tlsFloor !== undefined) parts.push('', renderTlsFloor(r))
  const notes = renderNotes(r)
  if (notes !== '') parts.push('', notes)
  return parts.join('\n')
}

export function renderObservability(r: BenchResult): string {
  const o = r.observability
  if (o === undefined) return ''
  const s = o.scrape
  const h = o.history
  return renderTable(['observability', ''], [
    ['status', o.status + (o.notes.length > 0 ? ` (${o.notes.join('; ')})` : '')],
    ['instances', fmtNum(o.instances)],
    ['GET /metrics: size, bytes / samples', s ? `${fmtNum(s.bytes)} / ${fmtNum(s.samples)}` : '–'],
    ['GET /metrics: master CPU per scrape, ms (served in, ms)', s ? `${fmtNum(s.cpuMsPerScrape, 2)} (${fmtNum(s.serveMs, 2)})` : '–'],
    ['GET /metrics every 5 s: share of one core (target < 1 %)', s ? `${fmtNum(s.corePctAt5s, 3)} %` : '–'],
    ['history: file per instance, bytes (fixed)', h ? fmtNum(h.fileBytes) : '–'],
    ['history: disk for all, MB apparent / allocated after a day', h ? `${fmtNum(h.apparentMb, 1)} / ${fmtNum(h.allocatedMbAfterDay, 1)}` : '–'],
    ['history: one flush (every minute), ms wall / ms CPU', h ? `${fmtNum(h.flushMs, 2)} / ${fmtNum(h.flushCpuMs, 2)}` : '–'],
    ['history: records written per flush', h ? fmtNum(h.recordsPerFlush, 0) : '–'],
    ['history: one checkpoint folded in, us', h ? fmtNum(h.observeUs, 2) : '–'],
  ])
}

export function renderMaster(r: BenchResult): string {
  const m = r.master
  if (m === undefined) return ''
  return renderTable(['master', ''], [
    ['status', m.status],
    ['idle instances', fmtNum(m.instances)],
    ['RSS, master + instances, MB', fmtNum(m.rssMb, 0)],
    ['processes', fmtNum(m.processes)],
    [`GET /instances p50 / p99, us (${fmtNum(m.getInstances?.n)} requests)`, fmtLatency(m.getInstances)],
  ])
}
