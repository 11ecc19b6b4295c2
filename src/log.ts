// Upstream's log line format: `YYYY-MM-DD HH:MM:SS.mmm  LEVEL  message`, local time, colour always on.
// Levels order DEBUG < INFO < WARN < ERROR < EVENT; EVENT prints at every level except `none`.
export const LOG_LEVELS = ['none', 'debug', 'info', 'warn', 'error', 'event'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export type LineLevel = Exclude<LogLevel, 'none'>

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, event: 4, none: 99 }
const COLOUR: Record<LineLevel, string> = { debug: '34', info: '32', warn: '33', error: '31', event: '36' }

export interface Logger {
  readonly level: LogLevel
  enabled(level: LineLevel): boolean
  debug(msg: string): void
  info(msg: string): void
  warn(msg: string): void
  error(msg: string): void
  event(msg: string): void
}

/** Receives each finished line (without the trailing newline) and its level. */
export type LogSink = (line: string, level: LineLevel) => void

export const stdoutSink: LogSink = (line) => {
  process.stdout.write(line + '\n')
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

export function timestamp(d = new Date()): string {
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  )
}

export function formatLine(level: LineLevel, msg: string, d = new Date()): string {
  return `${timestamp(d)}  \x1b[${COLOUR[level]}m${level.toUpperCase()}\x1b[0m  ${msg}`
}

export interface LoggerOptions {
  level: LogLevel
  sink?: LogSink
  /** Strings that must never reach the log (tunnel key, API key): replaced by `***`. */
  secrets?: readonly string[]
}

export function createLogger(opts: LoggerOptions): Logger {
  const sink = opts.sink ?? stdoutSink
  const secrets = (opts.secrets ?? []).filter((s) => s.length >= 3)
  const threshold = RANK[opts.level]
  const mask = (msg: string): string => {
    let out = msg
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***')
    return out
  }
  const write = (level: LineLevel) => (msg: string) => {
    if (RANK[level] >= threshold) sink(formatLine(level, mask(msg)), level)
  }
  return {
    level: opts.level,
    enabled: (level) => RANK[level] >= threshold,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    event: write('event'),
  }
}
