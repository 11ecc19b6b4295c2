// The test plays a Go NodePass client over raw sockets (no capability header): exact handshake reply, raw 4-byte
// pool IDs with 00000000 first, base64(XOR(JSON)) control lines, a relayed TCP connection and an unframed datagram.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { request } from 'node:http'
import { freePort } from '../helpers/net.js'
import { startNodePass, testEnv } from '../helpers/proc.js'
import { decodeSignal, encodeSignal, handshakeToken, type Signal } from '../../src/wire.js'

const KEY = 'go-peer-key'

function readExactly(sock: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0)
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c])
      if (buf.length >= n) {
        sock.off('data', onData)
        sock.pause()
        if (buf.length > n) sock.unshift(buf.subarray(n))
        resolve(buf.subarray(0, n))
      }
    }
    sock.on('data', onData)
    sock.once('error', reject)
    sock.resume()
  })
}

/** Reads control lines, answering pings, until one satisfies `want`. */
function nextSignal(sock: Socket, want: (s: Signal) => boolean): Promise<Signal> {
  return new Promise((resolve) => {
    let pending = ''
    const onData = (c: Buffer): void => {
      pending += c.toString('latin1')
      let nl: number
      while ((nl = pending.indexOf('\n')) >= 0) {
        const sig = decodeSignal(pending.slice(0, nl), KEY)
        pending = pending.slice(nl + 1)
        if (sig.action === 'ping') sock.write(encodeSignal({ action: 'pong' }, KEY))
        if (want(sig)) {
          sock.off('data', onData)
          return resolve(sig)
        }
      }
    }
    sock.on('data', onData)
    sock.resume()
  })
}

test('a Go-style client: handshake bytes, raw pool IDs, signals, TCP and unframed UDP relay', async (t) => {
  const tunnelPort = await freePort()
  const userPort = await freePort()
  const server = startNodePass(`server://${KEY}@127.0.0.1:${tunnelPort}/127.0.0.1:${userPort}?mode=1&max=16`, testEnv({ NP_REPORT_INTERVAL: '5s' }), 'S ')
  t.after(() => server.stop())
  await server.waitFor(/TLS code-0/)

  const reply = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: tunnelPort, path: '/', headers: { Authorization: `Bearer ${handshakeToken(KEY)}` } }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }))
    })
    req.on('error', reject)
    req.end()
  })
  assert.deepEqual(reply, { status: 200, type: 'application/json', body: '{"flow":"-","max":16,"tls":"0","type":"0"}\n' })
  await server.waitFor(/Sending tunnel config: FLOW=-\|MAX=16\|TLS=0\|TYPE=0/)

  const conns: Socket[] = []
  t.after(() => conns.forEach((c) => c.destroy()))
  const ids: string[] = []
  for (let i = 0; i < 4; i++) {
    const c = connect({ host: '127.0.0.1', port: tunnelPort })
    conns.push(c)
    await once(c, 'connect')
    ids.push((await readExactly(c, 4)).toString('hex'))
  }
  assert.equal(ids[0], '00000000', 'the first pool connection is the control channel')
  assert.equal(new Set(ids).size, 4)
  for (const id of ids.slice(1)) assert.match(id, /^[0-9a-f]{8}$/)
  const control = conns[0]!
  const byId = new Map(ids.map((id, i) => [id, conns[i]!]))

  // A user at the server: the server names one of our pool connections in a tcp signal and relays over it.
  const user = connect({ host: '127.0.0.1', port: userPort })
  t.after(() => user.destroy())
  await once(user, 'connect')
  const tcpSig = nextSignal(control, (s) => s.action === 'tcp')
  user.write('hello from user')
  const sig = await tcpSig
  assert.equal(sig.remote, `127.0.0.1:${user.localPort}`)
  const data = byId.get(sig.id!)!
  assert.ok(data, `signal names a pool connection we hold: ${sig.id}`)
  assert.equal((await readExactly(data, 15)).toString(), 'hello from user')
  data.write('hello from target')
  assert.equal((await readExactly(user, 17)).toString(), 'hello from target')

  // UDP: unframed against a Go peer — one datagram per write.
  const udpUser = createSocket('udp4')
  t.after(() => udpUser.close())
  udpUser.bind(0, '127.0.0.1')
  await once(udpUser, 'listening')
  const udpSig = nextSignal(control, (s) => s.action === 'udp')
  udpUser.send(Buffer.from('ping-datagram'), userPort, '127.0.0.1')
  const u = await udpSig
  assert.equal(u.remote, `127.0.0.1:${udpUser.address().port}`)
  const uconn = byId.get(u.id!)!
  assert.equal((await readExactly(uconn, 13)).toString(), 'ping-datagram')
  const back = once(udpUser, 'message')
  uconn.write('pong-datagram')
  assert.equal(String((await back)[0]), 'pong-datagram')
})
