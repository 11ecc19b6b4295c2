// Reading and writing the 4-byte pool IDs on a fresh pool stream.
import type { Duplex } from 'node:stream'
import { randomBytes } from 'node:crypto'
import { NodePassError, ERR } from '../errors.js'
import { CONTROL_ID, ID_BYTES, hexToId, idToHex } from '../wire.js'

/**
 * Reads exactly 4 bytes (the server-assigned ID); later bytes stay buffered in the stream. On a timeout, an error or
 * an abort of `signal` the stream is destroyed.
 */
export function readPoolId(stream: Duplex, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => done(new NodePassError(ERR.CLOSED, 'pool id: aborted'))
    const done = (err?: Error, id?: string): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      stream.off('readable', onReadable)
      stream.off('error', onErr)
      stream.off('end', onEnd)
      if (err) {
        stream.destroy()
        reject(err)
      } else resolve(id!)
    }
    const onReadable = (): void => {
      const b = stream.read(ID_BYTES) as Buffer | null
      if (b) done(undefined, idToHex(b))
    }
    const onErr = (err: Error): void => done(new NodePassError(ERR.POOL_TIMEOUT, `pool id: ${err.message}`, { cause: err }))
    const onEnd = (): void => done(new NodePassError(ERR.POOL_TIMEOUT, 'pool id: connection closed (pool full?)'))
    const timer = setTimeout(() => done(new NodePassError(ERR.POOL_TIMEOUT, 'pool id: timeout')), timeoutMs)
    stream.on('readable', onReadable)
    stream.once('error', onErr)
    stream.once('end', onEnd)
    if (signal?.aborted) onAbort()
    else signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Server-side ID source: `00000000` first (the control connection), then random non-zero IDs. */
export function createIdSource(inUse: (id: string) => boolean): () => { id: string; bytes: Buffer } {
  let first = true
  return () => {
    if (first) {
      first = false
      return { id: CONTROL_ID, bytes: hexToId(CONTROL_ID) }
    }
    for (;;) {
      const bytes = randomBytes(ID_BYTES)
      const id = idToHex(bytes)
      if (id !== CONTROL_ID && !inUse(id)) return { id, bytes }
    }
  }
}
