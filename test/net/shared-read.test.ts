// Reading into the shared buffer (net/shared-read.ts) on real sockets: Node 20 offers the mechanism on accepted
// sockets, every byte arrives in order, pause()/resume() still stop and start the reads, and sockets it cannot
// take (destroyed, already given onread) are left alone.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { BIG_READ, gatherer, readIntoShared, writeCopy } from '../../src/net/shared-read.js'
import { sha256, socketPair, tcpEcho } from '../helpers/net.js'

test('an accepted socket reads into one reused buffer: 4 MiB arrive in order, no data event, pause stops reads', async (t) => {
  const { a: b, b: a } = await socketPair(t) // a: the accepted end
  const data = randomBytes(4 << 20)
  const got: Buffer[] = []
  const backing = new Set<ArrayBufferLike>()
  let dataEvents = 0
  a.on('data', () => dataEvents++)
  let chunks = 0
  let pausedAt = -1
  let whilePaused = -1
  const ended = once(a, 'end')
  assert.equal(readIntoShared(a, (c) => {
    backing.add(c.buffer)
    got.push(Buffer.from(c))
    // Once, mid-stream: pause and check that no chunk comes while paused.
    if (++chunks === 8) {
      pausedAt = chunks
      a.pause()
      setTimeout(() => {
        whilePaused = chunks - pausedAt
        a.resume()
      }, 50)
    }
  }), true)
  a.resume()
  b.end(data)
  await ended
  assert.equal(sha256(got), sha256(data))
  assert.equal(dataEvents, 0)
  assert.equal(backing.size, 1)
  assert.equal(pausedAt, 8)
  assert.equal(whilePaused, 0)
})

test('two sockets share the buffer without mixing their bytes', async (t) => {
  const p1 = await socketPair(t)
  const p2 = await socketPair(t)
  const d1 = randomBytes(2 << 20)
  const d2 = randomBytes(2 << 20)
  const g1: Buffer[] = []
  const g2: Buffer[] = []
  assert.equal(readIntoShared(p1.b, (c) => g1.push(Buffer.from(c))), true)
  assert.equal(readIntoShared(p2.b, (c) => g2.push(Buffer.from(c))), true)
  const ends = [once(p1.b, 'end'), once(p2.b, 'end')]
  p1.b.resume()
  p2.b.resume()
  p1.a.end(d1)
  p2.a.end(d2)
  await Promise.all(ends)
  assert.equal(sha256(g1), sha256(d1))
  assert.equal(sha256(g2), sha256(d2))
})

test('a destroyed socket, a connecting one and one already given onread are left alone', async (t) => {
  const { a } = await socketPair(t)
  a.destroy()
  assert.equal(readIntoShared(a, () => {}), false)
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const own = Buffer.alloc(1024)
  const got: Buffer[] = []
  const s: Socket = connect({ port: echo.port, host: '127.0.0.1', onread: { buffer: own, callback: (n, buf) => { got.push(Buffer.from(buf.subarray(0, n))); return true } } })
  t.after(() => s.destroy())
  assert.equal(readIntoShared(s, () => assert.fail('took a connecting socket')), false)
  await once(s, 'connect')
  assert.equal(readIntoShared(s, () => assert.fail('took over an onread socket')), false)
  s.end('hello')
  await once(s, 'end')
  assert.equal(Buffer.concat(got).toString(), 'hello')
})

/** A Writable that records each write as it happens. */
function recorder(): { dest: Writable; writes: Buffer[] } {
  const writes: Buffer[] = []
  const dest = new Writable({ write(c: Buffer, _e, cb) { writes.push(Buffer.from(c)); cb() } })
  return { dest, writes }
}

test('the gatherer writes a short piece at once, full pieces when the loop turns or the buffer fills', async () => {
  const piece = 16384
  const { dest, writes } = recorder()
  const g = gatherer(dest, piece, () => assert.fail('no back-pressure expected'))
  // Four full pieces fill the 64 KiB buffer: written at once, as one write.
  const full = [1, 2, 3, 4].map((v) => Buffer.alloc(piece, v))
  for (const p of full) g.add(p)
  assert.equal(writes.length, 1)
  assert.deepEqual(writes[0], Buffer.concat(full))
  // Two full pieces and a short one: the short piece ends the read, all three leave at once.
  g.add(full[0]!)
  g.add(full[1]!)
  assert.equal(writes.length, 1)
  g.add(Buffer.from('end'))
  assert.equal(writes.length, 2)
  assert.deepEqual(writes[1], Buffer.concat([full[0]!, full[1]!, Buffer.from('end')]))
  // A lone short piece (a request) is written at once.
  g.add(Buffer.from('ping'))
  assert.deepEqual(writes[2], Buffer.from('ping'))
  // A full piece alone waits for the loop to turn (setImmediate), or for flush().
  g.add(full[2]!)
  assert.equal(writes.length, 3)
  await new Promise((r) => setImmediate(r))
  assert.equal(writes.length, 4)
  g.add(full[3]!)
  g.flush()
  assert.equal(writes.length, 5)
  assert.deepEqual(writes[4], full[3])
})

test('writeCopy hands the destination a copy: the view can be overwritten right after', async () => {
  const { dest, writes } = recorder()
  const view = Buffer.from('first')
  const slow = new Writable({ highWaterMark: 1, write(c: Buffer, _e, cb) { setImmediate(() => { writes.push(Buffer.from(c)); cb() }) } })
  assert.equal(writeCopy(slow, view), false)
  view.write('XXXXX')
  await new Promise((r) => slow.once('drain', r))
  assert.deepEqual(writes[0], Buffer.from('first'))
  assert.equal(writeCopy(dest, Buffer.from('second')), true)
  assert.deepEqual(writes[1], Buffer.from('second'))
})

test('big reads (BIG_READ) between plain sockets: a view longer than one copy buffer arrives whole and in order', async (t) => {
  const p = await socketPair(t)
  const out = await socketPair(t)
  const data = randomBytes(8 << 20)
  let longest = 0
  const got: Buffer[] = []
  out.b.on('data', (c: Buffer) => got.push(c))
  const ended = once(out.b, 'end')
  assert.equal(readIntoShared(p.b, (c) => {
    longest = Math.max(longest, c.length)
    if (!writeCopy(out.a, c)) {
      p.b.pause()
      out.a.once('drain', () => p.b.resume())
    }
  }, BIG_READ), true)
  p.b.on('end', () => out.a.end())
  p.b.resume()
  p.a.end(data)
  await ended
  assert.equal(sha256(got), sha256(data))
  assert.ok(longest > 65536, `longest read ${longest}`)
  // A long view written to a slow destination: copied (the view may change at once) and split across buffers.
  const writes: Buffer[] = []
  const slow = new Writable({
    highWaterMark: 1,
    writev(chunks, cb) { setImmediate(() => { for (const { chunk } of chunks) writes.push(Buffer.from(chunk as Buffer)); cb() }) },
  })
  const view = randomBytes(200_000)
  const want = sha256(view)
  assert.equal(writeCopy(slow, view), false)
  view.fill(0)
  await once(slow, 'drain')
  assert.deepEqual(writes.map((w) => w.length), [65536, 65536, 65536, 3392])
  assert.equal(sha256(writes), want)
})
