// Shared test helpers: echo servers, free ports, bounded waits, hashing.
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'

export function sha256(b: Buffer | Buffer[]): string {
  const h = createHash('sha256')
  for (const x of Array.isArray(b) ? b : [b]) h.update(x)
  return h.digest('hex')
}

/** A TCP echo server on 127.0.0.1 port 0 (half-close aware: ends after echoing everything). */
export async function tcpEcho(host = '127.0.0.1'): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
    s.pipe(s)
  })
  server.listen(0, host)
  await once(server, 'listening')
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy()
      return new Promise((r) => server.close(() => r()))
    },
  }
}

/** A UDP echo server on 127.0.0.1 port 0. */
export async function udpEcho(host = '127.0.0.1'): Promise<{ sock: UdpSocket; port: number; close(): void }> {
  const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4')
  sock.on('message', (m, r) => sock.send(m, r.port, r.address))
  sock.bind(0, host)
  await once(sock, 'listening')
  return { sock, port: sock.address().port, close: () => sock.close() }
}

/** A port that was free a moment ago (for addresses the code under test must bind itself). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const s = createServer()
  s.listen(0, host)
  await once(s, 'listening')
  const { port } = s.address() as AddressInfo
  await new Promise((r) => s.close(r))
  return port
}

/**
 * A port on 127.0.0.1 that refuses connections, for a dead target or peer. It lies below the kernel's ephemeral range,
 * unlike a port from freePort(): a port from that range can later be a connection's own source port, and a dial to
 * it from itself connects (TCP simultaneous open on loopback), or bind(0) hands it to a listener again; either turns
 * the dead target into a live one and the test waits forever for a refusal.
 */
export async function refusedPort(): Promise<number> {
  const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '32768 60999')
  const low = Math.max(2048, Number(range.trim().split(/\s+/)[0]) || 32768)
  for (let i = 0; i < 50; i++) {
    const port = 1024 + Math.floor(Math.random() * (low - 1024))
    const s = connect(port, '127.0.0.1')
    const refused = await new Promise<boolean>((resolve) => {
      s.once('connect', () => resolve(false))
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'))
    })
    s.destroy()
    if (refused) return port
  }
  throw new Error('no refusing port found below the ephemeral range in 50 tries')
}

/** Rejects if `p` has not settled within `ms` (so a test fails instead of hanging). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms waiting for ${what}`)), ms)
  })
  return Promise.race([p, limit]).finally(() => clearTimeout(timer))
}

/** Polls `fn` until it returns a truthy value (which it resolves with), every `stepMs`, failing after `timeoutMs`: the one
 * polling helper of the tests, for state that has no event to await. */
export async function until<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, what = 'condition', stepMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, stepMs))
  }
}

/** Connects, sends `payload` (then half-closes), and returns everything received until the peer ends. */
export async function tcpRoundTrip(port: number, payload: Buffer, host = '127.0.0.1', timeoutMs = 60_000): Promise<Buffer> {
  const sock = connect({ host, port, allowHalfOpen: true })
  const chunks: Buffer[] = []
  sock.on('data', (c: Buffer) => chunks.push(c))
  await once(sock, 'connect')
  sock.end(payload)
  const timer = setTimeout(() => sock.destroy(new Error(`no end within ${timeoutMs}ms`)), timeoutMs)
  try {
    await once(sock, 'end')
  } finally {
    clearTimeout(timer)
    sock.destroy()
  }
  return Buffer.concat(chunks)
}

/** Echo `size` bytes through `port` without half-closing: writes, then reads until all came back. */
export async function tcpEchoExact(port: number, size: number, host = '127.0.0.1', timeoutMs = 60_000): Promise<{ sent: string; got: string }> {
  const payload = randomBytes(size)
  const sock = connect({ host, port })
  const chunks: Buffer[] = []
  let got = 0
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`echo of ${size} bytes incomplete (${got}) after ${timeoutMs}ms`)), timeoutMs)
    sock.on('data', (c: Buffer) => {
      chunks.push(c)
      got += c.length
      if (got >= size) {
        clearTimeout(timer)
        resolve()
      }
    })
    sock.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    sock.on('close', () => {
      clearTimeout(timer)
      if (got < size) reject(new Error(`closed after ${got}/${size} bytes`))
    })
  })
  done.catch(() => {}) // awaited below; a failed connect must not also surface as an unhandled rejection
  try {
    await once(sock, 'connect')
    sock.write(payload)
    await done
  } finally {
    sock.destroy()
  }
  return { sent: sha256(payload), got: sha256(Buffer.concat(chunks)) }
}

/** Two connected TCP sockets on 127.0.0.1 (`a` dialled, `b` accepted), destroyed after the test. */
export async function socketPair(
  t: { after(fn: () => unknown): void },
  opts: { allowHalfOpen?: boolean; highWaterMark?: number } = {},
): Promise<{ a: Socket; b: Socket }> {
  const server = createServer(opts)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const accepted = once(server, 'connection') as Promise<[Socket]>
  const a = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', ...opts })
  await once(a, 'connect')
  const [b] = await accepted
  t.after(() => {
    a.destroy()
    b.destroy()
    server.close()
  })
  return { a, b }
}

/** A half-open-aware TCP server on 127.0.0.1 port 0 that hands each connection to `onConn`, closed after the test. */
export async function listenTcp(t: { after(fn: () => unknown): void }, onConn: (s: Socket) => void): Promise<number> {
  const srv: Server = createServer({ allowHalfOpen: true }, onConn)
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  t.after(() => srv.close())
  return (srv.address() as AddressInfo).port
}
