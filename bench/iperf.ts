// iperf3 client runs (JSON output) with the forwarder's CPU sampled around each run.
import { spawn } from 'node:child_process'
import { cpuTicks, CLOCK_TICKS, sleep } from './procs.js'
import { cpuPercent } from './stats.js'

export interface IperfRun {
  gbps: number
  /** UDP only. */
  lostPercent?: number
  cpuPct?: number
}

/** Runs the iperf3 client to completion (killed at the deadline); resolves with its stdout. */
function iperf3(args: readonly string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('iperf3', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    p.stdout.on('data', (d: Buffer) => { if (out.length < 4 << 20) out += d.toString('utf8') })
    p.stderr.on('data', (d: Buffer) => { if (out.length < 4 << 20) out += d.toString('utf8') })
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs)
    p.once('error', (e) => { clearTimeout(timer); resolve({ code: -1, out: String(e) }) })
    p.once('close', (code) => { clearTimeout(timer); resolve({ code, out }) })
  })
}

export interface IperfOptions {
  port: number
  seconds: number
  streams: number
  udpMbit?: number
  udpLen?: number
  /** Forwarder pids to sample (empty: no CPU figure). */
  pids: readonly number[]
}

export async function runIperf(o: IperfOptions): Promise<IperfRun> {
  const args = ['-c', '127.0.0.1', '-p', String(o.port), '-t', String(o.seconds), '-P', String(o.streams), '-J',
    '--connect-timeout', '10000']
  if (o.udpMbit !== undefined) args.push('-u', '-b', `${o.udpMbit}M`, '-l', String(o.udpLen ?? 1400))
  const before = o.pids.length > 0 ? cpuTicks(o.pids) : 0
  const t0 = Date.now()
  const { code, out } = await iperf3(args, (o.seconds + 40) * 1000)
  const wall = Date.now() - t0
  await sleep(100) // let per-connection forks (socat) exit and be reaped into their parent's figures
  const after = o.pids.length > 0 ? cpuTicks(o.pids) : 0
  let j: Record<string, unknown>
  try {
    j = JSON.parse(out) as Record<string, unknown>
  } catch {
    throw new Error(`iperf3 exited ${code}: ${out.slice(-300).trim()}`)
  }
  if (typeof j['error'] === 'string') throw new Error(`iperf3: ${j['error']}`)
  const end = j['end'] as Record<string, Record<string, number> | undefined> | undefined
  const run: IperfRun = { gbps: Number.NaN }
  if (o.udpMbit === undefined) {
    const bps = end?.['sum_received']?.['bits_per_second']
    if (bps === undefined) throw new Error('iperf3: no sum_received in its JSON')
    run.gbps = bps / 1e9
  } else {
    const sum = end?.['sum']
    if (sum?.['lost_percent'] === undefined) throw new Error('iperf3: no UDP sum in its JSON')
    run.gbps = (sum['bits_per_second'] ?? Number.NaN) / 1e9
    run.lostPercent = sum['lost_percent']
  }
  // Ticks over the whole client run, divided by the transfer time (setup and teardown cost the forwarder little).
  if (o.pids.length > 0) run.cpuPct = cpuPercent(before, after, CLOCK_TICKS, Math.min(wall, o.seconds * 1000))
  return run
}
