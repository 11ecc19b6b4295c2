// Our QUIC pool server against an emulated Go NodePass client (NodePassProject/quic, quic-go): the client opens its
// whole pool at once right after the handshake, writes 0x00 on every stream and reads a 4-byte ID from each; one
// failed stream makes Go drop the connection ("OutgoingGet: connection not available"; docs/transports.md).
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { randomFillSync } from 'node:crypto'
import { QUICClient, type QUICStream } from '@matrixai/quic'
import Logger, { LogLevel } from '@matrixai/logger'
import { loadTransport } from '../../src/transport/index.js'
import { createServerCredentials } from '../../src/tls/certs.js'
import { memLogger, testTunables } from '../helpers/config.js'
import { freePort } from '../helpers/net.js'
import { coalesceFinishedWithFirstStream, udpRelay } from '../helpers/udp-relay.js'
import type { PoolStream } from '../../src/transport/types.js'

async function readExactly(qs: QUICStream, n: number, timeoutMs: number): Promise<Buffer> {
  const reader = qs.readable.getReader()
  const timer = setTimeout(() => void reader.cancel(new Error(`no ${n} bytes within ${timeoutMs}ms`)).catch(() => {}), timeoutMs)
  try {
    let got = Buffer.alloc(0)
    while (got.length < n) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`stream ended after ${got.length} of ${n} bytes`)
      got = Buffer.concat([got, value])
    }
    return got.subarray(0, n)
  } finally {
    clearTimeout(timer)
    reader.releaseLock()
  }
}

/** Our QUIC pool server; it hands out 4-byte IDs, 00000000 first, as the tunnel server does. */
async function poolServer(t: TestContext, onStream?: (ps: PoolStream) => void): Promise<{ port: number; streams: PoolStream[] }> {
  const slog = memLogger()
  const creds = (await createServerCredentials({ mode: 1 }, { reloadIntervalMs: 3_600_000, log: slog }))!
  const port = await freePort()
  const streams: PoolStream[] = []
  const st = await (await loadTransport('quic')).server({
    tunnelHost: '127.0.0.1', tunnelPort: port, creds, admit: (ip) => (ip === '127.0.0.1' ? 'ok' : 'foreign'), log: slog,
    tunables: testTunables(), max: 1024,
    onStream: (ps) => {
      const id = Buffer.alloc(4)
      id.writeUInt32BE(streams.length)
      streams.push(ps)
      ps.stream.on('error', () => {})
      ps.stream.write(id)
      onStream?.(ps)
    },
  })
  t.after(() => st.close())
  return { port, streams }
}

/** quic-go's client as Go NodePass configures it for tls=1: no verification, ALPN np-quic. */
async function goClient(t: TestContext, port: number, payload?: number): Promise<QUICClient> {
  const client = await QUICClient.createQUICClient(
    {
      host: '127.0.0.1', port, localHost: '127.0.0.1',
      crypto: { ops: { randomBytes: (b: ArrayBuffer) => Promise.resolve(void randomFillSync(new Uint8Array(b))) } },
      config: { verifyPeer: false, applicationProtos: ['np-quic'], ...(payload ? { maxSendUdpPayloadSize: payload } : {}) },
      logger: new Logger('go', LogLevel.SILENT, []),
    },
    { timer: 5000 },
  )
  t.after(() => client.destroy({ force: true }))
  return client
}

test('quic: a Go-style client whose first streams ride with its handshake Finished gets every pool ID', async (t) => {
  const { port } = await poolServer(t)
  const hook = coalesceFinishedWithFirstStream()
  const relay = await udpRelay(port, hook)
  t.after(() => relay.close())
  const client = await goClient(t, relay.port)
  // Go's ClientManager: capacity streams in parallel, each OpenStreamSync + Write(0x00) + ReadFull(4 bytes).
  const streams = Array.from({ length: 16 }, () => client.connection.newStream('bidi'))
  const ids = await Promise.all(
    streams.map(async (qs) => {
      const w = qs.writable.getWriter()
      await w.write(new Uint8Array([0]))
      w.releaseLock()
      return (await readExactly(qs, 4, 5000)).toString('hex')
    }),
  )
  assert.equal(hook.coalesced(), 1, 'the relay put the first STREAM packet in the Finished datagram')
  assert.equal(new Set(ids).size, 16)
  assert.ok(ids.includes('00000000'), 'the control ID was handed out')
})

test('quic: a datagram a Go peer spreads over two QUIC packets reaches the UDP reader whole', async (t) => {
  const chunks: Buffer[] = []
  let gotChunk: (() => void) | undefined
  const { port } = await poolServer(t, (ps) => {
    ps.stream.on('data', (c: Buffer) => {
      chunks.push(c)
      gotChunk?.()
    })
  })
  const relay = await udpRelay(port)
  t.after(() => relay.close())
  // quic-go starts with ~1,250-byte packets: a 1,399-byte datagram written at once goes out as two packets.
  const client = await goClient(t, relay.port, 1250)
  const qs = client.connection.newStream('bidi')
  const w = qs.writable.getWriter()
  await w.write(new Uint8Array([0]))
  await readExactly(qs, 4, 5000)
  for (let i = 0; i < 8; i++) {
    const datagram = Buffer.alloc(1399, i + 1)
    const before = relay.seen.toServer
    const arrived = new Promise<void>((r) => (gotChunk = r))
    await w.write(datagram)
    await arrived
    await new Promise((r) => setImmediate(r))
    assert.ok(relay.seen.toServer - before >= 2, `datagram ${i} went out in ${relay.seen.toServer - before} packet(s)`)
    assert.deepEqual(chunks.map((c) => c.length), [1399], `datagram ${i} arrived as one read`)
    assert.ok(chunks[0]!.equals(datagram))
    chunks.length = 0
  }
})
