// A connection cut short on one side reaches the other side as a reset (ECONNRESET), never as a clean end of stream:
// a target's reset reaches the user with every byte sent before it, a user's reset reaches the target, and a target
// that refuses the egress's dial gives the user a reset. Over every pool type, with and without pool-connection
// reuse, and through a single-end forwarder (src/net/reset.ts, src/tunnel/relay.ts).
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import { freePort, listenTcp, refusedPort, sha256, withTimeout } from '../helpers/net.js'
import { clientCfg } from '../helpers/config.js'
import { startSingle } from '../helpers/tunnel-pair.js'
import { startPair, type PairOptions } from '../helpers/transport-pair.js'

const REPLY = randomBytes(50_000)
const LIMIT_MS = 15_000

interface Outcome {
  /** 'end' (a FIN) or the error's code. */
  readonly how: string
  /** The bytes read before it. */
  readonly got: Buffer
}

/** How a socket's incoming direction ends (awaited with a limit by the caller). */
function outcome(s: Socket): Promise<Outcome> {
  const chunks: Buffer[] = []
  s.on('data', (c: Buffer) => chunks.push(c))
  return new Promise((resolve) => {
    s.once('end', () => resolve({ how: 'end', got: Buffer.concat(chunks) }))
    s.once('error', (err: NodeJS.ErrnoException) => resolve({ how: err.code ?? err.message, got: Buffer.concat(chunks) }))
  })
}

const ending = (o: Promise<Outcome>): Promise<Outcome> => withTimeout(o, LIMIT_MS, 'the end of the connection')

/** Connects a user to `port`, sends one byte and reads REPLY whole. */
async function userReadsReply(port: number): Promise<{ user: Socket; ended: Promise<Outcome> }> {
  const user = connect({ port, host: '127.0.0.1' })
  const ended = outcome(user)
  user.write('?')
  let n = 0
  await withTimeout(new Promise<void>((resolve) => user.on('data', (c: Buffer) => {
    n += c.length
    if (n >= REPLY.length) resolve()
  })), LIMIT_MS, 'the reply')
  return { user, ended }
}

/**
 * The three cases against a tunnel built by `open(targetPort)`, which returns the port users connect to. A target
 * answers the user's first byte with REPLY, then (once the user has it all) either resets or waits for the user's reset.
 * The reset waits for the user's read on purpose: a reset right after a write (in its callback) was seen as a clean
 * end, every byte read, even by a user connected to such a target directly (Linux, loopback).
 */
function resetCases(name: string, open: (t: TestContext, targetPort: number) => Promise<number>): void {
  test(`${name}: a target's reset after its reply reaches the user as ECONNRESET, the reply intact`, async (t) => {
    let resetNow: () => void = () => {}
    const userHasAll = new Promise<void>((r) => (resetNow = r))
    const targetPort = await listenTcp(t, (s) => {
      s.once('data', () => s.write(REPLY))
      void userHasAll.then(() => s.resetAndDestroy())
    })
    const port = await open(t, targetPort)
    const { ended } = await userReadsReply(port)
    resetNow()
    const { how, got } = await ending(ended)
    assert.equal(how, 'ECONNRESET')
    assert.equal(sha256(got), sha256(REPLY))
  })

  test(`${name}: a user's reset reaches the target as ECONNRESET`, async (t) => {
    let atTarget: Promise<Outcome> | undefined
    const targetPort = await listenTcp(t, (s) => {
      atTarget = outcome(s)
      s.once('data', () => s.write(REPLY))
    })
    const port = await open(t, targetPort)
    const { user } = await userReadsReply(port)
    user.resetAndDestroy()
    const { how, got } = await ending(atTarget!)
    assert.equal(how, 'ECONNRESET')
    assert.equal(got.toString(), '?')
  })

  test(`${name}: a target that refuses the dial gives the user ECONNRESET`, async (t) => {
    const port = await open(t, await refusedPort())
    const user = connect({ port, host: '127.0.0.1' })
    const ended = outcome(user)
    user.write('?')
    const { how, got } = await ending(ended)
    assert.equal(how, 'ECONNRESET')
    assert.equal(got.length, 0)
  })
}

/** A tunnel end that stops (SIGTERM, a restart, a panel's stop) resets what it carries, on both sides of the pool. */
function closeCases(name: string, o: Omit<PairOptions, 'targetPort'>): void {
  for (const closing of ['server', 'client'] as const) {
    test(`${name}: the ${closing} closing mid-connection resets both the user and the target`, async (t) => {
      let atTarget: Promise<Outcome> | undefined
      const targetPort = await listenTcp(t, (s) => {
        atTarget = outcome(s)
        s.once('data', () => s.write(REPLY))
      })
      const p = await startPair(t, { ...o, targetPort })
      const { ended } = await userReadsReply(p.publicPort)
      await p[closing].close()
      const [user, target] = await Promise.all([ending(ended), ending(atTarget!)])
      assert.deepEqual({ user: user.how, target: target.how }, { user: 'ECONNRESET', target: 'ECONNRESET' })
      assert.equal(sha256(user.got), sha256(REPLY))
    })
  }
}

const pools: [string, Omit<PairOptions, 'targetPort'>][] = [
  ['type=0 tls=0', { type: 'tcp', tls: { mode: 0 } }],
  ['type=0 tls=1 (pool connections reused)', { type: 'tcp', tls: { mode: 1 } }],
  ['type=0 tls=1 with rate (no reuse, piped)', { type: 'tcp', tls: { mode: 1 }, server: { rate: 1000 } }],
  ['type=2 WebSocket', { type: 'ws', tls: { mode: 1 } }],
  ['type=3 HTTP/2', { type: 'h2', tls: { mode: 1 } }],
  ['type=1 QUIC', { type: 'quic', tls: { mode: 1 } }],
]
for (const [name, o] of pools) {
  resetCases(`${name}, reverse`, async (t, targetPort) => (await startPair(t, { ...o, targetPort })).publicPort)
  closeCases(`${name}, reverse`, o)
}
// mode=2: a server left to choose would take the refused port for its own listener (reverse mode).
resetCases('type=0 tls=1, forward', async (t, targetPort) => (await startPair(t, { type: 'tcp', tls: { mode: 1 }, forward: true, server: { mode: 2 }, targetPort })).publicPort)
resetCases('single-end forwarder', async (t, targetPort) => {
  const port = await freePort()
  await startSingle(t, clientCfg(port, [targetPort]))
  return port
})

test('single-end forwarder: closing mid-connection resets both the user and the target', async (t) => {
  let atTarget: Promise<Outcome> | undefined
  const targetPort = await listenTcp(t, (s) => {
    atTarget = outcome(s)
    s.once('data', () => s.write(REPLY))
  })
  const port = await freePort()
  const single = await startSingle(t, clientCfg(port, [targetPort]))
  const { ended } = await userReadsReply(port)
  await single.tunnel.close()
  const [user, target] = await Promise.all([ending(ended), ending(atTarget!)])
  assert.deepEqual([user.how, target.how], ['ECONNRESET', 'ECONNRESET'])
})
