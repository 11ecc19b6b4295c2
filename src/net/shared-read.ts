// Reading a socket into one process-wide buffer instead of a fresh allocation per read.
//
// Node gives every socket read a new 64 KiB ArrayBuffer. V8 counts that memory as external, and each 64 MiB of it
// since the last full collection starts another mark-compact: about 16 per GiB relayed, each marking the whole
// heap (`--trace-gc`: 31 mark-compacts in a 5 s tls=1 transfer at the encrypting end). Reading into one reused
// buffer removes both the allocations and those collections (tls=1, 1 stream, `perf` + /proc CPU ticks: the
// encrypting end went from 3.1-3.4 to 1.5 CPU s/GiB).
//
// Node's public form of this is the `onread` option of net.connect() and `new net.Socket()`, but a socket
// accepted by a net.Server cannot be given options. This installs the same mechanism on an existing socket: the
// two slots `onread` fills (found by their symbol descriptions, as Node 20 names them) and the handle's
// useUserBuffer(). Where any of that is missing (another Node release) it reports false and the socket keeps
// Node's allocating reads, so the cost of a mismatch is speed, never data.
import type { Socket } from 'node:net'

/** The size Node reads with by default (libuv's suggestion for a stream read). */
const SIZE = 65536
let shared: Buffer | undefined

interface Slots {
  readonly buffer: symbol
  readonly callback: symbol
  readonly generator: symbol
}
let slots: Slots | null | undefined

function findSlots(s: Socket): Slots | null {
  const own = Object.getOwnPropertySymbols(s)
  const find = (d: string): symbol | undefined => own.find((k) => k.description === d)
  const buffer = find('kBuffer')
  const callback = find('kBufferCb')
  const generator = find('kBufferGen')
  if (buffer === undefined || callback === undefined || generator === undefined) return null
  return { buffer, callback, generator }
}

type Handle = { useUserBuffer?: (b: Uint8Array) => void } | null | undefined

/**
 * From the next read on, `s` reads into the shared buffer and hands `onChunk` a view of it instead of emitting
 * 'data'. The view is valid only during the call: consume it or copy it before returning. Data already buffered
 * in the stream still comes as 'data'. pause()/resume() keep working (Node stops and starts the handle's reads).
 * Returns false, changing nothing, where this Node release does not offer the mechanism or the socket has no
 * handle (destroyed, not yet connected).
 */
export function readIntoShared(s: Socket, onChunk: (chunk: Buffer) => void): boolean {
  const handle = (s as unknown as { _handle: Handle })._handle
  if (typeof handle?.useUserBuffer !== 'function' || s.destroyed || s.connecting) return false
  slots ??= findSlots(s)
  if (slots === null) return false
  const own = s as unknown as Record<symbol, unknown>
  // A socket already given onread (or a release that fills these slots differently) is left alone.
  if (own[slots.buffer] !== null || own[slots.callback] !== null || own[slots.generator] !== null) return false
  shared ??= Buffer.allocUnsafe(SIZE)
  const buf = shared
  own[slots.buffer] = buf
  own[slots.callback] = (n: number): void => onChunk(buf.subarray(0, n))
  handle.useUserBuffer(buf)
  return true
}
