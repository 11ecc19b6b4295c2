// Real-socket fixtures for the data-plane tests: TCP servers on port 0, a tiny A-record DNS server, byte sinks.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import type { TestContext } from 'node:test'
import { stripAnsi } from '../../src/ansi.js'
import { createLogger, type Logger, type LogLevel } from '../../src/log.js'

export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex')
}

/** A TCP server on host:0, closed (with every accepted socket) after the test. */
export async function tcpServer(
  t: TestContext,
  onConn: (s: Socket) => void,
  host = '127.0.0.1',
): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>()
  const server = createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
    s.on('close', () => sockets.delete(s))
    onConn(s)
  })
  server.listen(0, host)
  await once(server, 'listening')
  t.after(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  return { server, port: (server.address() as AddressInfo).port, sockets }
}

/** Collects everything a socket sends until EOF/close. */
export function readAll(s: Socket, limitMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const timer = setTimeout(() => reject(new Error(`readAll: no EOF within ${limitMs}ms`)), limitMs)
    s.on('data', (c: Buffer) => chunks.push(c))
    s.once('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks))
    })
  })
}

/** A logger whose lines (colour stripped) are kept for assertions. */
export function memoryLogger(level: LogLevel = 'debug'): { log: Logger; lines: string[] } {
  const lines: string[] = []
  const log = createLogger({ level, sink: (line) => lines.push(stripAnsi(line)) })
  return { log, lines }
}

export interface DnsFixture {
  readonly port: number
  readonly socket: UdpSocket
  /** name (lower case, no trailing dot) → IPv4 answer; a missing name gets NXDOMAIN. */
  readonly records: Map<string, string>
  /** Extra delay before answering, per name. */
  readonly delays: Map<string, number>
  /** Questions received, per name and type ('A' | 'AAAA' | number). */
  readonly queries: Array<{ name: string; type: string; at: number }>
  /** When true the server stops answering (timeouts). */
  silent: boolean
}

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = []
  let i = offset
  for (let n = 0; n < 64 && i < msg.length; n++) {
    const len = msg[i]!
    if (len === 0) return { name: labels.join('.').toLowerCase(), end: i + 1 }
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('latin1'))
    i += 1 + len
  }
  throw new Error('bad DNS name')
}

/** A minimal authoritative-looking DNS server on 127.0.0.1:0 answering A questions from `records`. */
export async function dnsServer(t: TestContext): Promise<DnsFixture> {
  const socket = createSocket('udp4')
  const fx: DnsFixture = { port: 0, socket, records: new Map(), delays: new Map(), queries: [], silent: false }
  socket.on('message', (msg, rinfo) => {
    if (msg.length < 12 || fx.silent) return
    let q: { name: string; end: number }
    try {
      q = readName(msg, 12)
    } catch {
      return
    }
    const qtype = msg.readUInt16BE(q.end)
    fx.queries.push({ name: q.name, type: qtype === 1 ? 'A' : qtype === 28 ? 'AAAA' : String(qtype), at: performance.now() })
    const question = msg.subarray(12, q.end + 4)
    const ip = fx.records.get(q.name)
    const header = Buffer.alloc(12)
    msg.copy(header, 0, 0, 2) // id
    header.writeUInt16BE(ip === undefined ? 0x8183 : 0x8180, 2) // response, RD, RA; NXDOMAIN when unknown
    header.writeUInt16BE(1, 4)
    const answers: Buffer[] = []
    if (ip !== undefined && qtype === 1) {
      const rr = Buffer.alloc(16)
      rr.writeUInt16BE(0xc00c, 0)
      rr.writeUInt16BE(1, 2)
      rr.writeUInt16BE(1, 4)
      rr.writeUInt32BE(0, 6)
      rr.writeUInt16BE(4, 10)
      ip.split('.').forEach((part, i) => rr.writeUInt8(Number(part), 12 + i))
      answers.push(rr)
    }
    header.writeUInt16BE(answers.length, 6)
    const reply = Buffer.concat([header, question, ...answers])
    const send = (): void => socket.send(reply, rinfo.port, rinfo.address)
    const delay = fx.delays.get(q.name) ?? 0
    if (delay > 0) setTimeout(send, delay)
    else send()
  })
  socket.bind(0, '127.0.0.1')
  await once(socket, 'listening')
  t.after(() => socket.close())
  return Object.assign(fx, { port: socket.address().port })
}

/** Connects to `port` and writes 64 KiB chunks as fast as the path takes them, until `stop()` (which closes it). */
export async function flood(t: TestContext, port: number): Promise<{ stop(): void }> {
  const client = connect(port, '127.0.0.1')
  client.on('error', () => {})
  t.after(() => client.destroy())
  await once(client, 'connect')
  const chunk = randomBytes(64 * 1024)
  let writing = true
  const pump = (): void => {
    while (writing && client.write(chunk));
  }
  client.on('drain', pump)
  pump()
  return {
    stop() {
      writing = false
      client.destroy()
    },
  }
}
