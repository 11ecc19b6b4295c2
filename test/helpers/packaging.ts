// Shared by the packaging tests (test/platform/single-executable.test.ts, npm-install.test.ts): when they run,
// temporary directories, and a master started from any command with its banner read and its API driven.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { startProcess, testEnv, type NodePassProc } from './proc.js'
import { freePort, tcpEcho, tcpEchoExact } from './net.js'

/**
 * Packaging tests are heavy (a build of ~100 MB, an npm install): .ci/run runs them on the system Node and on Node
 * 24, and sets NP_TEST_PACKAGING=0 on its Node 22 pass.
 */
export const PACKAGING_SKIP: string | false =
  process.env.NP_TEST_PACKAGING === '0' ? 'NP_TEST_PACKAGING=0: .ci/run runs the packaging tests on the system Node and Node 24 only' : false

/** A fresh directory under the OS temp dir (outside the repository), removed after the test. */
export async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `np-${prefix}-`))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** The environment for a packaged nodepass: no NP_*, no NODE_PATH (nothing found by accident). */
export function packagedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = testEnv(extra)
  delete env.NODE_PATH
  delete env.NODE_OPTIONS
  return env
}

export interface MasterProc {
  readonly proc: NodePassProc
  /** e.g. http://127.0.0.1:40123/api/v1 */
  readonly api: string
  /** e.g. http://127.0.0.1:40123 */
  readonly origin: string
  readonly key: string
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>
}

/** Starts `argv` (ending in a master:// URL on port 0), reads the banner's API address and first-start key. */
export async function startMaster(t: TestContext, argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<MasterProc> {
  const proc = startProcess(argv, env, 'M ', cwd)
  t.after(() => proc.stop('SIGKILL'))
  const apiLine = await proc.waitFor(/^ {2}API:\s+\S+/, 30_000)
  const keyLine = await proc.waitFor(/^ {2}API key[^:]*:\s+[0-9a-f]{32}$/, 30_000)
  const api = /^ {2}API:\s+(\S+)/.exec(apiLine)![1]!
  const key = /([0-9a-f]{32})$/.exec(keyLine)![1]!
  const origin = new URL(api).origin
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { 'X-API-Key': key, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, json: text === '' ? undefined : JSON.parse(text) }
  }
  return { proc, api, origin, key, call }
}

/**
 * Through the master's API: a server instance and a client instance (each in a worker thread of the master) form a
 * tunnel to a local echo server; 1 MiB goes through it and comes back byte-identical.
 */
export async function masterTunnel(t: TestContext, m: MasterProc): Promise<void> {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const tunnelPort = await freePort()
  const userPort = await freePort()
  const create = async (url: string): Promise<void> => {
    const r = await m.call('POST', '/instances', { url })
    assert.equal(r.status, 201, `POST ${url}: ${JSON.stringify(r.json)}`)
  }
  const from = m.proc.lines.length
  await create(`server://pk@127.0.0.1:${tunnelPort}/127.0.0.1:${userPort}?tls=1`)
  // The client starts once the server listens: a client dialling a port nobody listens on yet can, on loopback,
  // connect to itself when the kernel picks that same port as its source, and then holds the server's port.
  await m.proc.waitFor(/TLS code-1/, 30_000, from)
  await create(`client://pk@127.0.0.1:${tunnelPort}/127.0.0.1:${echo.port}`)
  await m.proc.waitFor(/fingerprint verified/, 30_000)
  const r = await tcpEchoExact(userPort, 1 << 20)
  assert.equal(r.got, r.sent, '1 MiB through the instances came back byte-identical')
}
