// Without the optional QUIC package only type=1 fails, with NP_ERR_TRANSPORT_UNAVAILABLE and a message naming it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))

test('type=1 without @matrixai/quic: a clear NP_ERR_TRANSPORT_UNAVAILABLE; the other types still load', async () => {
  const script = `
    const { loadTransport } = await import(${JSON.stringify(root + 'dist/src/transport/index.js')})
    for (const kind of ['tcp', 'ws', 'h2']) console.log(kind, (await loadTransport(kind)).kind)
    try { await loadTransport('quic'); console.log('quic loaded') } catch (e) { console.log(e.code + ' | ' + e.message) }`
  const hook = root + 'dist/test/fixtures/block-quic.js'
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', hook, '--input-type=module', '-e', script], { timeout: 30_000 })
  const lines = stdout.trim().split('\n')
  assert.deepEqual(lines.slice(0, 3), ['tcp tcp', 'ws ws', 'h2 h2'])
  assert.equal(
    lines[3],
    `NP_ERR_TRANSPORT_UNAVAILABLE | pool type 1 (QUIC) needs the optional package @matrixai/quic with its native binding for ${process.platform}-${process.arch}: Cannot find package '@matrixai/quic' (blocked by the test)`,
  )
})
