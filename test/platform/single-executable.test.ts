// The single executable (scripts/build-exe.ts, `npm run build:exe`): built here with the Node running the tests, then
// copied alone into an empty directory outside the repository and run like upstream's binary: a server+client
// tunnel (TCP bytes and UDP datagrams compared), a master (GET /info, the dashboard and /docs served from the
// embedded assets, instances in worker threads carrying traffic), type=1 failing clearly without the QUIC package
// beside it and working with it. Packaging tests: see PACKAGING_SKIP.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFile, mkdir, readFile, symlink } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { loadTransport } from '../../src/transport/index.js'
import { freePort, tcpEchoExact } from '../helpers/net.js'
import { ROOT, startProcess } from '../helpers/proc.js'
import { echoTarget, udpEchoSizes } from '../helpers/transport-pair.js'
import { PACKAGING_SKIP, masterTunnel, packagedEnv, startMaster, tempDir } from '../helpers/packaging.js'

const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
const run = promisify(execFile)
const hash = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

async function seaSkip(): Promise<string | false> {
  if (PACKAGING_SKIP) return PACKAGING_SKIP
  // Official Node builds carry the SEA fuse; a distribution's build may not (then no single executable can be made).
  if (!(await readFile(process.execPath)).includes(FUSE))
    return `${process.execPath} (Node ${process.version}) was built without single-executable support`
  return false
}

