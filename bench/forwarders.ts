// The configurations compared: direct (no forwarder), socat, haproxy, a stunnel pair and NodePass variants.
// Each starts its processes in front of one target port (TCP, and UDP where supported) and exposes an entry port.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startChild, freePort, runCapture, waitForPort, type Child } from './procs.js'
import type { ConfigKind } from './results.js'

export interface StartContext {
  /** Scratch directory for config files (removed after the run). */
  tmp: string
  /** Repository root (bin/nodepass, test fixtures). */
  root: string
  /** A Go NodePass binary given with --go= or NP_BENCH_GO (the go-* configurations run it). */
  go?: string
}

export interface Running {
  entry: number
  /** Root pids of the forwarder (their descendants are included in CPU/RSS readings). */
  pids: number[]
  /** Called before each UDP measurement (socat's UDP-LISTEN serves one peer, so it is restarted). */
  prepareUdp?: () => Promise<void>
  /** A reason the forwarder cannot work (e.g. a pool type this build lacks), to stop waiting early. */
  failure?: () => string | undefined
  stop(): Promise<void>
}

export interface ForwarderSpec {
  name: string
  label: string
  kind: ConfigKind
  udp: boolean
  /** Seconds to allow for the first echo (a TLS NodePass tunnel verifies certificates 5–10 s after start). */
  readySeconds: number
  start(target: number, ctx: StartContext): Promise<Running>
}

async function stopAll(children: readonly Child[]): Promise<void> {
  await Promise.all(children.map((c) => c.stop()))
}

async function guarded(children: Child[], fn: () => Promise<void>): Promise<void> {
  try {
    await fn()
  } catch (e) {
    await stopAll(children)
    throw e
  }
}

const direct: ForwarderSpec = {
  name: 'direct', label: 'direct', kind: 'limit', udp: true, readySeconds: 10,
  start: (target) => Promise.resolve({ entry: target, pids: [], stop: () => Promise.resolve() }),
}

const socat: ForwarderSpec = {
  name: 'socat', label: 'socat', kind: 'baseline', udp: true, readySeconds: 10,
  async start(target) {
    const entry = await freePort()
    const children: Child[] = []
    const tcp = startChild('socat-tcp', 'socat',
      [`TCP4-LISTEN:${entry},bind=127.0.0.1,fork,reuseaddr,backlog=65535`, `TCP4:127.0.0.1:${target}`])
    children.push(tcp)
    let udp: Child | undefined
    const startUdp = (): void => {
      udp = startChild('socat-udp', 'socat', [`UDP4-LISTEN:${entry},bind=127.0.0.1,reuseaddr`, `UDP4:127.0.0.1:${target}`])
    }
    await guarded(children, () => waitForPort(entry, 10_000, tcp))
    const r: Running = {
      entry,
      pids: [tcp.pid],
      prepareUdp: async () => {
        await udp?.stop()
        startUdp()
        await new Promise((res) => setTimeout(res, 200))
        // The UDP process is measured too while it runs.
        r.pids = udp === undefined ? [tcp.pid] : [tcp.pid, udp.pid]
      },
      stop: () => stopAll(udp === undefined ? children : [...children, udp]),
    }
    return r
  },
}

const haproxy: ForwarderSpec = {
  name: 'haproxy', label: 'haproxy', kind: 'baseline', udp: false, readySeconds: 10,
  async start(target, ctx) {
    const entry = await freePort()
    const cfg = join(ctx.tmp, `haproxy-${entry}.cfg`)
    // haproxy refuses to start when maxconn needs more descriptors than the hard limit (2 per connection + spare).
    const maxconn = Math.max(1000, Math.min(20000, Math.floor((fdHardLimit() - 200) / 2)))
    writeFileSync(cfg, [
      'global',
      `  maxconn ${maxconn}`,
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 120s',
      '  timeout server 120s',
      'frontend fe',
      `  bind 127.0.0.1:${entry} backlog 65535`,
      `  maxconn ${maxconn}`,
      '  default_backend be',
      'backend be',
      `  server t 127.0.0.1:${target}`,
      '',
    ].join('\n'))
    const c = startChild('haproxy', 'haproxy', ['-db', '-f', cfg])
    await guarded([c], () => waitForPort(entry, 10_000, c))
    return { entry, pids: [c.pid], stop: () => c.stop() }
  },
}

