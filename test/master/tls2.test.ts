// tls=2 master: serves the crt/key files (verified against the test CA) and re-reads them every NP_RELOAD_INTERVAL.
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { copyFile, readFile } from 'node:fs/promises'
import { request } from 'node:https'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TLSSocket } from 'node:tls'
import { until } from '../helpers/net.js'
import { startInProcess, tempDir } from './helpers.js'

const FIX = new URL('../../../test/fixtures/tls/', import.meta.url).pathname

function peerFingerprint(url: string, ca?: Buffer): Promise<{ fp: string; status: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...(ca ? { ca } : { rejectUnauthorized: false }), agent: false }, (res) => {
      const fp = (res.socket as TLSSocket).getPeerX509Certificate()?.fingerprint256 ?? ''
      res.resume()
      res.on('end', () => resolve({ fp, status: res.statusCode ?? 0 }))
    })
    req.on('error', reject)
    req.end()
  })
}

test('tls=2: the configured certificate is served and reloaded after NP_RELOAD_INTERVAL', async (t) => {
  const dir = await tempDir(t)
  const crt = join(dir, 'api.crt')
  const key = join(dir, 'api.key')
  await copyFile(join(FIX, 'server.crt'), crt)
  await copyFile(join(FIX, 'server.key'), key)
  const { master } = await startInProcess(t, {
    url: `master://127.0.0.1:0/api?tls=2&crt=${encodeURIComponent(crt)}&key=${encodeURIComponent(key)}`,
    tunables: { reloadIntervalMs: 300 },
  })
  const ca = await readFile(join(FIX, 'ca.crt'))
  const docs = master.docsUrl.replace('127.0.0.1', 'localhost')
  const first = await peerFingerprint(docs, ca)
  assert.equal(first.status, 200)
  assert.equal(first.fp, new X509Certificate(await readFile(join(FIX, 'server.crt'))).fingerprint256)
  await copyFile(join(FIX, 'untrusted.crt'), crt)
  await copyFile(join(FIX, 'untrusted.key'), key)
  const want = new X509Certificate(await readFile(join(FIX, 'untrusted.crt'))).fingerprint256
  await until(async () => (await peerFingerprint(master.docsUrl)).fp === want, 10_000, 'reloaded certificate')
})
