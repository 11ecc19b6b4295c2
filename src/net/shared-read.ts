// Reading a socket into one process-wide buffer instead of a fresh allocation per read: Node's 64 KiB allocation
// per read cost garbage collections and page faults (docs/design-notes.md).
// Data bound for a socket that may hold it (a plain socket's write can be partly queued) is copied into one of
// a few recycled buffers instead, which costs a memcpy and no allocation.
//
// Node's public form of this is the `onread` option of net.connect() and `new net.Socket()`, but a socket
// accepted by a net.Server cannot be given options. This installs the same mechanism on an existing socket: the
// two slots `onread` fills (found by their symbol descriptions, as Node 20, 22 and 24 name them) and the handle's
// useUserBuffer(). Where any of that is missing (another Node release) it reports false and the socket keeps
// Node's allocating reads, so the cost of a mismatch is speed, never data; test/platform/node-internals.test.ts
// fails on such a release, so CI says so.
import type { Socket } from 'node:net'
import type { Writable } from 'node:stream'

/** The size Node reads with by default (libuv's suggestion for a stream read), and the copy buffers' size. */
const SIZE = 65536
/**
 * Reads between two plain sockets take up to this much at once: on the 2-core benchmark machine a tls=0 pair carried
 * one iperf3 stream ~11 % faster than with 64 KiB reads (9.46 against 8.49 Gbit/s, six runs each), while a TLS
 * destination did worse with big reads (7.4 → 6.45), so TLS keeps SIZE (docs/design-notes.md).
 */
export const BIG_READ = 262144
/** One process-wide read buffer per read size. */
const shared = new Map<number, Buffer>()

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
 * From the next read on, `s` reads into the shared buffer of `size` bytes (SIZE, or BIG_READ) and hands `onChunk` a
 * view of it instead of emitting 'data'. The view is valid only during the call: consume it or copy it before
 * returning. Data already buffered in the stream still comes as 'data'. pause()/resume() keep working (Node stops
 * and starts the handle's reads). Returns false, changing nothing, where this Node release does not offer the
 * mechanism or the socket has no handle (destroyed, not yet connected).
 */
export function readIntoShared(s: Socket, onChunk: (chunk: Buffer) => void, size: typeof SIZE | typeof BIG_READ = SIZE): boolean {
  const handle = (s as unknown as { _handle: Handle })._handle
  if (typeof handle?.useUserBuffer !== 'function' || s.destroyed || s.connecting) return false
  slots ??= findSlots(s)
  if (slots === null) return false
  const own = s as unknown as Record<symbol, unknown>
  // A socket already given onread (or a release that fills these slots differently) is left alone.
  if (own[slots.buffer] !== null || own[slots.callback] !== null || own[slots.generator] !== null) return false
  let buf = shared.get(size)
  if (buf === undefined) {
    buf = Buffer.allocUnsafe(size)
    shared.set(size, buf)
  }
  own[slots.buffer] = buf
  // Node stops reading the handle when this returns false (readIntoSharedFor's copies use that).
  own[slots.callback] = (n: number): unknown => onChunk(buf.subarray(0, n))
  handle.useUserBuffer(buf)
  return true
}

/** The current reader of each socket that readIntoSharedFor() set up. */
const readers = new WeakMap<Socket, { onChunk: (chunk: Buffer) => boolean | void }>()

/**
 * readIntoShared() for a socket that outlives its reader (a reused pool connection): `onChunk` gets the reads until
 * the returned function is called; from then on each read is copied into the stream's own buffer, as Node's own reads
 * would put it there (pushing back when it is full), until the next reader takes over. Returns undefined, changing
 * nothing, where readIntoShared() cannot be set up.
 */
export function readIntoSharedFor(s: Socket, onChunk: (chunk: Buffer) => void, size: typeof SIZE | typeof BIG_READ = SIZE): (() => void) | undefined {
  let reader = readers.get(s)
  if (reader === undefined) {
    const r: { onChunk: (chunk: Buffer) => boolean | void } = { onChunk }
    if (!readIntoShared(s, (c) => r.onChunk(c), size)) return undefined
    readers.set(s, (reader = r))
  }
  const current = reader
  current.onChunk = onChunk
  return () => {
    current.onChunk = (c) => s.push(Buffer.from(c))
    // The stream still believes a read it asked for is under way (the shared reads never pushed): an empty push ends
    // that belief and lets it read again, into its own buffer, so that an idle connection sees its peer's EOF.
    s.push(Buffer.alloc(0))
  }
}

/** Recycled copy buffers (each SIZE bytes); a few stay for reuse, more in flight at once are left to the GC. */
const spare: Buffer[] = []
const MAX_SPARE = 32

/** A copy buffer of SIZE bytes: give it back through writeHeld(). */
export function takeBuffer(): Buffer {
  return spare.pop() ?? Buffer.allocUnsafeSlow(SIZE)
}

/** Writes the first `n` bytes of `full` (from takeBuffer) to `dest`, recycling it when the write completes or fails. */
export function writeHeld(dest: Writable, full: Buffer, n: number): boolean {
  return dest.write(full.subarray(0, n), () => {
    if (spare.length < MAX_SPARE) spare.push(full)
  })
}

/**
 * Writes a copy of `view` (a chunk handed out by readIntoShared) to `dest`. Returns write()'s answer (false: pause
 * the source until 'drain'). A view longer than one copy buffer goes out in several, corked into one write.
 */
export function writeCopy(dest: Writable, view: Buffer): boolean {
  if (view.length <= SIZE) {
    const full = takeBuffer()
    return writeHeld(dest, full, view.copy(full))
  }
  dest.cork()
  for (let at = 0; at < view.length; at += SIZE) {
    const full = takeBuffer()
    writeHeld(dest, full, view.copy(full, 0, at, Math.min(view.length, at + SIZE)))
  }
  dest.uncork()
  return dest.writableLength < dest.writableHighWaterMark
}

/**
 * Gathers the pieces a TLS socket hands over (up to 16 KiB, one record each, several per socket read) into copy
 * buffers: a buffer is written when the next piece would not fit, when a short piece ends a read (a request, a
 * reply: nothing waits), or when the event loop turns. `flush()` writes what is gathered at once (before an end).
 */
export function gatherer(dest: Writable, piece: number, onFull: () => void): { add: (view: Buffer) => void; flush: () => void } {
  let acc: Buffer | undefined
  let fill = 0
  let scheduled = false
  const flush = (): void => {
    scheduled = false
    if (acc === undefined) return
    const full = acc
    acc = undefined
    if (!writeHeld(dest, full, fill)) onFull()
    fill = 0
  }
  const add = (view: Buffer): void => {
    if (acc !== undefined && fill + view.length > SIZE) flush()
    acc ??= takeBuffer()
    fill += view.copy(acc, fill)
    if (view.length < piece || fill + piece > SIZE) flush()
    else if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
  return { add, flush }
}
