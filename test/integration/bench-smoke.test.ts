// The benchmark harness's pure helpers (no iperf3/socat/haproxy/stunnel needed): statistics, /proc parsing,
// table rendering, the result JSON shape and the flag parser.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpuPercent, median, parseProcStatPpid, parseProcStatTicks, percentile, spread, summariseLatency } from '../../bench/stats.js'
import { checkTargets, renderConsole, renderFiguresTable, renderTable } from '../../bench/report.js'
import { renderBenchmarksMd } from '../../bench/markdown.js'
import { checkResultShape, RESULT_SCHEMA, type BenchResult } from '../../bench/results.js'
import { parseArgs } from '../../bench/run.js'
import { benchTlsFloor } from '../../bench/tls-floor.js'
import { GO_SPECS, specsInOrder } from '../../bench/forwarders.js'
import { startChild, freePort, waitForPort } from '../../bench/procs.js'
import { waitForEcho } from '../../bench/load.js'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../helpers/proc.js'

test('percentiles use the nearest rank', () => {
  const v = Array.from({ length: 100 }, (_, i) => 100 - i) // 100..1, unsorted
  assert.equal(percentile(v, 50), 50)
  assert.equal(percentile(v, 99), 99)
  assert.equal(percentile(v, 100), 100)
  assert.equal(percentile(v, 0), 1)
  assert.equal(percentile([7], 99), 7)
  assert.ok(Number.isNaN(percentile([], 50)))
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 1000], 90), 9)
})

test('median, spread and latency summary', () => {
  assert.equal(median([3, 1, 2]), 2)
  assert.equal(median([4, 1, 3, 2]), 2.5)
  assert.deepEqual(spread([6, 4, Number.NaN, 5]), { median: 5, min: 4, max: 6, runs: [6, 4, 5] })
  assert.equal(spread([Number.NaN]), undefined)
  const s = summariseLatency([30, 10, 20], 2)
  assert.deepEqual(s, { n: 3, failures: 2, p50: 20, p90: 30, p99: 30, min: 10, max: 30 })
})

test('/proc/<pid>/stat parsing copes with spaces and parentheses in the command name', () => {
  // Fields 14–17 are utime stime cutime cstime; field 4 is the ppid.
  const line = '4242 (my (odd) proc) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 1 0 100 1000 200\n'
  assert.equal(parseProcStatTicks(line, false), 300)
  assert.equal(parseProcStatTicks(line, true), 310)
  assert.equal(parseProcStatPpid(line), 17)
  assert.throws(() => parseProcStatTicks('garbage', false), { message: 'unparsable /proc stat line' })
  assert.equal(cpuPercent(100, 200, 100, 2000), 50)
})

test('renderTable pads columns into a valid markdown table', () => {
  const t = renderTable(['', 'a', 'bbbb'], [['row', '1', '2'], ['longer row', '333', '']])
  assert.equal(t, [
    '|            | a   | bbbb |',
    '|------------|-----|------|',
    '| row        | 1   | 2    |',
    '| longer row | 333 |      |',
  ].join('\n'))
})

function sample(): BenchResult {
  const lat = (p50: number): ReturnType<typeof summariseLatency> => ({ n: 2000, failures: 0, p50, p90: p50 * 2, p99: p50 * 3, min: 1, max: p50 * 4 })
  const bulk = (g: number, cpu?: number): NonNullable<BenchResult['configs'][number]['tcp1']> =>
    cpu === undefined ? { gbps: spread([g, g * 0.9, g * 1.1])! } : { gbps: spread([g, g * 0.9, g * 1.1])!, cpuPct: spread([cpu])! }
  return {
    schema: RESULT_SCHEMA, startedAt: '2026-11-25T12:00:00.000Z', finishedAt: '2026-11-25T12:10:00.000Z', durationS: 600,
    command: 'npm run bench',
    machine: { cpuModel: 'Test CPU', cores: 2, memGb: 4, os: 'Debian 12', kernel: '6.1', node: 'v20.20.2', tools: { socat: '1.7.4.4' }, fdLimit: 20000 },
    params: { quick: false, iperfSeconds: 5, iperfRuns: 3, udpRateMbit: 500, udpLen: 1400, newConnCount: 2000, reqRespCount: 5000, udpEchoCount: 2000, concurrency: [2000, 10000] },
    configs: [
      { name: 'direct', label: 'direct', kind: 'limit', status: 'ok', notes: [], tcp1: bulk(20), newConn: lat(100), reqResp: lat(25) },
      { name: 'socat', label: 'socat', kind: 'baseline', status: 'ok', notes: [], tcp1: bulk(6, 100), newConn: lat(500), reqResp: lat(60), udpLoss: spread([0.1])!, rssIdleMb: 4 },
      { name: 'haproxy', label: 'haproxy', kind: 'baseline', status: 'failed', notes: ['haproxy exited'] },
      { name: 'np-tls0', label: 'NodePass tls=0', kind: 'nodepass', status: 'ok', notes: [], tcp1: bulk(9, 150), newConn: lat(300), reqResp: lat(70),
        udpLoss: spread([0.05])!, rssIdleMb: 80, rssIdlePerProcessMb: [40, 40],
        conc: { '2000': { connections: 2000, failures: 0, timeToLastEchoMs: 400 }, '10000': { connections: 10000, failures: 3, timeToLastEchoMs: 60000, rssMb: 180 } } },
      { name: 'np-h2', label: 'NodePass h2 (type=3)', kind: 'nodepass', status: 'ok', notes: [],
        conc: { '10000': { connections: 10000, failures: 0, timeToLastEchoMs: 4200 } } },
    ],
  }
}

