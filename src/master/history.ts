// Traffic history kept by the master (docs/metrics.md): per instance, the bytes of the four counters and the peak
// TCP connections / UDP sessions, as 1-minute points for 48 h, 1-hour points for 90 days and 1-day points for
// 2 years. One fixed-size file per instance (`<state dir>/history/<id>.bin`): a header, then three rings of 48-byte
// records; a record lives at slot `period % slots`, so the file never grows past 277,072 bytes and needs no
// compaction. Records carry a checksum; a torn or stale slot reads as empty. Updates accumulate in memory and
// are written in the background every flush interval (60 s by default): a kill -9 loses at most that.
import { closeSync, mkdirSync, openSync, readSync, renameSync } from 'node:fs'
import { open, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { COUNTERS, type Counter, type TrafficPoint } from './types.js'

export interface Resolution {
  /** Seconds per point. */
  readonly step: number
  readonly slots: number
}

/** 1 min × 48 h, 1 h × 90 d, 1 d × 2 years (731 days: a leap year fits). */
export const RESOLUTIONS: readonly Resolution[] = [
  { step: 60, slots: 48 * 60 },
  { step: 3600, slots: 90 * 24 },
  { step: 86_400, slots: 731 },
]
export const RECORD_BYTES = 48
export const HEADER_BYTES = 64
const MAGIC = 'NPHIST01'
const RING_OFFSET: readonly number[] = RESOLUTIONS.map((_r, i) =>
  RESOLUTIONS.slice(0, i).reduce((off, p) => off + p.slots * RECORD_BYTES, HEADER_BYTES),
)
/** The size of every history file: the bound on disk per instance. */
export const FILE_BYTES = RING_OFFSET[2]! + RESOLUTIONS[2]!.slots * RECORD_BYTES

interface Acc {
  period: number
  peakT: number
  peakU: number
  v: [number, number, number, number]
}

interface Series {
  readonly id: string
  readonly file: string
  fh: Promise<FileHandle> | undefined
  /** The open period of each resolution (written in place until the period ends). */
  cur: (Acc | undefined)[]
  /** Finished periods not on disk yet, per resolution. */
  done: Acc[][]
  prev: Record<Counter, number> | undefined
  dirty: boolean
  deleted: boolean
  onDisk: boolean
}

const emptyAcc = (period: number): Acc => ({ period, peakT: 0, peakU: 0, v: [0, 0, 0, 0] })

function checksum(b: Buffer, off: number): number {
  let h = 0x811c9dc5
  for (let i = off; i < off + RECORD_BYTES - 4; i++) h = Math.imul(h ^ b[i]!, 0x01000193) >>> 0
  return h
}

function encode(a: Acc, b: Buffer, off: number): void {
  b.writeUInt32LE(a.period, off)
  b.writeUInt32LE(Math.min(a.peakT, 0xffffffff), off + 4)
  b.writeUInt32LE(Math.min(a.peakU, 0xffffffff), off + 8)
  for (let i = 0; i < 4; i++) b.writeDoubleLE(a.v[i]!, off + 12 + 8 * i)
  b.writeUInt32LE(checksum(b, off), off + 44)
}

/** The record at `off`, or undefined when empty, torn, or not the period this slot should hold. */
function decode(b: Buffer, off: number, slot: number, slots: number): Acc | undefined {
  if (off + RECORD_BYTES > b.length) return undefined
  const period = b.readUInt32LE(off)
  if (period === 0 || period % slots !== slot || b.readUInt32LE(off + 44) !== checksum(b, off)) return undefined
  const v: Acc['v'] = [0, 0, 0, 0]
  for (let i = 0; i < 4; i++) v[i] = b.readDoubleLE(off + 12 + 8 * i)
  return { period, peakT: b.readUInt32LE(off + 4), peakU: b.readUInt32LE(off + 8), v }
}

const slotOffset = (r: number, period: number): number => RING_OFFSET[r]! + (period % RESOLUTIONS[r]!.slots) * RECORD_BYTES

function header(): Buffer {
  const b = Buffer.alloc(HEADER_BYTES)
  b.write(MAGIC, 0, 'latin1')
  b.writeUInt32LE(RECORD_BYTES, 8)
  RESOLUTIONS.forEach((r, i) => {
    b.writeUInt32LE(r.step, 12 + 8 * i)
    b.writeUInt32LE(r.slots, 16 + 8 * i)
  })
  return b
}

const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/

export interface HistoryStats {
  /** Record writes since start, and the time spent in flushes. */
  writes: number
  flushes: number
  flushSeconds: number
}

export class TrafficHistory {
  readonly dir: string
  readonly #series = new Map<string, Series>()
  readonly #now: () => number
  #flushing: Promise<void> | undefined
  readonly stats: HistoryStats = { writes: 0, flushes: 0, flushSeconds: 0 }

  constructor(stateDir: string, now: () => number = Date.now) {
    this.dir = join(stateDir, 'history')
    this.#now = now
    mkdirSync(this.dir, { recursive: true, mode: 0o755 })
  }

  /**
   * Starts keeping history for `id`, whose totals are `totals` now. The open period of each resolution continues
   * from what the file holds, so a restart within an hour adds to that hour instead of overwriting it.
   */
  track(id: string, totals: Record<Counter, number>): void {
    if (!SAFE_ID.test(id) || this.#series.has(id)) return
    const s: Series = {
      id, file: join(this.dir, `${id}.bin`), fh: undefined, cur: [], done: RESOLUTIONS.map(() => []),
      prev: { ...totals }, dirty: false, deleted: false, onDisk: false,
    }
    const now = this.#now() / 1000
    let fd: number | undefined
    try {
      fd = openSync(s.file, 'r')
      const head = Buffer.alloc(HEADER_BYTES)
      readSync(fd, head, 0, HEADER_BYTES, 0)
      if (!head.equals(header())) {
        closeSync(fd)
        fd = undefined
        // An unreadable file is kept aside, never silently overwritten.
        renameSync(s.file, `${s.file}.bad-${Date.now()}`)
      } else {
        const b = Buffer.alloc(RECORD_BYTES)
        RESOLUTIONS.forEach((r, i) => {
          const period = Math.floor(now / r.step)
          readSync(fd!, b, 0, RECORD_BYTES, slotOffset(i, period))
          s.cur[i] = decode(b, 0, period % r.slots, r.slots)
        })
        s.onDisk = true
      }
    } catch {
      // no file yet (ENOENT) or unreadable: start empty
    } finally {
      if (fd !== undefined) closeSync(fd)
    }
    this.#series.set(id, s)
  }

  /** `reset` zeroed the totals: the next figures count from 0. The history itself is kept. */
  rebase(id: string): void {
    const s = this.#series.get(id)
    if (s) s.prev = { tcprx: 0, tcptx: 0, udprx: 0, udptx: 0 }
  }

  /** New totals and connection counts of `id` (every CHECK_POINT). */
  observe(id: string, totals: Record<Counter, number>, tcps: number, udps: number): void {
    const s = this.#series.get(id)
    if (!s || s.deleted) return
    const d: Acc['v'] = [0, 0, 0, 0]
    COUNTERS.forEach((c, i) => {
      const prev = s.prev?.[c] ?? totals[c]
      // A drop means the totals were zeroed without rebase(): what is there now was counted since then.
      d[i] = totals[c] >= prev ? totals[c] - prev : totals[c]
    })
    s.prev = { ...totals }
    const now = this.#now() / 1000
    RESOLUTIONS.forEach((r, i) => {
      const period = Math.floor(now / r.step)
      let a = s.cur[i]
      if (!a || a.period !== period) {
        if (a) s.done[i]!.push(a)
        a = s.cur[i] = emptyAcc(period)
      }
      for (let k = 0; k < 4; k++) a.v[k]! += d[k]!
      a.peakT = Math.max(a.peakT, tcps)
      a.peakU = Math.max(a.peakU, udps)
    })
    s.dirty = true
  }

  /** Writes every changed record (background; overlapping calls share one run). */
  flush(): Promise<void> {
    this.#flushing ??= this.#flushAll().finally(() => {
      this.#flushing = undefined
    })
    return this.#flushing
  }

  async #flushAll(): Promise<void> {
    const t0 = process.hrtime.bigint()
    for (const s of this.#series.values()) {
      if (!s.dirty || s.deleted) continue
      s.dirty = false
      const recs: [number, Acc][] = []
      s.done.forEach((list, i) => {
        for (const a of list.splice(0)) recs.push([i, a])
      })
      s.cur.forEach((a, i) => a && recs.push([i, a]))
      try {
        const fh = await this.#handle(s)
        const b = Buffer.alloc(RECORD_BYTES)
        for (const [i, a] of recs) {
          encode(a, b, 0)
          await fh.write(b, 0, RECORD_BYTES, slotOffset(i, a.period))
          this.stats.writes++
        }
      } catch {
        if (!s.deleted) s.dirty = true
      }
    }
    this.stats.flushes++
    this.stats.flushSeconds += Number(process.hrtime.bigint() - t0) / 1e9
  }

  #handle(s: Series): Promise<FileHandle> {
    s.fh ??= (async () => {
      let fh: FileHandle
      try {
        fh = await open(s.file, 'r+')
      } catch {
        fh = await open(s.file, 'w+', 0o600)
        await fh.write(header(), 0, HEADER_BYTES, 0)
        await fh.truncate(FILE_BYTES)
      }
      s.onDisk = true
      return fh
    })()
    s.fh.catch(() => {
      s.fh = undefined
    })
    return s.fh
  }

  /** Stops keeping history for `id` and deletes its file. */
  async remove(id: string): Promise<void> {
    const s = this.#series.get(id)
    this.#series.delete(id)
    if (s) s.deleted = true
    await this.#flushing?.catch(() => undefined)
    if (s?.fh) await (await s.fh.catch(() => undefined))?.close().catch(() => undefined)
    if (SAFE_ID.test(id)) await rm(join(this.dir, `${id}.bin`), { force: true })
  }

  has(id: string): boolean {
    return this.#series.has(id)
  }

  /**
   * Points of `id` from `from` to `to` (Unix seconds), `step` seconds apart, aligned to `step` and dense (periods
   * without data are zeros). Reads from the resolution `res` (an index of RESOLUTIONS) plus what is still in memory.
   */
  async query(id: string, res: number, from: number, to: number, step: number): Promise<TrafficPoint[]> {
    const s = this.#series.get(id)
    const r = RESOLUTIONS[res]!
    const start = Math.floor(from / step) * step
    const points: TrafficPoint[] = []
    for (let t = start; t <= to; t += step) points.push({ t, tcprx: 0, tcptx: 0, udprx: 0, udptx: 0, peak_tcps: 0, peak_udps: 0 })
    if (!s || points.length === 0) return points
    const p0 = Math.floor(start / r.step)
    const p1 = Math.floor(to / r.step)
    const found = new Map<number, Acc>()
    const fh = await this.#handle(s).catch(() => undefined)
    if (fh && p1 - p0 + 1 <= r.slots) {
      // The wanted periods occupy at most two contiguous runs of slots (the ring wraps once).
      const runs: [number, number][] = []
      const a = p0 % r.slots
      const n = p1 - p0 + 1
      if (a + n <= r.slots) runs.push([p0, n])
      else runs.push([p0, r.slots - a], [p0 + (r.slots - a), n - (r.slots - a)])
      for (const [p, count] of runs) {
        const b = Buffer.alloc(count * RECORD_BYTES)
        const { bytesRead } = await fh.read(b, 0, b.length, slotOffset(res, p))
        for (let k = 0; k < count; k++) {
          const period = p + k
          const rec = decode(b.subarray(0, bytesRead), k * RECORD_BYTES, period % r.slots, r.slots)
          if (rec && rec.period === period) found.set(period, rec)
        }
      }
    }
    for (const acc of [...s.done[res]!, ...(s.cur[res] ? [s.cur[res]] : [])]) found.set(acc.period, acc)
    for (const acc of found.values()) {
      if (acc.period < p0 || acc.period > p1) continue
      const idx = Math.floor((acc.period * r.step - start) / step)
      const pt = points[idx]
      if (!pt) continue
      pt.tcprx += acc.v[0]
      pt.tcptx += acc.v[1]
      pt.udprx += acc.v[2]
      pt.udptx += acc.v[3]
      pt.peak_tcps = Math.max(pt.peak_tcps, acc.peakT)
      pt.peak_udps = Math.max(pt.peak_udps, acc.peakU)
    }
    return points
  }

  /** Bytes on disk: every tracked instance's file once written. */
  diskBytes(): number {
    let n = 0
    for (const s of this.#series.values()) if (s.onDisk) n += FILE_BYTES
    return n
  }

  get size(): number {
    return this.#series.size
  }

  /** Writes what is pending and closes every file. */
  async close(): Promise<void> {
    await this.flush()
    for (const s of this.#series.values()) {
      const fh = await s.fh?.catch(() => undefined)
      s.fh = undefined
      await fh?.close().catch(() => undefined)
    }
  }
}
