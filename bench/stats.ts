// Pure statistics helpers for the benchmark (no I/O): percentiles, medians, summaries.

/** Nearest-rank percentile of an ascending-sorted array (p in 0..100). NaN for an empty array. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  if (p <= 0) return sorted[0]!
  if (p >= 100) return sorted[sorted.length - 1]!
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

/** Percentile of an unsorted array (copies and sorts). */
export function percentile(values: readonly number[], p: number): number {
  return percentileSorted([...values].sort((a, b) => a - b), p)
}

/** Median (mean of the two middle values for an even count). NaN for an empty array. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** Several runs of one figure: median with its min..max spread. */
export interface Spread {
  median: number
  min: number
  max: number
  runs: number[]
}

export function spread(runs: readonly number[]): Spread | undefined {
  const ok = runs.filter((v) => Number.isFinite(v))
  if (ok.length === 0) return undefined
  return { median: median(ok), min: Math.min(...ok), max: Math.max(...ok), runs: [...ok] }
}

/** Latency samples (microseconds) summarised. */
export interface LatencySummary {
  n: number
  failures: number
  p50: number
  p90: number
  p99: number
  min: number
  max: number
}

export function summariseLatency(samplesUs: readonly number[], failures = 0): LatencySummary {
  const s = [...samplesUs].sort((a, b) => a - b)
  return {
    n: s.length,
    failures,
    p50: percentileSorted(s, 50),
    p90: percentileSorted(s, 90),
    p99: percentileSorted(s, 99),
    min: s.length > 0 ? s[0]! : Number.NaN,
    max: s.length > 0 ? s[s.length - 1]! : Number.NaN,
  }
}

/** CPU used between two /proc samples, as % of one core. */
export function cpuPercent(ticksBefore: number, ticksAfter: number, clockTicksPerSec: number, wallMs: number): number {
  if (wallMs <= 0) return Number.NaN
  return ((ticksAfter - ticksBefore) / clockTicksPerSec / (wallMs / 1000)) * 100
}

/** utime+stime (+cutime+cstime when includeChildren) from the text of /proc/<pid>/stat. */
export function parseProcStatTicks(statText: string, includeChildren: boolean): number {
  // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
  const close = statText.lastIndexOf(')')
  if (close < 0) throw new Error('unparsable /proc stat line')
  const rest = statText.slice(close + 2).trim().split(/\s+/)
  // rest[0] is field 3 (state); utime is field 14 → rest[11].
  const utime = Number(rest[11])
  const stime = Number(rest[12])
  const cutime = Number(rest[13])
  const cstime = Number(rest[14])
  if (![utime, stime, cutime, cstime].every(Number.isFinite)) throw new Error('unparsable /proc stat fields')
  return utime + stime + (includeChildren ? cutime + cstime : 0)
}

/** Parent pid (field 4) from /proc/<pid>/stat text. */
export function parseProcStatPpid(statText: string): number {
  const close = statText.lastIndexOf(')')
  const rest = statText.slice(close + 2).trim().split(/\s+/)
  return Number(rest[1])
}
