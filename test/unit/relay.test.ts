// The relay's data path on real sockets: TLS pool ↔ plain edge, bytes compared by SHA-256 in both directions with
// half-close carried through and counted; pieces of a TLS read are gathered into fewer writes while a short piece
// (a request or reply) is written at once; pool TLS sockets negotiate AES-128-GCM by server preference, still
// accept a peer that offers only another TLS 1.3 suite, and get one read of write buffer.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { relay } from '../../src/tunnel/relay.js'
import { Counters } from '../../src/tunnel/stats.js'
import { testTunables } from '../helpers/config.js'
import { sha256, socketPair } from '../helpers/net.js'
import { tlsPair } from '../helpers/tls-pair.js'

type After = { after(fn: () => unknown): void }

/** Plain sockets with the stream buffer the tunnel gives user and target sockets (NP_TCP_DATA_BUF_SIZE). */
function plainPair(t: After): Promise<{ a: Socket; b: Socket }> {
  return socketPair(t, { allowHalfOpen: true, highWaterMark: testTunables().tcpDataBufSize })
}


function readAll(s: Socket): Promise<Buffer> {
  const parts: Buffer[] = []
  s.on('data', (c: Buffer) => parts.push(c))
  return new Promise((resolve, reject) => {
    s.once('end', () => resolve(Buffer.concat(parts)))
    s.once('error', reject)
  })
}

test('TLS pool ↔ plain edge: 8 MiB each way arrive unchanged, half-close carried, bytes counted', async (t) => {
  const { server: poolNear, client: poolFar } = await tlsPair(t)
  const { a: edge, b: user } = await plainPair(t)
  const counters = new Counters()
  const done = new Promise<Error | undefined>((resolve) => relay(edge, poolNear, { counters, readMs: 0, onDone: resolve }))
  const up = randomBytes(8 << 20)
  const down = randomBytes(8 << 20)
  const gotUp = readAll(poolFar)
  const gotDown = readAll(user)
  user.end(up)
  poolFar.end(down)
  const [u, d] = await Promise.all([gotUp, gotDown])
  assert.equal(sha256(u), sha256(up))
  assert.equal(sha256(d), sha256(down))
  assert.equal(await done, undefined)
  assert.equal(counters.tcprx, up.length)
  assert.equal(counters.tcptx, down.length)
})

test('pieces of a TLS read leave in fewer writes; a short message alone goes through', async (t) => {
  const { server: pool, client: far } = await tlsPair(t)
  const { a: edge, b: user } = await plainPair(t)
  relay(edge, pool, { counters: new Counters(), readMs: 0 })
  let writes = 0
  const proto = edge as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void }
  const w = proto._write.bind(edge)
  const wv = proto._writev.bind(edge)
  proto._write = (...a: unknown[]) => { writes++; w(...a) }
  proto._writev = (...a: unknown[]) => { writes++; wv(...a) }
  const data = randomBytes(4 << 20)
  const got = readAll(user)
  far.end(data)
  assert.equal(sha256(await got), sha256(data))
  // A TLS record carries at most 16 KiB: 4 MiB came in at least 256 pieces.
  assert.ok(writes < 128, `${writes} writes for 4 MiB`)

  // A lone small message is not held back (the gatherer's timing is tested in test/net/shared-read.test.ts).
  const echo = Buffer.from('ping')
  const { server: p2, client: f2 } = await tlsPair(t)
  const { a: e2, b: u2 } = await plainPair(t)
  relay(e2, p2, { counters: new Counters(), readMs: 0 })
  const arrived = once(u2, 'data') as Promise<[Buffer]>
  f2.write(echo)
  assert.deepEqual((await arrived)[0], echo)
})

