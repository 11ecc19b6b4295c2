// UDP over a pool stream, on a real TCP connection: framed datagrams written in one event-loop turn go out in one
// stream write and arrive whole, in order and unchanged; unframed (Go peer) writes stay one per datagram; a full
// write queue drops datagrams instead of growing; a bad frame length fails with its message; UDP listeners get
// the raised kernel buffers; the idle deadline counts from the last touch.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { DatagramWriter, MAX_QUEUED_UDP_BYTES, readDatagrams } from '../../src/tunnel/udp-frame.js'
import { IdleTimer } from '../../src/tunnel/idle-timer.js'
import { UDP_SOCKET_BUFFER_BYTES, raiseUdpBuffers } from '../../src/net/udp-buffers.js'
import { Ingress } from '../../src/tunnel/ingress.js'
import { sha256, socketPair, until } from '../helpers/net.js'

/** Counts the stream writes a socket receives (the socket itself stays real). */
function countWrites(s: Socket): { n: number } {
  const count = { n: 0 }
  const write = s.write.bind(s) as (chunk: Buffer) => boolean
  ;(s as unknown as { write: (c: Buffer) => boolean }).write = (c: Buffer) => {
    count.n++
    return write(c)
  }
  return count
}

function collect(s: Socket, framed: boolean, maxSize: number, want: number): Promise<Buffer[]> {
  const got: Buffer[] = []
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${got.length}/${want} datagrams after 20 s`)), 20_000)
    readDatagrams(s, framed, maxSize, (d) => {
      got.push(Buffer.from(d))
      if (got.length === want) {
        clearTimeout(timer)
        resolve(got)
      }
    }, reject)
  })
}

test('framed: 2,000 datagrams of 1..2048 bytes written in one turn leave in one write and arrive whole, in order', async (t) => {
  const { a, b } = await socketPair(t)
  const sent = Array.from({ length: 2000 }, (_, i) => randomBytes(1 + ((i * 2731) % 2048)))
  const writes = countWrites(a)
  const w = new DatagramWriter(a, true)
  const got = collect(b, true, 16384, sent.length)
  for (const d of sent) assert.equal(w.write(d), true)
  const received = await got
  assert.equal(writes.n, 1)
  assert.equal(w.dropped, 0)
  assert.deepEqual(received.map((d) => sha256(d)), sent.map((d) => sha256(d)))
})

test('framed: datagrams from separate turns each arrive whole; a zero-length datagram is kept', async (t) => {
  const { a, b } = await socketPair(t)
  const sent = [Buffer.alloc(0), randomBytes(1), randomBytes(1400), randomBytes(16384), Buffer.alloc(0)]
  const w = new DatagramWriter(a, true)
  const got = collect(b, true, 16384, sent.length)
  for (const d of sent) {
    w.write(d)
    await new Promise((r) => setImmediate(r))
    await new Promise((r) => setImmediate(r))
  }
  assert.deepEqual((await got).map((d) => sha256(d)), sent.map((d) => sha256(d)))
})

test('unframed (Go peer): one stream write per datagram', async (t) => {
  const { a, b } = await socketPair(t)
  const writes = countWrites(a)
  const w = new DatagramWriter(a, false)
  const d = randomBytes(1000)
  const got = collect(b, false, 16384, 1)
  w.write(d)
  assert.equal(writes.n, 1)
  assert.equal(sha256((await got)[0]!), sha256(d))
  w.write(d)
  w.write(d)
  assert.equal(writes.n, 3)
})

test('a full write queue drops datagrams; the ones accepted arrive intact', async (t) => {
  const { a, b } = await socketPair(t)
  const w = new DatagramWriter(a, true)
  const size = 16000
  const n = Math.ceil((MAX_QUEUED_UDP_BYTES * 1.5) / size)
  const sent = Array.from({ length: n }, () => randomBytes(size))
  const accepted = sent.filter((d) => w.write(d))
  assert.ok(w.dropped > 0, 'datagrams beyond the queue limit are dropped')
  assert.equal(accepted.length + w.dropped, n)
  assert.ok(accepted.length * (size + 2) <= MAX_QUEUED_UDP_BYTES)
  const got = await collect(b, true, 16384, accepted.length)
  assert.deepEqual(got.map((d) => sha256(d)), accepted.map((d) => sha256(d)))
})

test('a frame longer than the datagram limit is a framing error', async (t) => {
  const { a, b } = await socketPair(t)
  const failed = new Promise<Error>((resolve) => readDatagrams(b, true, 100, () => {}, resolve))
  a.write(Buffer.from([0x00, 0x65, 1, 2, 3]))
  assert.equal((await failed).message, 'datagram of 101 bytes exceeds NP_UDP_DATA_BUF_SIZE 100')
})

test('UDP listeners get kernel buffers of min(4 MiB, net.core.rmem_max/wmem_max)', async (t) => {
  const cap = (name: string): number => Number(readFileSync(`/proc/sys/net/core/${name}`, 'utf8').trim())
  // Linux reports twice the size it grants (the bookkeeping overhead) and grants at most the sysctl maximum.
  const wantRcv = 2 * Math.min(UDP_SOCKET_BUFFER_BYTES, cap('rmem_max'))
  const wantSnd = 2 * Math.min(UDP_SOCKET_BUFFER_BYTES, cap('wmem_max'))
  const ingress = await Ingress.bind({ host: '127.0.0.1', port: 0 }, { tcp: false, udp: true })
  t.after(() => ingress.close())
  assert.ok(ingress.udp!.getRecvBufferSize() >= wantRcv, `rcvbuf ${ingress.udp!.getRecvBufferSize()} < ${wantRcv}`)
  assert.ok(ingress.udp!.getSendBufferSize() >= wantSnd, `sndbuf ${ingress.udp!.getSendBufferSize()} < ${wantSnd}`)

  const unbound = createSocket('udp4')
  raiseUdpBuffers(unbound) // not bound yet: no buffers to size, and no throw
  unbound.bind(0, '127.0.0.1')
  await once(unbound, 'listening')
  t.after(() => unbound.close())
  raiseUdpBuffers(unbound)
  assert.ok(unbound.getRecvBufferSize() >= wantRcv)
})

test('the idle deadline runs from the last touch', async () => {
  const t0 = performance.now()
  let touches = 0
  const fired = new Promise<number>((resolve) => {
    const idle = new IdleTimer(150, () => resolve(performance.now()))
    const tick = setInterval(() => {
      idle.touch()
      if (++touches === 5) clearInterval(tick)
    }, 60)
  })
  const at = await fired
  assert.equal(touches, 5)
  assert.ok(at - t0 >= 5 * 60 + 150 - 5, `fired ${Math.round(at - t0)} ms after the start`)
  let stoppedFired = false
  const stopped = new IdleTimer(20, () => (stoppedFired = true))
  stopped.stop()
  await until(() => performance.now() - at > 100, 2000, 'time to pass', 20)
  assert.equal(stoppedFired, false)
})
