// Transport-level checks: many concurrent pool streams over one transport connection, each echoing its bytes.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { Duplex } from 'node:stream'
import type { ClientTransport, PoolStream } from '../../src/transport/types.js'
import { readPoolId } from '../../src/tunnel/pool-ids.js'
import { sha256 } from './net.js'

/** Server side of the check: write a 4-byte ID, then echo everything and end when the peer ends. */
export function echoStream(ps: PoolStream, n: number): void {
  const id = Buffer.alloc(4)
  id.writeUInt32BE(n + 1)
  ps.stream.on('error', () => {})
  ps.stream.write(id)
  ps.stream.pipe(ps.stream)
}

function readAll(s: Duplex, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const timer = setTimeout(() => reject(new Error(`stream not ended within ${timeoutMs}ms`)), timeoutMs)
    s.on('data', (c: Buffer) => chunks.push(c))
    s.once('end', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks))
    })
    s.once('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
  })
}

/** Opens `n` streams at once, sends `size` random bytes on each with a half-close, and checks every echo. */
export async function concurrentStreams(client: ClientTransport, n: number, size: number, timeoutMs = 30_000): Promise<void> {
  const one = async (): Promise<void> => {
    const ps = await client.dial()
    await readPoolId(ps.stream, timeoutMs)
    const payload = randomBytes(size)
    const back = readAll(ps.stream, timeoutMs)
    ps.stream.end(payload)
    assert.equal(sha256(await back), sha256(payload))
    ps.stream.destroy()
  }
  await Promise.all(Array.from({ length: n }, one))
}