test('the figures table has one column per measured configuration and the derived rows', () => {
  const t = renderFiguresTable(sample())
  const header = t.split('\n')[0]!
  assert.match(header, /\| direct +\| socat +\| NodePass tls=0 +\| NodePass h2 \(type=3\) +\|$/)
  assert.doesNotMatch(header, /haproxy/) // failed configurations are listed in the notes, not as columns
  assert.match(t, /\| TCP 1 stream, Gbit\/s +\| 20\.00 \(18\.00\.\.22\.00\) +\| 6\.00 \(5\.40\.\.6\.60\) +\| 9\.00 \(8\.10\.\.9\.90\) +\| – +\|/)
  assert.match(t, /\| new connection p50 added over direct +\| – +\| \+400 us +\| \+200 us +\| – +\|/)
  assert.match(t, /\| CPU % per Gbit\/s \(1 stream\) +\| – +\| 16\.7 +\| 16\.7 +\| – +\|/)
  assert.match(t, /\| 10,000 connections at once: failures, time to last echo \| – +\| – +\| 3, 60\.00 s +\| 0, 4\.20 s +\|/)
})

test('ratios and targets are computed against socat and direct of the same run', () => {
  const r = sample()
  const out = renderConsole(r)
  assert.match(out, /\| NodePass tls=0 +\| 0\.45× +\| 1\.50× +\| – /)
  assert.match(out, /- \*\*haproxy\*\* \(failed\): haproxy exited/)
  const targets = checkTargets(r)
  const find = (prefix: string): { measured: string; met: boolean | undefined } => targets.find((t) => t.target.startsWith(prefix))!
  assert.equal(find('tls=0 tunnel').met, true)
  assert.equal(find('tls=0 tunnel').measured, '9.00 vs 6.00 Gbit/s (1.50×)')
  assert.equal(find('tls=1 tunnel').met, undefined)
  assert.equal(find('new-connection').met, true)
  assert.equal(find('10000 concurrent').met, false)
  assert.equal(find('10000 concurrent').measured, '3 failures, 60.00 s (each end needs 20,000 fds plus its own; the fd limit here is 20,000)')
  assert.equal(find('10000 concurrent connections through one instance, 0 failures (h2').met, true)
  assert.equal(find('10000 concurrent connections through one instance, 0 failures (h2').measured, '0 failures, 4.20 s')
  assert.equal(find('UDP').met, true)
  assert.equal(find('standalone idle').measured, '40.0 MB')
  assert.equal(find('per open tunnelled').measured, '10.2 KB')
  assert.equal(find('per open tunnelled').met, false)
})

