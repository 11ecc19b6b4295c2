// The Node and library internals the data path relies on, checked on the Node release running the tests (CI runs
// the suite on Node 20, 22 and 24: .ci/run). Each has a quiet fallback in the code (allocating reads, unpatched
// QUIC) or, for the TLS write timing, no fallback at all, so a release that changed one would pass every other test
// while slower or, for the timing, corrupting relayed bytes. These tests turn such a release red, naming what changed.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { createServer as createTlsServer, connect as tlsConnect, type TLSSocket } from 'node:tls'
import type { AddressInfo, Socket } from 'node:net'
import { readIntoShared } from '../../src/net/shared-read.js'
import { loadTransport } from '../../src/transport/index.js'
import { sha256, socketPair, tcpEchoExact } from '../helpers/net.js'
import { TLS_DIR } from '../helpers/proc.js'
import { startPair } from '../helpers/transport-pair.js'

const NODE = `Node ${process.version}`

/** A connected TLS pair on 127.0.0.1 with the test CA's server certificate; `server` is the accepted end. */
async function tlsPair(t: { after(fn: () => unknown): void }): Promise<{ client: TLSSocket; server: TLSSocket }> {
  const srv = createTlsServer({
    cert: readFileSync(resolve(TLS_DIR, 'server.crt')),
    key: readFileSync(resolve(TLS_DIR, 'server.key')),
  })
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  const accepted = once(srv, 'secureConnection') as Promise<[TLSSocket]>
  const client = tlsConnect({
    port: (srv.address() as AddressInfo).port,
    host: '127.0.0.1',
    servername: 'localhost',
    ca: readFileSync(resolve(TLS_DIR, 'ca.crt')),
  })
  await once(client, 'secureConnect')
  const [server] = await accepted
  t.after(() => {
    client.destroy()
    server.destroy()
    srv.close()
  })
  return { client, server }
}

/** Reads `s` into the shared buffer, copying each chunk out; resolves with the SHA-256 of everything at 'end'. */
function sharedHash(s: Socket, what: string): Promise<string> {
  const got: Buffer[] = []
  const ended = once(s, 'end').then(() => sha256(got))
  assert.equal(
    readIntoShared(s, (c) => got.push(Buffer.from(c))),
    true,
    `${NODE} no longer offers what src/net/shared-read.ts installs on ${what} (the symbol slots kBuffer, kBufferCb, ` +
      `kBufferGen that net.Socket's onread option fills, and the handle's useUserBuffer()): relayed reads fall back ` +
      `to a 64 KiB allocation each; find the new names and update shared-read.ts`,
  )
  s.resume()
  return ended
}

test(`shared reads: ${NODE} lets src/net/shared-read.ts take over plain (accepted and dialled) and TLS sockets`, { timeout: 60_000 }, async (t) => {
  const plain = await socketPair(t)
  const data = randomBytes(1 << 20)
  const accepted = sharedHash(plain.b, 'an accepted plain socket')
  plain.a.end(data)
  assert.equal(await accepted, sha256(data))

  const other = await socketPair(t)
  const back = randomBytes(1 << 20)
  const dialled = sharedHash(other.a, 'a dialled plain socket')
  other.b.end(back)
  assert.equal(await dialled, sha256(back))

  const tls = await tlsPair(t)
  const secret = randomBytes(1 << 20)
  const tlsRead = sharedHash(tls.client, 'a TLS socket')
  tls.server.end(secret)
  assert.equal(await tlsRead, sha256(secret))
})

/**
 * src/tunnel/relay.ts writes a view of the shared read buffer straight into a TLS socket whose write queue is empty
 * and then lets the next read overwrite that buffer: that is only sound while the TLS layer has taken (encrypted)
 * the bytes before write() returns. Each write here is followed by overwriting its buffer at once; the peer must
 * still receive the original bytes.
 */
async function overwriteAfterWrite(from: TLSSocket, to: TLSSocket, label: string): Promise<void> {
  const sizes = [1, 100, 1400, 16383, 16384, 16385, 32768, 65536]
  const sent: Buffer[] = []
  const got: Buffer[] = []
  to.on('data', (c: Buffer) => got.push(c))
  const ended = once(to, 'end')
  for (let round = 0; round < 40; round++) {
    for (const size of sizes) {
      const buf = randomBytes(size)
      sent.push(Buffer.from(buf))
      assert.equal(from.writableLength, 0)
      assert.equal(from.writableCorked, 0)
      const written = new Promise<void>((done, fail) => from.write(buf, (err) => (err ? fail(err) : done())))
      buf.fill(0) // what the next read into the shared buffer does
      await written // the next write starts with nothing queued again
    }
  }
  from.end()
  await ended
  assert.equal(
    sha256(got),
    sha256(sent),
    `${NODE}: a TLS write (${label}) still reads the caller's buffer after write() returned; src/tunnel/relay.ts ` +
      `must copy (writeCopy) before writing shared-buffer views into TLS sockets on this release`,
  )
}

test(`TLS write timing: ${NODE} has taken a TLS write's bytes when write() returns with nothing queued`, { timeout: 60_000 }, async (t) => {
  const a = await tlsPair(t)
  await overwriteAfterWrite(a.client, a.server, 'dialled end')
  const b = await tlsPair(t)
  await overwriteAfterWrite(b.server, b.client, 'accepted end')
})

test(`QUIC: @matrixai/quic loads on ${NODE} and every internal src/transport/quic-patches.ts replaces is found`, { timeout: 120_000 }, async (t) => {
  let unavailable: string | undefined
  try {
    await loadTransport('quic')
  } catch (err) {
    unavailable = err instanceof Error ? err.message : String(err)
  }
  if (unavailable !== undefined) return t.skip(`QUIC unavailable on ${NODE}: ${unavailable}`)
  const { quicPatchReport, quicVersion, PATCHED_QUIC_VERSION } = await import('../../src/transport/quic-patches.js')
  assert.equal(quicVersion(), PATCHED_QUIC_VERSION, 'the installed @matrixai/quic is not the version the corrections were written for')
  const pair = await startPair(t, { type: 'quic', tls: { mode: 1 } })
  const r = await tcpEchoExact(pair.publicPort, 256 << 10)
  assert.equal(r.got, r.sent)
  assert.equal(quicPatchReport.streamPatched, true, 'QUICStream.prototype.writableWrite not found')
  assert.equal(quicPatchReport.streamHolding, true, 'QUICConnection.prototype.start/processStreams not found (streams arriving with the handshake would be reset)')
  assert.equal(quicPatchReport.connectionsWithoutInternals, 0,
    'a QUIC connection without handleEventQUICStreamSend, send() or recvLock.withF/isLocked: corrections 2 and 3 did not apply')
  assert.ok(quicPatchReport.connectionsTuned >= 2, `tuned ${quicPatchReport.connectionsTuned} connections, expected both ends`)
})
