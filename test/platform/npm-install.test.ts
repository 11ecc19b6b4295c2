// `npm pack` of this repository, then `npm install -g` of the tarball into a temporary prefix, then `nodepass` from
// that prefix, run outside the repository with the Node running the tests: the usage, a single-end forwarder
// (bytes compared) and a master (its dashboard comes from the package's web/dist). Packaging tests: see
// PACKAGING_SKIP. npm fetches the dependencies from the registry (or its cache).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile, realpath } from 'node:fs/promises'
import { delimiter, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, tcpEcho, tcpEchoExact } from '../helpers/net.js'
import { ROOT, startProcess } from '../helpers/proc.js'
import { PACKAGING_SKIP, masterTunnel, packagedEnv, startMaster, tempDir } from '../helpers/packaging.js'

const run = promisify(execFile)

test('npm pack + npm install -g <tarball>: `nodepass` runs outside the repository', { skip: PACKAGING_SKIP, timeout: 600_000 }, async (t) => {
  const work = await tempDir(t, 'npm')
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string }
  // The tests run from the built tree: pack it as it is (without scripts, prepare would build again).
  const { stdout: packed } = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], {
    cwd: ROOT,
    timeout: 120_000,
  })
  const tarball = join(work, packed.trim().split('\n').pop()!)
  assert.equal(tarball, join(work, `${pkg.name}-${pkg.version}.tgz`))
  const prefix = join(work, 'prefix')
  await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], {
    cwd: work,
    timeout: 300_000,
    maxBuffer: 16 << 20,
  })
  const bin = join(prefix, 'bin', 'nodepass')
  assert.equal(await realpath(bin), join(prefix, 'lib', 'node_modules', pkg.name, 'bin', 'nodepass'))
  // The installed `nodepass` starts with `#!/usr/bin/env node`: the Node running these tests comes first on PATH.
  const env = packagedEnv({ PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` })

  await t.test('no URL: exit 1 with the usage', async () => {
    const r = await run(bin, [], { cwd: work, env }).then(() => undefined, (e: { code: number; stderr: string }) => e)
    assert.ok(r, 'exit code 0 without a URL')
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^Usage: nodepass <url>\n/)
  })

  await t.test('--version: the packaged release, run by the Node on PATH', async () => {
    const { stdout } = await run(bin, ['--version'], { cwd: work, env })
    assert.match(stdout, new RegExp(`^nodepass ${pkg.version.replace(/\./g, '\\.')} \\(.*Node\\.js ${process.version.replace(/\./g, '\\.')}\\)\n$`))
  })

  await t.test('single-end forwarder: 4 MiB come back byte-identical', async (st) => {
    const echo = await tcpEcho()
    st.after(() => echo.close())
    const listen = await freePort()
    const fwd = startProcess([bin, `client://127.0.0.1:${listen}/127.0.0.1:${echo.port}?mode=1`], env, 'F ', work)
    st.after(() => fwd.stop())
    await fwd.waitFor(/CHECK_POINT\|MODE=1/, 30_000) // the first report comes once it listens
    const r = await tcpEchoExact(listen, 4 << 20)
    assert.equal(r.got, r.sent)
    assert.equal((await fwd.stop()).code, 0)
  })

  await t.test('master: the dashboard page, /info and instances carrying traffic', async (st) => {
    const state = await tempDir(st, 'npm-state')
    const m = await startMaster(st, [bin, 'master://127.0.0.1:0/api'], packagedEnv({ PATH: env.PATH!, NP_STATE_DIR: state }), work)
    assert.equal((await m.call('GET', '/info')).status, 200)
    const page = await fetch(`${m.origin}/`)
    assert.equal(page.status, 200)
    assert.match(await page.text(), /<meta name="np-api-prefix" content="\/api">/)
    await masterTunnel(st, m)
    const stopped = await m.proc.stop()
    assert.equal(stopped.code, 0, `the master's exit; its last lines:\n${m.proc.lines.slice(-15).join('\n')}`)
  })
})