test('BENCHMARKS.md names the command, the machine and the shared cores', () => {
  const md = renderBenchmarksMd(sample())
  assert.match(md, /^# Benchmarks\n/)
  assert.match(md, /\*\*This run:\*\* `npm run bench` — 2026-11-25T12:00:00\.000Z \(600 s\)\./)
  assert.match(md, /\*\*Machine:\*\* Test CPU, 2 cores, 4\.0 GB RAM; Debian 12, Linux 6\.1; Node\.js v20\.20\.2;/)
  assert.match(md, /share these 2 cores/)
})

test('the result JSON shape check', () => {
  const good = JSON.parse(JSON.stringify(sample())) as unknown
  assert.deepEqual(checkResultShape(good), [])
  assert.deepEqual(checkResultShape(null), ['not an object'])
  const bad = JSON.parse(JSON.stringify(sample())) as Record<string, unknown>
  bad['schema'] = 'x'
  delete bad['command']
  ;(bad['configs'] as Array<Record<string, unknown>>)[0]!['status'] = 'great'
  assert.deepEqual(checkResultShape(bad), ['schema is not nodepass-bench/1', 'command missing', 'configs[0].status invalid'])
})

test('flag parsing: subsets, quick mode and exact errors', () => {
  const o = parseArgs(['--only=direct,socat', '--quick', '--tests=bulk,udp', '--runs=5'])
  assert.ok(typeof o !== 'string')
  assert.deepEqual(o.only, ['direct', 'socat'])
  assert.equal(o.quick, true)
  assert.deepEqual([...o.tests], ['bulk', 'udp'])
  assert.equal(o.runs, 5)
  assert.equal(parseArgs(['--only=nope']), 'unknown configuration nope')
  assert.equal(parseArgs(['--runs=0']), '--runs needs an integer 1..60')
  assert.equal(parseArgs(['--tests=bulk,speed']), 'unknown test(s): speed')
  // the metrics and traffic-history rows run alone
  const obs = parseArgs(['--tests=observability'])
  assert.ok(typeof obs !== 'string')
  assert.deepEqual([...obs.tests], ['observability'])
  assert.match(parseArgs(['--bogus']) as string, /^unknown flag --bogus\nnpm run bench -- \[flags\]/)
})

/** A stand-in for a Go NodePass binary: a script taking the same URL, running our own bin/nodepass. */
function standInGo(dir: string): string {
  const path = join(dir, 'nodepass-go-stand-in')
  writeFileSync(path, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'bin/nodepass'))} "$@"\n`)
  chmodSync(path, 0o755)
  return path
}

test('--go / NP_BENCH_GO: a Go binary adds go-* configurations beside ours; exact errors without one', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'np-bench-go-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const bin = standInGo(dir)
  const viaFlag = parseArgs([`--go=${bin}`, '--only=np-tls1,go-tls1'], {})
  assert.ok(typeof viaFlag !== 'string', typeof viaFlag === 'string' ? viaFlag : '')
  assert.equal(viaFlag.go, bin)
  const viaEnv = parseArgs(['--only=go-single'], { NP_BENCH_GO: bin })
  assert.ok(typeof viaEnv !== 'string', typeof viaEnv === 'string' ? viaEnv : '')
  assert.equal(viaEnv.go, bin)
  assert.equal(parseArgs(['--only=go-tls1'], {}), 'go-tls1 need a Go NodePass binary: --go=<path> or NP_BENCH_GO')
  assert.equal(parseArgs(['--go='], {}), '--go needs the path of a Go NodePass binary')
  assert.equal(parseArgs([`--go=${join(dir, 'missing')}`], {}), `--go / NP_BENCH_GO: ${join(dir, 'missing')}: no such file`)
  writeFileSync(join(dir, 'plain'), '')
  assert.equal(parseArgs([`--go=${join(dir, 'plain')}`], {}), `--go / NP_BENCH_GO: ${join(dir, 'plain')}: not executable`)
  assert.equal(parseArgs(['--go=/'], {}), '--go / NP_BENCH_GO: / is not a file')
  // Columns: each Go configuration right after ours; none without a binary.
  const names = specsInOrder(true).map((s) => s.name)
  assert.deepEqual(names.slice(names.indexOf('np-tls0'), names.indexOf('np-tls0') + 4), ['np-tls0', 'go-tls0', 'np-tls1', 'go-tls1'])
  assert.equal(names.filter((n) => n.startsWith('go-')).length, GO_SPECS.length)
  assert.equal(specsInOrder(false).filter((s) => s.name.startsWith('go-')).length, 0)
})

test('a go-* configuration runs the given binary with the same URL syntax (stand-in: our own bin/nodepass)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'np-bench-go-'))
  const target = await freePort()
  const echo = startChild('echo-target', process.execPath, [join(ROOT, 'dist/bench/echo-target.js'), String(target)])
  t.after(async () => {
    await echo.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  await waitForPort(target, 10_000, echo)
  const spec = GO_SPECS.find((s) => s.name === 'go-tls0')!
  assert.equal(spec.kind, 'go')
  assert.equal(spec.label, 'Go NodePass tls=0')
  const fw = await spec.start(target, { tmp: dir, root: ROOT, go: standInGo(dir) })
  t.after(() => fw.stop())
  await waitForEcho(fw.entry, 30_000, fw.failure)
  assert.equal(fw.pids.length, 2)
})

test('tls-floor: the child measures TLS and TCP per connection, and the targets cite it', () => {
  const f = benchTlsFloor(ROOT, 40, 40)
  assert.equal(f.node, process.version)
  assert.equal(f.handshakes, 40)
  for (const k of ['tlsHandshakeCpuUs', 'tcpConnectCpuUs', 'tlsPairKb', 'tcpPairKb'] as const) assert.ok(Number.isFinite(f[k]), `${k}: ${f[k]}`)
  assert.throws(() => benchTlsFloor(ROOT, 0, 1), { message: 'tls-floor child: usage: tls-floor.js child <handshakes ≥ 1> <held pairs ≥ 1>' })
  const tests = parseArgs(['--tests=tls-floor'])
  assert.ok(typeof tests !== 'string')
  assert.deepEqual([...tests.tests], ['tls-floor'])
  // Rendered: its own table, and the floor beside the tls=1 burst and memory targets.
  const r = sample()
  r.configs.push({ name: 'np-tls1', label: 'NodePass tls=1', kind: 'nodepass', status: 'ok', notes: [], rssIdleMb: 100,
    conc: { '10000': { connections: 10000, failures: 0, timeToLastEchoMs: 9000, rssMb: 700 } } })
  r.tlsFloor = { node: 'v20.20.2', openssl: '3.0.19', handshakes: 4000, pairs: 3000, tlsHandshakeCpuUs: 1000, tcpConnectCpuUs: 40, tlsPairKb: 50, tcpPairKb: 10 }
  const targets = checkTargets(r)
  const burst = targets.find((t) => t.target.startsWith('10000 connections at once with tls=1'))!
  assert.equal(burst.measured, "0 failures, 9.00 s; Node's TLS handshakes alone: 10,000 × 1,000 us ÷ 2 cores ≥ 5.00 s")
  assert.equal(burst.met, false)
  const mem = targets.find((t) => t.target.startsWith('per held tls=1 connection ≤ 54 KB'))!
  assert.equal(mem.measured, '61.4 KB; a bare Node.js TLS connection (both ends) here: 50.0 KB')
  assert.equal(mem.met, false)
  assert.match(renderConsole(r), /\| main-thread CPU per connection, us \(4,000 connections\) \| 1,000 +\| 40 +\|/)
  // QUIC rows: against Go when a Go binary ran, otherwise said so.
  assert.equal(targets.find((t) => t.target === 'QUIC (type=1), 1 stream ≥ Go NodePass’s')!.measured, 'not measured')
  const quic = (name: string, gbps: number): BenchResult['configs'][number] => ({ name, label: name, kind: 'nodepass', status: 'ok', notes: [],
    tcp1: { gbps: spread([gbps])! }, newConn: { n: 2000, failures: 0, p50: 2500, p90: 3000, p99: 4000, min: 1, max: 5000 },
    conc: { '10000': { connections: 10000, failures: 12, timeToLastEchoMs: 60000 } } })
  r.configs.push(quic('np-quic', 0.5))
  r.configs.find((c) => c.name === 'np-tls1')!.newConn = { n: 2000, failures: 0, p50: 1100, p90: 1200, p99: 1300, min: 1, max: 1400 }
  let q = checkTargets(r)
  assert.equal(q.find((t) => t.target === 'QUIC (type=1), 1 stream ≥ Go NodePass’s')!.measured, '0.50 vs Go: not in this run (--go=) Gbit/s')
  assert.equal(q.find((t) => t.target === '10000 connections at once over QUIC (type=1), 0 failures')!.measured, '12 failures, 60.00 s')
  const qn = q.find((t) => t.target.startsWith('new-connection p50 added, QUIC'))!
  assert.deepEqual([qn.measured, qn.met], ['+2,400 us vs 2 × +1,000 us', false])
  r.configs.push(quic('go-quic', 0.9))
  q = checkTargets(r)
  const q1 = q.find((t) => t.target === 'QUIC (type=1), 1 stream ≥ Go NodePass’s')!
  assert.deepEqual([q1.measured, q1.met], ['0.50 vs Go 0.90 Gbit/s', false])
  assert.match(renderBenchmarksMd(r), /## What TLS costs in Node\.js itself\n/)
})
