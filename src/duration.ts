// Go time.ParseDuration syntax (`300ms`, `1h30m`, `1.5s`) and Go Duration.String() output (`5m0s`, `0s`).
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 }
const PART = /^(\d*(?:\.\d*)?)(ns|us|µs|μs|ms|s|m|h)/

/** Milliseconds for a Go duration string, or undefined when it is not one. Negative values are refused. */
export function parseDuration(text: string): number | undefined {
  let s = text
  if (s.startsWith('+')) s = s.slice(1)
  if (s === '0') return 0
  if (s === '' || s.startsWith('-')) return undefined
  let total = 0
  while (s.length > 0) {
    const m = PART.exec(s)
    if (!m || m[1] === '' || m[1] === '.') return undefined
    total += Number(m[1]) * (UNIT_MS[m[2]!] ?? NaN)
    s = s.slice(m[0].length)
  }
  return Number.isFinite(total) ? total : undefined
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
