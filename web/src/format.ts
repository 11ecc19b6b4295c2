// Small formatters: byte sizes, rates, durations, mode names, and ANSI-coloured log lines. Pure (no DOM).

export function bytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return `${i === 0 ? n.toFixed(0) : n.toFixed(n < 10 ? 2 : 1)} ${units[i]}`
}

export const rate = (n: number): string => `${bytes(n)}/s`

export function duration(sec: number): string {
  sec = Math.max(0, Math.floor(sec))
  const d = Math.floor(sec / 86400)
  const h = Math.floor((sec % 86400) / 3600)
  const m = Math.floor((sec % 3600) / 60)
  const s = sec % 60
  if (d > 0) return `${d}d ${h}h ${m}m`
  if (h > 0) return `${h}h ${m}m`
  if (m > 0) return `${m}m ${s}s`
  return `${s}s`
}

export const MODE_NAMES: Record<string, Record<number, string>> = {
  server: { 0: 'auto', 1: 'reverse', 2: 'forward' },
  client: { 0: 'auto', 1: 'single-end', 2: 'dual-end' },
}

export function modeName(type: string, mode: number): string {
  return MODE_NAMES[type]?.[mode] ?? String(mode)
}

export interface Span {
  text: string
  cls: string
}

const FG: Record<number, string> = {
  30: 'a-black', 31: 'a-red', 32: 'a-green', 33: 'a-yellow', 34: 'a-blue', 35: 'a-magenta', 36: 'a-cyan', 37: 'a-white',
  90: 'a-grey', 91: 'a-red', 92: 'a-green', 93: 'a-yellow', 94: 'a-blue', 95: 'a-magenta', 96: 'a-cyan', 97: 'a-white',
}

/** SGR colour codes → spans with CSS classes; every other escape sequence is dropped. */
export function ansiSpans(line: string): Span[] {
  const out: Span[] = []
  let fg = ''
  let bold = false
  // eslint-disable-next-line no-control-regex
  const re = /\x1b\[([0-9;]*)([A-Za-z])/g
  let last = 0
  const push = (text: string): void => {
    if (text !== '') out.push({ text, cls: [fg, bold ? 'a-bold' : ''].filter(Boolean).join(' ') })
  }
  for (let m = re.exec(line); m; m = re.exec(line)) {
    push(line.slice(last, m.index))
    last = re.lastIndex
    if (m[2] !== 'm') continue
    const params = (m[1] === '' ? '0' : (m[1] ?? '0')).split(';').map(Number)
    for (let k = 0; k < params.length; k++) {
      const n = params[k]
      // 38/48 (extended colours) take `5;n` or `2;r;g;b`: skipped whole, so their numbers are not read as codes.
      if (n === 38 || n === 48) k += params[k + 1] === 5 ? 2 : params[k + 1] === 2 ? 4 : 0
      else if (n === 0) {
        fg = ''
        bold = false
      } else if (n === 1) bold = true
      else if (n === 22) bold = false
      else if (n === 39) fg = ''
      else if (n !== undefined && FG[n]) fg = FG[n]
    }
  }
  push(line.slice(last))
  return out
}

export const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'EVENT'] as const

/** The level word of an upstream-format log line (`2025-… INFO  message`), or ''. */
export function lineLevel(plain: string): string {
  const m = /\b(DEBUG|INFO|WARN|ERROR|EVENT|FATAL)\b/.exec(plain.slice(0, 60))
  return m?.[1] ?? ''
}
