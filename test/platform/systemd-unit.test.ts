// docs/systemd/nodepass.service, the example unit in docs/install.md: systemd accepts it, and every NodePass URL in
// it (the active ExecStart= and the commented alternatives) is one our parser accepts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parseUrl } from '../../src/url/parse.js'
import { ROOT } from '../helpers/proc.js'
import { tempDir } from '../helpers/packaging.js'

const UNIT = join(ROOT, 'docs/systemd/nodepass.service')
const run = promisify(execFile)

test('the example unit: every ExecStart URL parses', async () => {
  const text = await readFile(UNIT, 'utf8')
  const urls = [...text.matchAll(/^#? ?ExecStart=\S+ (?:nodepass )?"([^"]+)"$/gm)].map((m) => m[1]!)
  assert.ok(urls.length >= 4, `found ${urls.length} ExecStart lines`)
  assert.equal(text.match(/^ExecStart=/gm)?.length, 1, 'exactly one active ExecStart=')
  for (const url of urls) {
    // %d: systemd's credentials directory.
    const r = parseUrl(url.replace(/%d/g, join(ROOT, 'test/fixtures/tls')).replace('tls.crt', 'server.crt').replace('tls.key', 'server.key'))
    assert.ok(r.ok, `${url}: ${r.ok ? '' : r.issues.join('; ')}`)
  }
})

const verify = await run('systemd-analyze', ['--version']).then(() => false, () => 'systemd-analyze is not installed')

test('the example unit passes systemd-analyze verify', { skip: verify }, async (t) => {
  const dir = await tempDir(t, 'unit')
  // verify checks that the program exists: point it at one that does.
  const unit = join(dir, 'nodepass.service')
  await writeFile(unit, (await readFile(UNIT, 'utf8')).replace(/\/usr\/local\/bin\/nodepass/g, process.execPath))
  const r = await run('systemd-analyze', ['verify', unit]).then(
    (ok) => ({ code: 0, stderr: ok.stderr }),
    (e: { code: number; stderr: string }) => e,
  )
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stderr.trim(), '', 'no warnings')
})