const stunnel: ForwarderSpec = {
  name: 'stunnel', label: 'stunnel pair', kind: 'baseline', udp: false, readySeconds: 10,
  async start(target, ctx) {
    const entry = await freePort()
    const mid = await freePort()
    const common = ['foreground = yes', 'pid =', 'debug = 3', 'sslVersionMin = TLSv1.3']
    const srvCfg = join(ctx.tmp, `stunnel-srv-${mid}.conf`)
    const cliCfg = join(ctx.tmp, `stunnel-cli-${entry}.conf`)
    writeFileSync(srvCfg, [...common, '[srv]', `accept = 127.0.0.1:${mid}`, `connect = 127.0.0.1:${target}`,
      `cert = ${join(ctx.root, 'test/fixtures/tls/server.crt')}`, `key = ${join(ctx.root, 'test/fixtures/tls/server.key')}`, ''].join('\n'))
    writeFileSync(cliCfg, [...common, '[cli]', 'client = yes', `accept = 127.0.0.1:${entry}`, `connect = 127.0.0.1:${mid}`, ''].join('\n'))
    const srv = startChild('stunnel-server', 'stunnel4', [srvCfg])
    const cli = startChild('stunnel-client', 'stunnel4', [cliCfg])
    await guarded([srv, cli], async () => {
      await waitForPort(mid, 10_000, srv)
      await waitForPort(entry, 10_000, cli)
    })
    return { entry, pids: [srv.pid, cli.pid], stop: () => stopAll([cli, srv]) }
  },
}

/** The naive Node.js `socket.pipe()` forwarder (TCP only): what a single Node hop costs. */
const nodePipe: ForwarderSpec = {
  name: 'node-pipe', label: 'Node pipe()', kind: 'baseline', udp: false, readySeconds: 10,
  async start(target, ctx) {
    const entry = await freePort()
    const c = startChild('node-pipe', process.execPath, [join(ctx.root, 'dist/bench/pipe-forwarder.js'), String(entry), String(target)])
    await guarded([c], () => waitForPort(entry, 10_000, c))
    return { entry, pids: [c.pid], stop: () => c.stop() }
  },
}

const KEY = 'benchkey'

/** The hard open-file limit children can raise themselves to. */
export function fdHardLimit(): number {
  const n = Number(runCapture('sh', ['-c', 'ulimit -Hn'], 2000).trim())
  return Number.isFinite(n) && n > 0 ? n : 1024
}

/** Which program runs a NodePass end: ours (bin/nodepass under this Node.js) or the Go binary the user gave. */
type Impl = 'ts' | 'go'

function nodepassChild(name: string, url: string, ctx: StartContext, impl: Impl = 'ts'): Child {
  const env = { ...process.env, NP_STATE_DIR: join(ctx.tmp, 'np-state') }
  if (impl === 'go') {
    if (ctx.go === undefined) throw new Error('no Go NodePass binary given (--go=<path> or NP_BENCH_GO)')
    return startChild(name, ctx.go, [url], { cwd: ctx.tmp, env })
  }
  return startChild(name, process.execPath, [join(ctx.root, 'bin/nodepass'), url], { cwd: ctx.root, env })
}

/**
 * A dual-end tunnel in reverse mode (docs/protocol.md §2): the server binds the entry port (ingress), the client
 * dials the server's tunnel port for its pool and connects each tunnelled connection to the target.
 */
function nodepassDual(name: string, label: string, query: string, impl: Impl = 'ts'): ForwarderSpec {
  return {
    name, label, kind: impl === 'go' ? 'go' : 'nodepass', udp: true, readySeconds: 40,
    async start(target, ctx) {
      const entry = await freePort()
      const tunnel = await freePort()
      const srv = nodepassChild(`${name}-server`, `server://${KEY}@127.0.0.1:${tunnel}/127.0.0.1:${entry}?mode=1&log=warn${query}`, ctx, impl)
      const children = [srv]
      let cli: Child | undefined
      await guarded(children, async () => {
        await waitForPort(tunnel, 15_000, srv)
        cli = nodepassChild(`${name}-client`, `client://${KEY}@127.0.0.1:${tunnel}/127.0.0.1:${target}?mode=2&log=warn`, ctx, impl)
        children.push(cli)
        await waitForPort(entry, 15_000, srv)
        // Surface an early crash of either end instead of waiting for the echo deadline.
        await new Promise((r) => setTimeout(r, 300))
        for (const c of children) if (c.proc.exitCode !== null) throw new Error(`${c.name} exited: ${c.tail()}`)
      })
      return { entry, pids: children.map((c) => c.pid), failure: () => fatalLine(children), stop: () => stopAll(children) }
    },
  }
}

