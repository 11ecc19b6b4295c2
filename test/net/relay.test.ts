// relay(): the per-connection forwarder of every tunnel end, on real loopback sockets: backpressure (a slow
// reader pauses the writer and every byte still arrives), half-close both ways, byte counters, and a side whose
// EOF was read before the relay started.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { relay } from '../../src/tunnel/relay.js'
import { Counters } from '../../src/tunnel/stats.js'
import { sha256 } from '../helpers/net.js'

/** Two connected sockets on 127.0.0.1 (half-open allowed), closed with the server in `t.after`. */
async function socketPair(servers: Server[]): Promise<[Socket, Socket]> {
  const server = createServer({ allowHalfOpen: true })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const accepted = once(server, 'connection') as Promise<[Socket]>
  const outer = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true })
  await once(outer, 'connect')
  const [inner] = await accepted
  return [outer, inner]
}

/** Everything a socket receives until its 'end'. */
function collect(s: Socket): Promise<Buffer> {
  const chunks: Buffer[] = []
  s.on('data', (c: Buffer) => chunks.push(c))
  return once(s, 'end').then(() => Buffer.concat(chunks))
}

function setup(t: { after(fn: () => void): void }): { servers: Server[]; sockets: Socket[] } {
  const ctx = { servers: [] as Server[], sockets: [] as Socket[] }
  t.after(() => {
    for (const s of ctx.sockets) s.destroy()
    for (const s of ctx.servers) s.close()
  })
  return ctx
}

test('relay: a slow reader pauses the writer, every byte arrives, half-closes pass both ways, counters add up', { timeout: 30_000 }, async (t) => {
  const ctx = setup(t)
  const [user, edge] = await socketPair(ctx.servers)
  const [pool, peer] = await socketPair(ctx.servers)
  ctx.sockets.push(user, edge, pool, peer)
  const counters = new Counters()
  const done = new Promise<Error | undefined>((resolve) => relay(edge, pool, { counters, readMs: 0, onDone: resolve }))
  // The far end does not read until the relay had to pause the edge: that is the backpressure path.
  peer.pause()
  let paused = 0
  edge.on('pause', () => {
    paused++
    peer.resume()
  })
  const up = randomBytes(16 * 1024 * 1024)
  const down = randomBytes(3 * 1024 * 1024 + 17)
  const atPeer = collect(peer)
  const atUser = collect(user)
  user.end(up)
  assert.equal(sha256(await atPeer), sha256(up))
  assert.ok(paused > 0, 'the edge was never paused')
  // The peer answers after the user's FIN, then ends too: the relay carries the second half-close back.
  peer.end(down)
  assert.equal(sha256(await atUser), sha256(down))
  user.end()
  assert.equal(await done, undefined)
  assert.equal(counters.tcprx, up.length)
  assert.equal(counters.tcptx, down.length)
})

test('relay: an edge whose EOF was read before the relay started ends the pool side at once', { timeout: 30_000 }, async (t) => {
  const ctx = setup(t)
  const [user, edge] = await socketPair(ctx.servers)
  const [pool, peer] = await socketPair(ctx.servers)
  ctx.sockets.push(user, edge, pool, peer)
  // The edge reads "abc" and the FIN before it is handed to the relay (as block sniffing can).
  const early = collect(edge)
  user.end('abc')
  assert.equal((await early).toString(), 'abc')
  edge.removeAllListeners('data')
  assert.equal(edge.readableEnded, true)
  const counters = new Counters()
  const done = new Promise<Error | undefined>((resolve) => relay(edge, pool, { counters, readMs: 0, onDone: resolve }))
  const atPeer = collect(peer)
  const atUser = collect(user)
  assert.equal((await atPeer).length, 0)
  peer.end('xyz')
  assert.equal((await atUser).toString(), 'xyz')
  assert.equal(await done, undefined)
  assert.equal(counters.tcptx, 3)
})

test('relay: a reset on the pool side resets the edge (not a clean end) and reports the error', { timeout: 30_000 }, async (t) => {
  const ctx = setup(t)
  const [user, edge] = await socketPair(ctx.servers)
  const [pool, peer] = await socketPair(ctx.servers)
  ctx.sockets.push(user, edge, pool, peer)
  const done = new Promise<Error | undefined>((resolve) => relay(edge, pool, { counters: new Counters(), readMs: 0, onDone: resolve }))
  const atUser = collect(user).then(() => 'end', (e: NodeJS.ErrnoException) => e.code)
  peer.resetAndDestroy()
  const err = await done
  assert.equal((err as NodeJS.ErrnoException | undefined)?.code, 'ECONNRESET')
  assert.equal(await atUser, 'ECONNRESET')
  assert.equal(edge.destroyed, true)
})

test('relay: the idle timeout closes both sides with a FIN, as upstream does', { timeout: 30_000 }, async (t) => {
  const ctx = setup(t)
  const [user, edge] = await socketPair(ctx.servers)
  const [pool, peer] = await socketPair(ctx.servers)
  ctx.sockets.push(user, edge, pool, peer)
  const done = new Promise<Error | undefined>((resolve) => relay(edge, pool, { counters: new Counters(), readMs: 50, onDone: resolve }))
  const ends = [user, peer].map((s) => collect(s).then(() => 'end', (e: NodeJS.ErrnoException) => e.code))
  assert.equal((await done)?.message, 'idle for 50ms')
  assert.deepEqual(await Promise.all(ends), ['end', 'end'])
})
