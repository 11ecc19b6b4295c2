// npm run bench -- [--only=a,b] [--skip=a,b] [--quick] [--tests=bulk,latency,udp,conc] [--runs=N] [--seconds=N]
//                  [--md | --no-md] [--go=/path/to/go/nodepass]
// Measures every configuration side by side on 127.0.0.1; prints the tables, writes bench/results/<ts>.json and
// (for a full run, or with --md) BENCHMARKS.md.
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ALL_SPECS, GO_SPECS, requiredBinary, specsInOrder, type ForwarderSpec, type Running, type StartContext } from './forwarders.js'
import { runIperf } from './iperf.js'
import { concurrentConnections, newConnectionLatency, requestResponseLatency, udpEchoLatency, waitForEcho } from './load.js'
import { describeMachine, loadAvg } from './machine.js'
import { benchMaster } from './master.js'
import { benchObservability } from './observability.js'
import { benchTlsFloor } from './tls-floor.js'
import { freePort, installCleanupHandlers, killAllSync, rssMb, runCapture, sleep, startChild, waitForPort } from './procs.js'
import { renderBenchmarksMd } from './markdown.js'
import { renderConsole } from './report.js'
import { RESULT_SCHEMA, type BenchParams, type BenchResult, type ConfigResult } from './results.js'
import { spread } from './stats.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const TESTS = ['bulk', 'latency', 'udp', 'conc', 'master', 'observability', 'tls-floor'] as const
type TestName = (typeof TESTS)[number]

interface Options {
  only?: string[]
  skip: string[]
  quick: boolean
  tests: Set<TestName>
  runs?: number
  seconds?: number
  md?: boolean
  /** A Go NodePass binary (--go= or NP_BENCH_GO): its go-* configurations run beside ours. */
  go?: string
}

const HELP = `npm run bench -- [flags]
  --only=a,b       configurations to run (${ALL_SPECS.map((s) => s.name).join(', ')})
  --skip=a,b       configurations to leave out
  --tests=a,b      figures to measure (${TESTS.join(', ')}); default all
  --quick          1 iperf3 run of 2 s, 300 new connections, 2,000 at once only: a few minutes in all
  --runs=N         iperf3 runs per figure (default 3)
  --seconds=N      iperf3 duration (default 5)
  --md / --no-md   write BENCHMARKS.md (default: only after a full run)
  --go=PATH        a Go NodePass binary you provide (or NP_BENCH_GO=PATH): adds its configurations
                   (${GO_SPECS.map((s) => s.name).join(', ')}), each beside ours; not built or downloaded here`

/** Why `path` cannot be run as the Go NodePass binary, or undefined when it can. */
function goBinaryProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `${path} is not a file`
    accessSync(path, constants.X_OK)
    return undefined
  } catch (e) {
    return `${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not executable'}`
  }
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Options | string {
  const o: Options = { skip: [], quick: false, tests: new Set(TESTS) }
  const names = new Set([...ALL_SPECS, ...GO_SPECS].map((s) => s.name))
  if (env['NP_BENCH_GO'] !== undefined && env['NP_BENCH_GO'] !== '') o.go = env['NP_BENCH_GO']
  for (const a of argv) {
    const [k, v = ''] = a.split('=', 2) as [string, string?]
    const list = (): string[] => v.split(',').map((x) => x.trim()).filter((x) => x !== '')
    switch (k) {
      case '--only': o.only = list(); break
      case '--skip': o.skip = list(); break
      case '--quick': o.quick = true; break
      case '--md': o.md = true; break
      case '--no-md': o.md = false; break
      case '--go':
        if (v === '') return '--go needs the path of a Go NodePass binary'
        o.go = v
        break
      case '--tests': {
        const t = list()
        const bad = t.filter((x) => !(TESTS as readonly string[]).includes(x))
        if (bad.length > 0) return `unknown test(s): ${bad.join(', ')}`
        o.tests = new Set(t as TestName[])
        break
      }
      case '--runs': case '--seconds': {
        const n = Number(v)
        if (!Number.isInteger(n) || n < 1 || n > 60) return `${k} needs an integer 1..60`
        if (k === '--runs') o.runs = n; else o.seconds = n
        break
      }
      case '--help': case '-h': return HELP
      default: return `unknown flag ${a}\n${HELP}`
    }
  }
  for (const n of [...(o.only ?? []), ...o.skip]) if (!names.has(n)) return `unknown configuration ${n}`
  if (o.go === undefined) {
    const goOnly = (o.only ?? []).filter((n) => n.startsWith('go-'))
    if (goOnly.length > 0) return `${goOnly.join(', ')} need a Go NodePass binary: --go=<path> or NP_BENCH_GO`
  } else {
    o.go = resolve(o.go)
    const problem = goBinaryProblem(o.go)
    if (problem !== undefined) return `--go / NP_BENCH_GO: ${problem}`
  }
  return o
}

