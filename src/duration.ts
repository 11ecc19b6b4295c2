// Go time.ParseDuration syntax (`300ms`, `1h30m`, `1.5s`) and Go Duration.String() output (`5m0s`, `0s`).
const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n,
  'μs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
}
const PART = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/

/** The longest delay a Node timer holds (2^31-1 ms, 24.8 days); a longer one fires after 1 ms with a warning. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** Go's time.Duration is an int64 of nanoseconds: at most 2562047h47m16.854775807s. */
export const MAX_DURATION_NS = (1n << 63n) - 1n

/**
 * Milliseconds for a Go duration string, or undefined when it is not one. Negative values are refused, and so is
 * anything beyond Go's limit (MAX_DURATION_NS), as Go's parser refuses it. Summed in integer nanoseconds, as Go does
 * (a fraction is truncated to whole nanoseconds).
 */
export function parseDuration(text: string): number | undefined {
  let s = text
  if (s.startsWith('+')) s = s.slice(1)
  if (s === '0') return 0
  if (s === '' || s.startsWith('-')) return undefined
  let total = 0n
  for (let i = 0; i <= text.length && s.length > 0; i++) {
    const m = PART.exec(s)
    if (!m) return undefined
    const whole = m[1]!
    const frac = m[2] ?? ''
    if (whole === '' && frac === '') return undefined
    const unit = UNIT_NS[m[3]!]!
    total += BigInt(whole === '' ? '0' : whole) * unit
    if (frac !== '') total += (BigInt(frac) * unit) / 10n ** BigInt(frac.length)
    if (total > MAX_DURATION_NS) return undefined
    s = s.slice(m[0].length)
  }
  if (s.length > 0) return undefined
  return Number(total) / 1e6
}

function trimFraction(n: number, digits: number): string {
  return n.toFixed(digits).replace(/\.?0+$/, '')
}

/** Go's Duration.String() for a non-negative number of milliseconds. */
export function formatDuration(ms: number): string {
  const ns = Math.round(ms * 1e6)
  if (ns === 0) return '0s'
  if (ns < 1e3) return `${ns}ns`
  if (ns < 1e6) return `${trimFraction(ns / 1e3, 3)}µs`
  if (ns < 1e9) return `${trimFraction(ns / 1e6, 6)}ms`
  const h = Math.floor(ns / 3.6e12)
  const m = Math.floor((ns % 3.6e12) / 6e10)
  const s = trimFraction((ns % 6e10) / 1e9, 9)
  if (h > 0) return `${h}h${m}m${s}s`
  if (m > 0) return `${m}m${s}s`
  return `${s}s`
}

/**
 * A monotonic clock in milliseconds (fractional) for measuring intervals. Used instead of performance.now(), whose
 * first use loads node:perf_hooks (~0.3 MB per process, more per master worker).
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6
}