/** An error line after which waiting is pointless (the tunnel restarts forever with the same error). */
function fatalLine(children: readonly Child[]): string | undefined {
  for (const c of children) {
    const m = /(?:Server|Client) error: [^\n]*(?:not available|unknown pool type|unsupported)[^\n]*/.exec(c.tail())
    if (m) return `${c.name}: ${m[0]}`
    if (c.proc.exitCode !== null) return `${c.name} exited ${c.proc.exitCode}: ${c.tail().slice(-300)}`
  }
  return undefined
}

/** Single-end forwarding: a client whose tunnel address is bindable listens there and dials the target itself. */
function nodepassSingle(name: string, label: string, impl: Impl = 'ts'): ForwarderSpec {
  return {
    name, label, kind: impl === 'go' ? 'go' : 'nodepass', udp: true, readySeconds: 15,
    async start(target, ctx) {
      const entry = await freePort()
      const c = nodepassChild(name, `client://127.0.0.1:${entry}/127.0.0.1:${target}?mode=1&log=warn`, ctx, impl)
      await guarded([c], () => waitForPort(entry, 15_000, c))
      return { entry, pids: [c.pid], failure: () => fatalLine([c]), stop: () => c.stop() }
    },
  }
}

/** Each NodePass configuration, ours and (with a Go binary given) its Go twin, which the run puts beside it. */
const VARIANTS: ReadonlyArray<{ suffix: string; label: string; query?: string }> = [
  { suffix: 'tls0', label: 'tls=0', query: '&tls=0' },
  { suffix: 'tls1', label: 'tls=1', query: '&tls=1' },
  { suffix: 'ws', label: 'ws (type=2, tls=1)', query: '&tls=1&type=2' },
  { suffix: 'h2', label: 'h2 (type=3)', query: '&tls=1&type=3' },
  { suffix: 'quic', label: 'quic (type=1)', query: '&tls=1&type=1' },
  { suffix: 'single', label: 'single-end' },
]

function variantSpec(v: (typeof VARIANTS)[number], impl: Impl): ForwarderSpec {
  const name = `${impl === 'go' ? 'go' : 'np'}-${v.suffix}`
  const label = `${impl === 'go' ? 'Go NodePass' : 'NodePass'} ${v.label}`
  return v.query === undefined ? nodepassSingle(name, label, impl) : nodepassDual(name, label, v.query, impl)
}

export const ALL_SPECS: readonly ForwarderSpec[] = [
  direct, socat, haproxy, nodePipe, stunnel,
  ...VARIANTS.map((v) => variantSpec(v, 'ts')),
]

/** The Go NodePass configurations (go-tls0, go-tls1, …): run only when a Go binary is given. */
export const GO_SPECS: readonly ForwarderSpec[] = VARIANTS.map((v) => variantSpec(v, 'go'))

/** The configurations of one run in column order: with `go`, each Go configuration right after ours. */
export function specsInOrder(go: boolean): ForwarderSpec[] {
  const out: ForwarderSpec[] = []
  for (const s of ALL_SPECS) {
    out.push(s)
    const twin = go ? GO_SPECS.find((g) => g.name === s.name.replace(/^np-/, 'go-')) : undefined
    if (twin !== undefined) out.push(twin)
  }
  return out
}

/** Which external program each spec needs (checked before the run; missing → skipped with a note). */
export function requiredBinary(name: string): string | undefined {
  switch (name) {
    case 'socat': return 'socat'
    case 'haproxy': return 'haproxy'
    case 'stunnel': return 'stunnel4'
    default: return undefined
  }
}
