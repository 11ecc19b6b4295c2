// Out of file descriptors is this host's problem, not the targets': a forwarder run under a small RLIMIT_NOFILE
// (prlimit) fails the connections it cannot serve, marks no target down, keeps listening, and serves again once
// descriptors are free.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { freePort, tcpEcho, tcpEchoExact, withTimeout } from '../helpers/net.js'
import { echoTarget } from '../helpers/transport-pair.js'
import { startNodePass, testEnv } from '../helpers/proc.js'
import { HINTS } from '../../src/errors.js'

/** Connects, writes one byte and waits for its echo; resolves the open socket, or undefined if it was not served. */
function holdOne(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    const fail = (): void => {
      clearTimeout(timer)
      s.destroy()
      resolve(undefined)
    }
    const timer = setTimeout(fail, 3000)
    s.on('error', fail)
    s.on('close', fail)
    s.once('connect', () => s.write('x'))
    s.once('data', () => {
      clearTimeout(timer)
      s.off('close', fail)
      s.off('error', fail)
      s.on('error', () => {})
      resolve(s)
    })
  })
}

test('EMFILE marks no target down (lbs=2); the forwarder keeps listening and serves again when fds are free', async (t) => {
  const primary = await echoTarget(t) // TCP + UDP echo on one port
  const backup = await tcpEcho()
  t.after(() => backup.close())
  const listen = await freePort()
  const c = startNodePass(`client://127.0.0.1:${listen}/127.0.0.1:${primary},127.0.0.1:${backup.port}?mode=1&lbs=2&log=debug`,
    testEnv(), 'C ', ['prlimit', '--nofile=64:64'])
  t.after(() => c.stop())
  await c.waitFor(/CHECK_POINT/)

  // Each served connection holds two descriptors (the user's and the target's): fill the table until one fails.
  const held: Socket[] = []
  t.after(() => held.forEach((s) => s.destroy()))
  let refused = 0
  for (let i = 0; i < 64 && refused === 0; i++) {
    const s = await holdOne(listen)
    if (s) held.push(s)
    else refused++
  }
  assert.equal(refused, 1, `a connection failed once the descriptors ran out (${held.length} held)`)
  assert.ok(held.length >= 10 && held.length < 32, `held ${held.length}`)
  // With the table full, a UDP session's target socket cannot be opened either: one more EMFILE dial at the latest.
  const u = createSocket('udp4')
  t.after(() => u.close())
  u.bind(0, '127.0.0.1')
  await once(u, 'listening')
  u.send('udp', listen, '127.0.0.1')
  const emfile = await c.waitFor(/EMFILE/, 10_000)
  assert.ok(emfile.endsWith(` [NP_ERR_FD_LIMIT] hint: ${HINTS.NP_ERR_FD_LIMIT}`), emfile)
  assert.deepEqual(c.lines.filter((l) => l.includes('marked down')), [])

  const from = c.lines.length
  for (const s of held.splice(0)) s.destroy()
  await c.waitFor(/CHECK_POINT\|.*\|TCPS=0\|/, 15_000, from) // the forwarder has let go of them
  const again = await withTimeout(tcpEchoExact(listen, 64 << 10), 15_000, 'served again')
  assert.equal(again.got, again.sent)
  assert.deepEqual(c.lines.filter((l) => l.includes('marked down')), [])
})
