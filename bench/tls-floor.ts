// What Node.js itself charges for TLS on this machine, with the tunnel's own TLS settings (tls=1: the self-signed
// ECDSA P-256 certificate, TLS 1.3, the shared client context): main-thread CPU per handshake and RSS per held
// connection, both ends in one process, next to the same figures for plain TCP. The tunnel's tls=1 rows cannot go
// below these: each tunnelled connection uses one pool connection, handshaken once (docs/design-notes.md, "What
// TLS costs"). Runs in a child process of its own so that its RSS is its own:
//   node dist/bench/tls-floor.js child <handshakes> <held pairs>
import { readFileSync } from 'node:fs'
import { createServer, connect as tcpConnect, type Socket } from 'node:net'
import { createSecureContext, connect as tlsConnect, TLSSocket } from 'node:tls'
import { fileURLToPath } from 'node:url'
import { resolve } from 'node:path'
import { selfSignedPair, TLS13_CIPHERS, TLS_MIN_VERSION } from '../src/tls/certs.js'
import { clientTlsOptions } from '../src/transport/tls-stream.js'
import { whenConnected } from '../src/net/connecting.js'
import { CLOCK_TICKS, runCapture } from './procs.js'
import { parseProcStatTicks } from './stats.js'
import type { TlsFloorResult } from './results.js'

/** Connections in flight at once while measuring CPU: enough to keep the one thread busy. */
const PARALLEL = 16
const DIAL_TIMEOUT_MS = 10_000

/** CPU time of this process's main thread (its task id is the pid), in microseconds. */
function mainThreadCpuUs(): number {
  return (parseProcStatTicks(readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8'), false) * 1e6) / CLOCK_TICKS
}

type Dial = (port: number) => Promise<Socket>

async function measure(
  accept: (s: Socket) => Socket, dial: Dial, handshakes: number, pairs: number,
): Promise<{ cpuUs: number; pairKb: number }> {
  const held: Socket[] = []
  let holding = false
  const srv = createServer({ allowHalfOpen: true }, (s) => {
    const end = accept(s)
    end.on('error', () => end.destroy())
    if (holding) held.push(end)
    else end.on('end', () => end.destroy())
  })
  await new Promise<void>((r) => srv.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r))
  const port = (srv.address() as { port: number }).port
  const gc = (globalThis as { gc?: () => void }).gc
  try {
    await dial(port).then((s) => s.destroy()) // warm-up: the first connection loads code
    let next = 0
    const cpu0 = mainThreadCpuUs()
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      while (next++ < handshakes) (await dial(port)).end()
    }))
    const cpuUs = (mainThreadCpuUs() - cpu0) / handshakes
    holding = true
    gc?.()
    const rss0 = process.memoryUsage().rss
    next = 0
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      while (next++ < pairs) held.push(await dial(port))
    }))
    gc?.()
    const pairKb = (process.memoryUsage().rss - rss0) / 1024 / pairs
    return { cpuUs, pairKb }
  } finally {
    for (const s of held) s.destroy()
    srv.close()
  }
}

/** The tunnel's own connect wait (as its dials use it), bounded; a later error only destroys the socket. */
async function settle(s: Socket, ready: 'connect' | 'secureConnect'): Promise<Socket> {
  await whenConnected(s, ready, DIAL_TIMEOUT_MS, undefined, {
    timeout: () => new Error(`no ${ready} within ${DIAL_TIMEOUT_MS} ms`),
    aborted: () => new Error('aborted'),
  })
  s.on('error', () => s.destroy())
  return s
}

async function child(handshakes: number, pairs: number): Promise<TlsFloorResult> {
  const pair = await selfSignedPair()
  const context = createSecureContext({ cert: pair.cert, key: pair.key, minVersion: TLS_MIN_VERSION, ciphers: TLS13_CIPHERS })
  const client = clientTlsOptions({ mode: 1 })
  const tcp = await measure((s) => s, (port) => settle(tcpConnect({ port, host: '127.0.0.1' }), 'connect'), handshakes, pairs)
  const tls = await measure(
    (s) => new TLSSocket(s, { isServer: true, secureContext: context }),
    (port) => settle(tlsConnect({ port, host: '127.0.0.1', ...client }), 'secureConnect'),
    handshakes, pairs,
  )
  return {
    node: process.version, openssl: process.versions.openssl ?? '?', handshakes, pairs,
    tlsHandshakeCpuUs: tls.cpuUs, tcpConnectCpuUs: tcp.cpuUs, tlsPairKb: tls.pairKb, tcpPairKb: tcp.pairKb,
  }
}

/** Runs the measurement in a child process (node --expose-gc) and returns its figures. */
export function benchTlsFloor(root: string, handshakes: number, pairs: number): TlsFloorResult {
  const out = runCapture(process.execPath, ['--expose-gc', resolve(root, 'dist/bench/tls-floor.js'), 'child', String(handshakes), String(pairs)], 300_000)
  try {
    return JSON.parse(out) as TlsFloorResult
  } catch {
    throw new Error(`tls-floor child: ${out.replace(/\s+/g, ' ').trim().slice(0, 300)}`)
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]) && process.argv[2] === 'child') {
  const n = Number(process.argv[3])
  const p = Number(process.argv[4])
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(p) || p < 1) {
    console.error('usage: tls-floor.js child <handshakes ≥ 1> <held pairs ≥ 1>')
    process.exit(2)
  }
  child(n, p).then((r) => {
    console.log(JSON.stringify(r))
    process.exit(0)
  }, (e: unknown) => {
    console.error(e)
    process.exit(1)
  })
}