test('pool TLS: AES-128-GCM by server preference; a peer offering only AES-256-GCM or ChaCha20 still connects', async (t) => {
  const preferred = await tlsPair(t, 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256')
  assert.equal(preferred.client.getCipher().standardName, 'TLS_AES_128_GCM_SHA256')
  const only256 = await tlsPair(t, 'TLS_AES_256_GCM_SHA384')
  assert.equal(only256.client.getCipher().standardName, 'TLS_AES_256_GCM_SHA384')
  const chacha = await tlsPair(t, 'TLS_CHACHA20_POLY1305_SHA256')
  assert.equal(chacha.client.getCipher().standardName, 'TLS_CHACHA20_POLY1305_SHA256')
  assert.equal(preferred.server.writableHighWaterMark, testTunables().tcpDataBufSize)
})

test('plain edge → TLS pool reads into the shared buffer: 16 MiB through two relays at once, a slow far end', async (t) => {
  // The far ends read in bursts and the pools take 1 MiB of writes before pushing back, so the edges' reads land
  // behind queued pool writes (and are copied), while both relays read into the same buffer.
  const runs = await Promise.all([0, 1].map(async () => {
    const { server: pool, client: far } = await tlsPair(t, undefined, 1 << 20)
    const { a: edge, b: user } = await plainPair(t)
    let edgeDataEvents = 0
    relay(edge, pool, { counters: new Counters(), readMs: 0 })
    edge.on('data', () => edgeDataEvents++)
    const data = randomBytes(8 << 20)
    const got = readAll(far)
    let n = 0
    far.on('data', () => {
      if (++n % 64 !== 0) return
      far.pause()
      setImmediate(() => far.resume())
    })
    user.end(data)
    return { sent: sha256(data), got: sha256(await got), edgeDataEvents: () => edgeDataEvents }
  }))
  for (const r of runs) {
    assert.equal(r.got, r.sent)
    assert.equal(r.edgeDataEvents(), 0, 'the edge emitted data events: not reading into the shared buffer')
  }
})

test('plain edge ↔ plain pool read into the shared buffer and write copies: 24 MiB each way through two relays, stalling far ends', async (t) => {
  const runs = await Promise.all([0, 1].map(async () => {
    const { a: edge, b: user } = await plainPair(t)
    const { a: pool, b: far } = await plainPair(t)
    let dataEvents = 0
    const done = new Promise<Error | undefined>((resolve) => relay(edge, pool, { counters: new Counters(), readMs: 0, onDone: resolve }))
    edge.on('data', () => dataEvents++)
    pool.on('data', () => dataEvents++)
    const up = randomBytes(24 << 20)
    const down = randomBytes(24 << 20)
    const gotUp = readAll(far)
    const gotDown = readAll(user)
    // Stalling readers: each stops until the relay's write towards it is queued (the kernel buffers full), so
    // copies are held by pending writes while the shared buffer is refilled; a few times per direction.
    let held = 0
    for (const [s, writer] of [[far, pool], [user, edge]] as const) {
      let n = 0
      s.on('data', () => {
        if (++n % 64 !== 0 || n > 64 * 4) return
        s.pause()
        let spins = 0
        const wait = (): void => {
          if (writer.writableLength > 0) held++
          if (writer.writableLength > 0 || ++spins > 100_000) s.resume()
          else setImmediate(wait)
        }
        wait()
      })
    }
    user.end(up)
    far.end(down)
    return { up: sha256(up), down: sha256(down), gotUp: sha256(await gotUp), gotDown: sha256(await gotDown), err: await done, dataEvents: () => dataEvents, held }
  }))
  for (const r of runs) {
    assert.ok(r.held > 0, 'no write was ever queued: the test did not exercise held copies')
    assert.equal(r.gotUp, r.up)
    assert.equal(r.gotDown, r.down)
    assert.equal(r.err, undefined)
    assert.equal(r.dataEvents(), 0, 'data events: not reading into the shared buffer')
  }
})

test('read longer than a Node timer holds (600h): the connection stays up, no TimeoutOverflowWarning', async (t) => {
  const warnings: string[] = []
  const onWarning = (w: Error): void => void warnings.push(w.name)
  process.on('warning', onWarning)
  t.after(() => process.off('warning', onWarning))
  const { a: edge, b: user } = await plainPair(t)
  const { a: pool, b: far } = await plainPair(t)
  let failure: Error | undefined | 'open' = 'open'
  relay(edge, pool, { counters: new Counters(), readMs: 600 * 3_600_000, onDone: (e) => (failure = e) })
  // Unclamped, Node turns the 2,160,000,000 ms timer into 1 ms and the relay aborts as idle at once.
  await new Promise((r) => setTimeout(r, 100))
  const arrived = once(far, 'data') as Promise<[Buffer]>
  user.write('ping')
  assert.equal((await arrived)[0].toString(), 'ping')
  assert.equal(failure, 'open')
  assert.deepEqual(warnings, [])
})
