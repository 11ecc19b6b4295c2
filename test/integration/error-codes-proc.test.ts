// Failures only a real process can show (system CA trust, privileges): the log line carries the stable code and
// the one-line hint after the message users know.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { HINTS } from '../../src/errors.js'
import { freePort } from '../helpers/net.js'
import { startNodePass, testEnv, TLS_DIR } from '../helpers/proc.js'

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

test('NP_ERR_TLS_NAME_MISMATCH: a trusted certificate for another name than sni=', async (t) => {
  const tp = await freePort()
  const env = testEnv({ NODE_EXTRA_CA_CERTS: resolve(TLS_DIR, 'ca.crt'), NP_HANDSHAKE_TIMEOUT: '1s' })
  const tls = `tls=2&crt=${resolve(TLS_DIR, 'server.crt')}&key=${resolve(TLS_DIR, 'server.key')}`
  const server = startNodePass(`server://k@127.0.0.1:${tp}/127.0.0.1:${await freePort()}?mode=1&${tls}`, env, 'S ')
  t.after(() => server.stop())
  await server.waitFor(/TLS code-2/)
  const client = startNodePass(`client://k@127.0.0.1:${tp}/127.0.0.1:9?mode=2&sni=other.example`, env, 'C ')
  t.after(() => client.stop())
  // (a pool dial that races the server's switch from handshake to pool can fail otherwise once; the next ones show it)
  const line = await client.waitFor(/ERROR {2}Client error: .*\[NP_ERR_TLS_NAME_MISMATCH\]/)
  assert.match(line, new RegExp(`Client error: setControlConn: handshake timeout \\(pool dial: dial 127\\.0\\.0\\.1:${tp}: Hostname/IP does not match certificate's altnames: Host: other\\.example\\. is not in the cert's altnames: DNS:localhost, IP Address:127\\.0\\.0\\.1\\) \\[NP_ERR_TLS_NAME_MISMATCH\\] hint: ${esc(HINTS.NP_ERR_TLS_NAME_MISMATCH)}$`))
})

test('NP_ERR_BIND_DENIED: a port below 1024 without the privilege to bind it', async (t) => {
  const unprivileged = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim())
  if (!(unprivileged > 1)) return t.skip('every port is unprivileged on this host')
  const root = process.getuid?.() === 0
  if (root && spawnSync('setpriv', ['--version']).status !== 0) return t.skip('running as root without setpriv to drop it')
  // a free privileged port (checked as root, where binding it works)
  let port = 0
  for (let p = Math.min(unprivileged, 1024) - 1; p > 900 && port === 0; p--) {
    const probe = createServer()
    const ok = await new Promise<boolean>((r) => {
      probe.once('error', () => r(false))
      probe.listen(p, '127.0.0.1', () => r(true))
    })
    if (ok) {
      port = p
      await new Promise((r) => probe.close(r))
    }
  }
  if (port === 0 && root) return t.skip('no free port below 1024')
  port ||= Math.min(unprivileged, 1024) - 1
  const prefix = root ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : []
  const server = startNodePass(`server://k@127.0.0.1:${port}/127.0.0.1:${await freePort()}?mode=1`, testEnv(), 'S ', prefix)
  t.after(() => server.stop())
  const line = await server.waitFor(/ERROR {2}Server error: /)
  assert.match(line, new RegExp(`Server error: bind 127\\.0\\.0\\.1:${port}: listen EACCES: permission denied 127\\.0\\.0\\.1:${port} \\[NP_ERR_BIND_DENIED\\] hint: ${esc(HINTS.NP_ERR_BIND_DENIED)}$`))
})