test('single executable: built with this Node, it runs a tunnel and a master on its own', { skip: await seaSkip(), timeout: 600_000 }, async (t) => {
  const work = await tempDir(t, 'sea')
  const build = join(work, 'build')
  const { stdout } = await run(process.execPath, [join(ROOT, 'dist/scripts/build-exe.js')], {
    cwd: ROOT,
    env: { ...process.env, NP_EXE_OUT: build, NP_EXE_NODE: process.execPath },
    timeout: 300_000,
    maxBuffer: 16 << 20,
  })
  assert.match(stdout, new RegExp(`build-exe: .*nodepass \\(.* MB, NodePass .* on Node\\.js ${process.version.replace(/\./g, '\\.')}, \\d+ assets\\)`))
  // Alone in an empty directory: no package, no node_modules, no web/dist anywhere near it.
  const binDir = join(work, 'bin')
  await mkdir(binDir)
  const exe = join(binDir, 'nodepass')
  await copyFile(join(build, 'nodepass'), exe)
  await run('chmod', ['755', exe])
  const env = packagedEnv()

  await t.test('no URL: exit 1 with the usage', async () => {
    const r = await run(exe, [], { cwd: work, env }).then(() => undefined, (e: { code: number; stderr: string }) => e)
    assert.ok(r, 'exit code 0 without a URL')
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^Usage: nodepass <url>\n/)
  })

  await t.test('--version: the release from the embedded package.json version, the embedded Node', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    const { stdout } = await run(exe, ['--version'], { cwd: work, env })
    assert.match(stdout, new RegExp(`^nodepass ${pkg.version.replace(/\./g, '\\.')} \\(.*Node\\.js ${process.version.replace(/\./g, '\\.')}\\)\n$`))
  })

  await t.test('server + client: TCP bytes and UDP datagrams come back unchanged', async (st) => {
    const target = await echoTarget(st)
    const tunnelPort = await freePort()
    const userPort = await freePort()
    const server = startProcess([exe, `server://sea@127.0.0.1:${tunnelPort}/127.0.0.1:${userPort}?tls=1`], env, 'S ', work)
    st.after(() => server.stop())
    await server.waitFor(/TLS code-1/, 30_000)
    const client = startProcess([exe, `client://sea@127.0.0.1:${tunnelPort}/127.0.0.1:${target}`], env, 'C ', work)
    st.after(() => client.stop())
    await Promise.all([server.waitFor(/fingerprint verified/, 30_000), client.waitFor(/fingerprint verified/, 30_000)])
    const bulk = await tcpEchoExact(userPort, 4 << 20)
    assert.equal(bulk.got, bulk.sent)
    await udpEchoSizes(userPort, [1, 512, 1400, 8192])
    assert.equal((await client.stop()).code, 0)
    assert.equal((await server.stop()).code, 0)
  })

  await t.test('master: /info, the dashboard and /docs from the embedded assets; instances carry traffic', async (st) => {
    const state = await tempDir(st, 'sea-state')
    const m = await startMaster(st, [exe, 'master://127.0.0.1:0/api?log=info'], packagedEnv({ NP_STATE_DIR: state }), work)
    const info = await m.call('GET', '/info')
    assert.equal(info.status, 200)
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    assert.ok(JSON.stringify(info.json).includes(`"${pkg.version}"`), `/info names the release ${pkg.version}: ${JSON.stringify(info.json)}`)

    const page = await fetch(`${m.origin}/`)
    assert.equal(page.status, 200)
    const html = await page.text()
    assert.match(html, /<meta name="np-api-prefix" content="\/api">/)
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)
    assert.ok(script, 'the page names its script')
    const js = Buffer.from(await (await fetch(`${m.origin}${script[1]!}`)).arrayBuffer())
    assert.equal(hash(js), hash(await readFile(join(ROOT, 'web/dist', script[1]!))), 'the dashboard script is the built one')

    const docs = await fetch(`${m.origin}/api/docs`)
    assert.equal(docs.status, 200)
    assert.match(await docs.text(), /swagger-ui-bundle\.js/)
    const bundle = await fetch(`${m.origin}/api/docs/swagger-ui-bundle.js`)
    assert.equal(bundle.status, 200)
    const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
    assert.equal(
      hash(Buffer.from(await bundle.arrayBuffer())),
      hash(await readFile(join(swaggerDir, 'swagger-ui-bundle.js'))),
      'Swagger UI is the packaged one',
    )
    assert.equal((await fetch(`${m.origin}/api/docs/not-a-file.js`)).status, 404)

    await masterTunnel(st, m)
    const stopped = await m.proc.stop()
    assert.equal(stopped.code, 0, `the master's exit; its last lines:\n${m.proc.lines.slice(-15).join('\n')}`)
  })

  await t.test('type=1 without @matrixai/quic beside it: a clear error naming where it looked', async (st) => {
    const tunnelPort = await freePort()
    const userPort = await freePort()
    const server = startProcess([exe, `server://q@127.0.0.1:${tunnelPort}/127.0.0.1:${userPort}?type=1&tls=1`], env, 'S ', work)
    st.after(() => server.stop())
    await server.waitFor(/TLS code-1/, 30_000)
    const client = startProcess([exe, `client://q@127.0.0.1:${tunnelPort}/127.0.0.1:9`], env, 'C ', work)
    st.after(() => client.stop())
    const line = await client.waitFor(/Client error: pool type 1/, 30_000)
    assert.equal(
      line.replace(/^.*Client error: /, ''),
      `pool type 1 (QUIC) needs the optional package @matrixai/quic with its native binding for ${process.platform}-${process.arch}: ` +
        `not found beside the executable (looked in ${join(binDir, 'node_modules')} and its parents; docs/install.md) ` +
        '[NP_ERR_TRANSPORT_UNAVAILABLE] hint: install @matrixai/quic for type=1, or choose another type= (types 1 and 3 need tls=1 or 2)',
    )
  })

  const quic = await loadTransport('quic').then(() => false, (err: Error) => `QUIC unavailable on Node ${process.version}: ${err.message}`)
  await t.test('type=1 with node_modules/@matrixai/quic beside it: bytes come back unchanged', { skip: quic }, async (st) => {
    const dir = join(work, 'with-quic')
    await mkdir(dir)
    const beside = join(dir, 'nodepass')
    await copyFile(exe, beside)
    await run('chmod', ['755', beside])
    // The repository's node_modules stands in for `npm install --prefix <dir> @matrixai/quic` (docs/install.md).
    await symlink(resolve(ROOT, 'node_modules'), join(dir, 'node_modules'))
    const target = await echoTarget(st)
    const tunnelPort = await freePort()
    const userPort = await freePort()
    const server = startProcess([beside, `server://q@127.0.0.1:${tunnelPort}/127.0.0.1:${userPort}?type=1&tls=1`], env, 'S ', dir)
    st.after(() => server.stop())
    await server.waitFor(/TLS code-1/, 30_000)
    const client = startProcess([beside, `client://q@127.0.0.1:${tunnelPort}/127.0.0.1:${target}`], env, 'C ', dir)
    st.after(() => client.stop())
    await Promise.all([server.waitFor(/fingerprint verified/, 30_000), client.waitFor(/fingerprint verified/, 30_000)])
    const r = await tcpEchoExact(userPort, 1 << 20)
    assert.equal(r.got, r.sent)
  })
})