function paramsFor(o: Options): BenchParams {
  return {
    quick: o.quick,
    iperfSeconds: o.seconds ?? (o.quick ? 2 : 5),
    iperfRuns: o.runs ?? (o.quick ? 1 : 3),
    udpRateMbit: 500,
    udpLen: 1400,
    newConnCount: o.quick ? 300 : 2000,
    reqRespCount: o.quick ? 1000 : 5000,
    udpEchoCount: o.quick ? 300 : 2000,
    concurrency: o.quick ? [2000] : [2000, 10000],
  }
}

function log(msg: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`)
}

function errText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 300)
}

interface Target { port: number; stop: () => Promise<void> }

async function startEchoTarget(port: number): Promise<Target> {
  const c = startChild('echo-target', process.execPath, [join(ROOT, 'dist/bench/echo-target.js'), String(port)])
  await waitForPort(port, 10_000, c)
  return { port, stop: () => c.stop() }
}

async function startIperfServer(port: number): Promise<Target> {
  // The port was the echo target's a moment ago: retry briefly if it is not free yet.
  let last: unknown
  for (let i = 0; i < 5; i++) {
    const c = startChild('iperf3-server', 'iperf3', ['-s', '-B', '127.0.0.1', '-p', String(port)])
    try {
      await waitForPort(port, 10_000, c)
      return { port, stop: () => c.stop() }
    } catch (e) {
      last = e
      await c.stop()
      await sleep(500)
    }
  }
  throw last instanceof Error ? last : new Error(String(last))
}

/** Runs fn, recording a failure as a note (the configuration becomes 'partial'). */
async function step(res: ConfigResult, what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn()
  } catch (e) {
    res.notes.push(`${what} failed: ${errText(e)}`)
    if (res.status === 'ok') res.status = 'partial'
    log(`${res.name}: ${what} failed: ${errText(e)}`)
  }
}

/** Latency, UDP echo and concurrency against the echo target. */
async function measureEcho(spec: ForwarderSpec, p: BenchParams, o: Options, fw: Running, res: ConfigResult): Promise<void> {
  if (o.tests.has('latency')) {
    await step(res, 'new-connection latency', async () => {
      log(`${spec.name}: ${p.newConnCount} sequential connections`)
      res.newConn = await newConnectionLatency(fw.entry, p.newConnCount, 120_000)
    })
    await step(res, 'request/response latency', async () => {
      res.reqResp = await requestResponseLatency(fw.entry, p.reqRespCount, 60_000)
    })
  }
  if (o.tests.has('udp') && spec.udp) {
    await step(res, 'UDP echo latency', async () => {
      await fw.prepareUdp?.()
      res.udpEcho = await udpEchoLatency(fw.entry, p.udpEchoCount, 60_000)
    })
  }
  if (o.tests.has('conc')) {
    const biggest = Math.max(...p.concurrency)
    for (const n of p.concurrency) {
      await step(res, `${n} connections at once`, async () => {
        log(`${spec.name}: ${n} connections at once`)
        const held = n === biggest && fw.pids.length > 0 ? () => Promise.resolve(rssMb(fw.pids)) : undefined
        res.conc ??= {}
        res.conc[String(n)] = await concurrentConnections(fw.entry, n, 60_000, held)
        await sleep(1000) // let the forwarder close its side
      })
    }
  }
}

/** A configuration whose forwarder is up, kept running for the interleaved bulk rounds. */
interface Live {
  spec: ForwarderSpec
  res: ConfigResult
  fw: Running
  port: number
  target: Target | undefined
  gbps: Record<1 | 8, number[]>
  cpu: Record<1 | 8, number[]>
  loss: number[]
}

/**
 * Starts a configuration in front of a target port: first the Node echo server listens there (readiness,
 * latency, concurrency, RSS); then it is replaced by an iperf3 server on the same port for the bulk rounds.
 * Forwarders dial the target per connection, so the swap needs no restart, and no probe connection ever reaches
 * iperf3 (a stray connection there can break its next test). Returns undefined when it cannot start.
 */
async function startAndMeasureEcho(spec: ForwarderSpec, p: BenchParams, o: Options, ctx: StartContext, res: ConfigResult): Promise<Live | undefined> {
  const bin = requiredBinary(spec.name)
  if (bin !== undefined && runCapture('sh', ['-c', `command -v ${bin}`], 2000).trim() === '') {
    res.status = 'skipped'
    res.notes.push(`${bin} not installed (npm run bench:setup)`)
    return undefined
  }
  log(`${spec.name}: start`)
  const port = await freePort()
  let target: Target | undefined
  let fw: Running | undefined
  try {
    target = await startEchoTarget(port)
    fw = await spec.start(port, ctx)
    res.processes = fw.pids.length
    await waitForEcho(fw.entry, spec.readySeconds * 1000, fw.failure)
  } catch (e) {
    await fw?.stop()
    await target?.stop()
    // Could not start or reach the forwarder at all: a NodePass variant that does not work (yet) is skipped.
    res.status = spec.kind === 'nodepass' || spec.kind === 'go' ? 'skipped' : 'failed'
    res.notes.push(`not started: ${errText(e)}`)
    log(`${spec.name}: ${res.status}: ${errText(e)}`)
    return undefined
  }
  const live: Live = { spec, res, fw, port, target, gbps: { 1: [], 8: [] }, cpu: { 1: [], 8: [] }, loss: [] }
  await sleep(1000) // let a pool fill
  if (fw.pids.length > 0) {
    res.rssIdleMb = rssMb(fw.pids)
    res.rssIdlePerProcessMb = fw.pids.map((pid) => rssMb([pid]))
  }
  await measureEcho(spec, p, o, fw, res)
  await live.target?.stop()
  live.target = undefined
  if (o.tests.has('bulk') || (o.tests.has('udp') && spec.udp)) {
    await sleep(2000) // connections of the concurrency test still being torn down must not reach iperf3
    await step(res, 'iperf3 server start and warm-up', async () => {
      live.target = await startIperfServer(port)
      // Warm-up, retried: a late connection from an earlier test can still break iperf3's first control exchange.
      for (let i = 1; ; i++) {
        try {
          await runIperf({ port: fw.entry, seconds: 1, streams: 1, pids: [] })
          return
        } catch (e) {
          if (i >= 3) throw e
          await live.target.stop()
          live.target = await startIperfServer(port)
        }
      }
    })
  }
  return live
}

/**
 * Bulk rounds interleaved across configurations (run 1 of every configuration, then run 2, …), so that load from
 * elsewhere on the machine drifting over time spreads across all of them instead of favouring one.
 */
async function bulkRounds(lives: readonly Live[], p: BenchParams, o: Options): Promise<void> {
  const ready = lives.filter((l) => l.target !== undefined)
  // A failed run can leave iperf3's server stuck in a half-finished test: restart it after a failure.
  const guard = async (l: Live, what: string, fn: () => Promise<void>): Promise<void> => {
    const before = l.res.notes.length
    await step(l.res, what, fn)
    if (l.res.notes.length > before) {
      await l.target?.stop()
      l.target = undefined
      await step(l.res, 'iperf3 server restart', async () => { l.target = await startIperfServer(l.port) })
    }
  }
  if (o.tests.has('bulk')) {
    for (const streams of [1, 8] as const) {
      for (let i = 0; i < p.iperfRuns; i++) {
        for (const l of ready) {
          log(`${l.spec.name}: iperf3 -P ${streams} run ${i + 1}/${p.iperfRuns}`)
          await guard(l, `iperf3 -P ${streams} run ${i + 1}`, async () => {
            const r = await runIperf({ port: l.fw.entry, seconds: p.iperfSeconds, streams, pids: l.fw.pids })
            l.gbps[streams].push(r.gbps)
            if (r.cpuPct !== undefined) l.cpu[streams].push(r.cpuPct)
          })
        }
      }
    }
  }
  if (o.tests.has('udp')) {
    for (let i = 0; i < p.iperfRuns; i++) {
      for (const l of ready.filter((x) => x.spec.udp)) {
        log(`${l.spec.name}: iperf3 UDP ${p.udpRateMbit} Mbit/s run ${i + 1}/${p.iperfRuns}`)
        await guard(l, `iperf3 UDP run ${i + 1}`, async () => {
          await l.fw.prepareUdp?.()
          const r = await runIperf({ port: l.fw.entry, seconds: p.iperfSeconds, streams: 1, udpMbit: p.udpRateMbit, udpLen: p.udpLen, pids: l.fw.pids })
          if (r.lostPercent !== undefined) l.loss.push(r.lostPercent)
        })
      }
    }
  }
  for (const l of ready) {
    for (const streams of [1, 8] as const) {
      const g = spread(l.gbps[streams])
      if (g === undefined) continue
      const c = spread(l.cpu[streams])
      l.res[streams === 1 ? 'tcp1' : 'tcp8'] = c === undefined ? { gbps: g } : { gbps: g, cpuPct: c }
    }
    const loss = spread(l.loss)
    if (loss !== undefined) l.res.udpLoss = loss
  }
}

async function main(): Promise<number> {
  const parsed = parseArgs(process.argv.slice(2))
  if (typeof parsed === 'string') {
    console.error(parsed)
    return parsed === HELP ? 0 : 2
  }
  const o = parsed
  installCleanupHandlers()
  const p = paramsFor(o)
  const specs = specsInOrder(o.go !== undefined).filter((s) => (o.only === undefined || o.only.includes(s.name)) && !o.skip.includes(s.name))
  const tmp = mkdtempSync(join(tmpdir(), 'np-bench-'))
  const ctx: StartContext = { tmp, root: ROOT, ...(o.go !== undefined ? { go: o.go } : {}) }
  const started = new Date()
  const fromEnv = o.go !== undefined && !process.argv.some((a) => a.startsWith('--go='))
  const command = [...(fromEnv ? [`NP_BENCH_GO=${o.go}`] : []), 'npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ')
  const result: BenchResult = {
    schema: RESULT_SCHEMA, startedAt: started.toISOString(), finishedAt: '', durationS: 0, command,
    machine: describeMachine(), params: p, configs: [],
  }
  try {
    const lives: Live[] = []
    try {
      const anyForwarderTest = ['bulk', 'latency', 'udp', 'conc'].some((t) => o.tests.has(t as TestName))
      for (const spec of anyForwarderTest ? specs : []) {
        const res: ConfigResult = { name: spec.name, label: spec.label, kind: spec.kind, status: 'ok', notes: [] }
        result.configs.push(res)
        const live = await startAndMeasureEcho(spec, p, o, ctx, res)
        if (live !== undefined) lives.push(live)
      }
      await bulkRounds(lives, p, o)
    } finally {
      for (const l of lives) {
        await l.fw.stop()
        await l.target?.stop()
      }
    }
    if (o.tests.has('master') && o.only === undefined) {
      log('master: 200 idle instances')
      result.master = await benchMaster(ctx, o.quick ? 50 : 200, log)
    }
    if (o.tests.has('observability') && o.only === undefined) {
      // alone: npm run bench -- --tests=observability
      result.observability = await benchObservability(ctx, o.quick ? 50 : 200, log)
    }
    if (o.tests.has('tls-floor') && o.only === undefined) {
      log('tls-floor: Node.js TLS handshake CPU and held-connection RSS')
      try {
        result.tlsFloor = benchTlsFloor(ROOT, o.quick ? 500 : 4000, o.quick ? 500 : 3000)
      } catch (e) {
        log(`tls-floor failed: ${errText(e)}`)
      }
    }
  } finally {
    killAllSync()
    rmSync(tmp, { recursive: true, force: true })
  }
  const finished = new Date()
  result.machine.loadAvgEnd = loadAvg()
  result.finishedAt = finished.toISOString()
  result.durationS = Math.round((finished.getTime() - started.getTime()) / 1000)
  console.log(renderConsole(result))
  const dir = join(ROOT, 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${started.toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n')
  log(`results: ${file}`)
  const full = !o.quick && o.only === undefined && o.skip.length === 0 && o.tests.size === TESTS.length
  if (o.md ?? full) {
    writeFileSync(join(ROOT, 'BENCHMARKS.md'), renderBenchmarksMd(result))
    log('BENCHMARKS.md written')
  }
  return 0
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().then((code) => { process.exitCode = code }, (e: unknown) => {
    console.error(e)
    killAllSync()
    process.exitCode = 1
  })
}
