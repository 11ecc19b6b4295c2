// Users who connect and send before a tunnel is ready (docs/parameters.md, held users): what they sent, what came back, and when.
import { connect } from 'node:net'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import assert from 'node:assert/strict'
import { sha256 } from './net.js'

export interface HeldUser {
  readonly sent: string
  /** Resolves once the whole echo came back (and, for a half-closed user, the EOF too). */
  readonly served: Promise<{ at: number; got: string; ended: boolean }>
}

/**
 * Connects to `port`, writes `size` random bytes and, with `halfClose`, ends its side; resolves once the bytes are
 * handed to the kernel (the user is then waiting in the ingress).
 */
export async function heldUser(port: number, size: number, halfClose: boolean, timeoutMs = 30_000): Promise<HeldUser> {
  const payload = randomBytes(size)
  const sock = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
  const chunks: Buffer[] = []
  let got = 0
  let ended = false
  const served = new Promise<{ at: number; got: string; ended: boolean }>((resolve, reject) => {
    const timer = setTimeout(() => {
      sock.destroy()
      reject(new Error(`echo of ${size} bytes incomplete (${got}, EOF ${ended}) after ${timeoutMs}ms`))
    }, timeoutMs)
    const check = (): void => {
      if (got < size || (halfClose && !ended)) return
      clearTimeout(timer)
      const at = performance.now()
      sock.destroy()
      resolve({ at, got: sha256(chunks), ended })
    }
    sock.on('data', (c: Buffer) => {
      chunks.push(c)
      got += c.length
      check()
    })
    sock.on('end', () => {
      ended = true
      if (got < size) {
        clearTimeout(timer)
        reject(new Error(`EOF after ${got}/${size} bytes`))
      } else check()
    })
    sock.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
  })
  served.catch(() => {}) // awaited by the caller
  await once(sock, 'connect')
  await new Promise<void>((resolve, reject) => sock.write(payload, (err) => (err ? reject(err) : resolve())))
  if (halfClose) sock.end()
  return { sent: sha256(payload), served }
}

/** Asserts each user got its bytes back (and its EOF when it half-closed) within `withinMs` of `readyAt`. */
export async function assertServed(users: { user: HeldUser; halfClose: boolean }[], readyAt: number, withinMs: number): Promise<number> {
  let last = 0
  for (const { user, halfClose } of users) {
    const r = await user.served
    assert.equal(r.got, user.sent, 'the echo is byte-identical (SHA-256)')
    if (halfClose) assert.ok(r.ended, 'the half-closed user got its EOF')
    last = Math.max(last, r.at - readyAt)
  }
  assert.ok(last <= withinMs, `the last held user was served ${Math.round(last)} ms after the tunnel became ready (bound ${withinMs} ms)`)
  return last
}
