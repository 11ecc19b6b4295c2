// Child processes of the benchmark: every one is tracked and stopped on exit, error or Ctrl-C; /proc readings
// (CPU ticks, RSS) for a process and its descendants; port helpers.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { createSocket } from 'node:dgram'
import { parseProcStatPpid, parseProcStatTicks } from './stats.js'

export interface Child {
  name: string
  proc: ChildProcess
  pid: number
  /** Last ~8 KB of stderr+stdout, for error messages. */
  tail(): string
  exited: Promise<number | null>
  stop(): Promise<void>
}

const live = new Set<Child>()

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(-pid, sig) } catch { /* gone */ }
  try { process.kill(pid, sig) } catch { /* gone */ }
}

/** Kill every child still running (synchronous; used by exit and signal handlers). */
export function killAllSync(): void {
  for (const c of live) killGroup(c.pid, 'SIGKILL')
  live.clear()
}

let handlersInstalled = false
export function installCleanupHandlers(): void {
  if (handlersInstalled) return
  handlersInstalled = true
  process.on('exit', killAllSync)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      console.error(`\nbench: ${sig}, stopping ${live.size} child process(es)`)
      killAllSync()
      process.exit(130)
    })
  }
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Keep stdout (otherwise discarded unless captured in tail). */
  captureStdout?: boolean
}

/** Starts a tracked child in its own process group (so forks such as socat's are stopped with it). */
export function startChild(name: string, cmd: string, args: readonly string[], opts: SpawnOptions = {}): Child {
  const proc = spawn(cmd, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
  })
  let buf = ''
  const keep = (d: Buffer): void => {
    buf += d.toString('utf8')
    if (buf.length > 16384) buf = buf.slice(-8192)
  }
  proc.stdout?.on('data', keep)
  proc.stderr?.on('data', keep)
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => resolve(code))
    proc.once('error', (err) => { keep(Buffer.from(String(err))); resolve(-1) })
  })
  const pid = proc.pid ?? -1
  const child: Child = {
    name, proc, pid, exited,
    tail: () => buf.trim().slice(-2000),
    stop: async () => {
      if (!live.has(child)) return
      killGroup(pid, 'SIGTERM')
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 3000)
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      clearTimeout(timer)
      killGroup(pid, 'SIGKILL') // the group (forks) too
      live.delete(child)
    },
  }
  if (pid > 0) live.add(child)
  void exited.then(() => { if (pid <= 0) live.delete(child) })
  return child
}

export function runCapture(cmd: string, args: readonly string[], timeoutMs: number): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string }
    return `${err.stdout ?? ''}${err.stderr ?? ''}`
  }
}

export const CLOCK_TICKS = ((): number => {
  const v = Number(runCapture('getconf', ['CLK_TCK'], 2000).trim())
  return Number.isFinite(v) && v > 0 ? v : 100
})()

function readStat(pid: number): string | undefined {
  try { return readFileSync(`/proc/${pid}/stat`, 'utf8') } catch { return undefined }
}

/** pid plus every live descendant. */
export function withDescendants(roots: readonly number[]): number[] {
  const children = new Map<number, number[]>()
  for (const ent of readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue
    const st = readStat(Number(ent))
    if (st === undefined) continue
    const ppid = parseProcStatPpid(st)
    const list = children.get(ppid)
    if (list === undefined) children.set(ppid, [Number(ent)]); else list.push(Number(ent))
  }
  const out: number[] = []
  const queue = [...roots]
  for (let guard = 0; queue.length > 0 && guard < 1_000_000; guard++) {
    const p = queue.shift()!
    out.push(p)
    for (const c of children.get(p) ?? []) queue.push(c)
  }
  return out
}

/**
 * CPU ticks of the roots (including their reaped children) plus the live descendants' own ticks.
 * Threads are included by the kernel in a process's figures.
 */
export function cpuTicks(roots: readonly number[]): number {
  const rootSet = new Set(roots)
  let sum = 0
  for (const p of withDescendants(roots)) {
    const st = readStat(p)
    if (st !== undefined) sum += parseProcStatTicks(st, rootSet.has(p))
  }
  return sum
}

/**
 * Memory of the roots and their descendants, MB: VmRSS for a single process; for a tree of several processes the
 * sum of Pss (proportional set size), since summing RSS counts shared pages once per process (socat forks one
 * process per connection, and 2,000 of them "use" gigabytes of RSS that is mostly shared).
 */
export function rssMb(roots: readonly number[]): number {
  const pids = withDescendants(roots)
  const field = pids.length > 1 ? /^Pss:\s+(\d+)\s+kB/m : /VmRSS:\s+(\d+)\s+kB/
  let kb = 0
  for (const p of pids) {
    try {
      const text = readFileSync(pids.length > 1 ? `/proc/${p}/smaps_rollup` : `/proc/${p}/status`, 'utf8')
      const m = field.exec(text)
      if (m) kb += Number(m[1])
    } catch { /* exited */ }
  }
  return kb / 1024
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms))
}

/** Ports freePort() has handed out in this process: each goes to one user only. */
const handedOut = new Set<number>()

/**
 * A port free for both TCP and UDP on 127.0.0.1 (bind, read, close; racy but retried by callers), never one this
 * process was given before: the kernel may offer a closed port again, and a run that asked for 200 instance ports
 * got one twice, so one instance never started.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer()
      s.once('error', reject)
      s.listen(0, '127.0.0.1', () => {
        const a = s.address()
        s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0))
      })
    })
    const udpOk = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4')
      u.once('error', () => { u.close(); resolve(false) })
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)))
    })
    if (port > 0 && udpOk && !handedOut.has(port)) {
      handedOut.add(port)
      return port
    }
  }
  throw new Error('no free port found')
}

/** Resolves once a TCP connect to port succeeds; rejects at the deadline or when the child exits. */
export async function waitForPort(port: number, timeoutMs: number, child?: Child): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let dead = false
  void child?.exited.then(() => { dead = true })
  for (let i = 0; i < 10_000; i++) {
    if (dead) throw new Error(`${child?.name} exited: ${child?.tail() ?? ''}`)
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host: '127.0.0.1' })
      s.setTimeout(1000, () => { s.destroy(); resolve(false) })
      s.once('connect', () => { s.destroy(); resolve(true) })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`port ${port} not accepting after ${timeoutMs} ms${child ? ': ' + child.tail() : ''}`)
    await sleep(50)
  }
}
