// Recovery after a server restart, with real processes on loopback:
//   node dist/bench/recovery.js [--trials 20] [--tls 0|1] [--root <NodePass checkout>] [--down-ms 10000]
// A forward-mode pair (the user port is on the client) runs with an echo target behind the server. Each trial kills
// the server (SIGKILL), waits a random 0.5-4 s, starts it again, and measures from the moment the new server listens
// (its `TLS code-` line, printed right after it bound the tunnel port) to the first 1-byte echo through the tunnel. A
// user who is refused, dropped or not answered within 2 s tries again at once. Then the server stays down for
// --down-ms and the client's restart attempts (its `Client error:` lines, one handshake dial each) are counted over
// the last 8 s of that window: the dial rate while the server is down. --root runs another checkout's bin/nodepass
// (e.g. an older commit) for before/after figures.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, connect, type AddressInfo, type Socket } from 'node:net'
import { once } from 'node:events'
import { resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    tls: { type: 'string', default: '0' },
    root: { type: 'string' },
    'down-ms': { type: 'string', default: '10000' },
  },
})
const ROOT = args.root ?? resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = resolve(ROOT, 'bin/nodepass')
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

interface Proc {
  readonly child: ChildProcess
  readonly lines: { at: number; text: string }[]
  waitFor(re: RegExp, from?: number, timeoutMs?: number): Promise<number>
}

function run(url: string): Proc {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NP_')) env[k] = v
  const child = spawn(process.execPath, [BIN, url], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: { at: number; text: string }[] = []
  const waiters = new Set<() => void>()
  let partial = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const at = performance.now()
    partial += d
    const parts = partial.split('\n')
    partial = parts.pop()!
    // eslint-disable-next-line no-control-regex
    for (const p of parts) lines.push({ at, text: p.replace(/\x1b\[[0-9;]*m/g, '') })
    for (const w of waiters) w()
  })
  child.stderr.resume()
  return {
    child,
    lines,
    waitFor(re, from = 0, timeoutMs = 30_000) {
      return new Promise((resolveWait, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no ${re} within ${timeoutMs} ms`))
        }, timeoutMs)
        const check = (): void => {
          const hit = lines.slice(from).find((l) => re.test(l.text))
          if (!hit) return
          clearTimeout(timer)
          waiters.delete(check)
          resolveWait(hit.at)
        }
        waiters.add(check)
        check()
      })
    },
  }
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1')
  await once(s, 'listening')
  const { port } = s.address() as AddressInfo
  await new Promise((r) => s.close(r))
  return port
}

/** One user: connect, send a byte, await its echo (true) or give up after `ms` / on refusal (false). */
function echoOnce(port: number, ms: number): Promise<boolean> {
  return new Promise((done) => {
    const s: Socket = connect({ port, host: '127.0.0.1' })
    const finish = (ok: boolean): void => {
      clearTimeout(timer)
      s.destroy()
      done(ok)
    }
    const timer = setTimeout(() => finish(false), ms)
    s.on('error', () => finish(false))
    s.on('close', () => finish(false))
    s.on('connect', () => s.write('x'))
    s.on('data', () => finish(true))
  })
}

async function kill(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return
  p.child.kill('SIGKILL')
  await once(p.child, 'exit')
}

const stats = (xs: number[]): { median: number; worst: number } => {
  const s = [...xs].sort((a, b) => a - b)
  return { median: s[Math.floor((s.length - 1) / 2)]!, worst: s[s.length - 1]! }
}

async function main(): Promise<void> {
  const trials = Number(args.trials)
  const echo = createServer((s) => {
    s.on('error', () => {})
    s.pipe(s)
  }).listen(0, '127.0.0.1')
  await once(echo, 'listening')
  const echoPort = (echo.address() as AddressInfo).port
  const tunnelPort = await freePort()
  const userPort = await freePort()
  const serverUrl = `server://k@127.0.0.1:${tunnelPort}/127.0.0.1:${echoPort}?mode=2&tls=${args.tls}&log=info`
  let server = run(serverUrl)
  await server.waitFor(/TLS code-/)
  const client = run(`client://k@127.0.0.1:${tunnelPort}/127.0.0.1:${userPort}?mode=2&min=8&log=info`)
  const procs = (): Proc[] => [server, client]
  try {
    while (!(await echoOnce(userPort, 2000))) await sleep(50)
    const times: number[] = []
    for (let i = 0; i < trials; i++) {
      await kill(server)
      await sleep(500 + Math.random() * 3500)
      server = run(serverUrl)
      const listening = await server.waitFor(/TLS code-/)
      while (!(await echoOnce(userPort, 2000))) {
        if (performance.now() - listening > 30_000) throw new Error('no echo within 30 s of the restart')
      }
      times.push(Math.round(performance.now() - listening))
      process.stdout.write(`trial ${i + 1}: ${times[times.length - 1]} ms\n`)
    }
    const { median, worst } = stats(times)
    // Dial rate while the server stays down.
    const downMs = Number(args['down-ms'])
    await kill(server)
    const killedAt = performance.now()
    await sleep(downMs)
    const from = killedAt + Math.max(0, downMs - 8000)
    const attempts = client.lines.filter((l) => l.at >= from && /Client error:/.test(l.text)).length
    const window = (performance.now() - from) / 1000
    process.stdout.write(
      `recovery after the restarted server listens (tls=${args.tls}, ${trials} trials): median ${median} ms, worst ${worst} ms\n` +
        `while down: ${attempts} restart attempts in the last ${window.toFixed(1)} s = ${(attempts / window).toFixed(2)} dials/s\n`,
    )
  } finally {
    for (const p of procs()) await kill(p)
    echo.close()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
