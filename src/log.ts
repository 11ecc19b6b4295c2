// Upstream's log line format: `YYYY-MM-DD HH:MM:SS.mmm  LEVEL  message`, local time. The level is coloured only when
// the output is a terminal and NO_COLOR is not set (https://no-color.org); a master's instance lines keep upstream's
// colours in SSE `log` events, which panels render.
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

export function formatLine(level: LineLevel, msg: string, d = new Date(), colour = true): string {
  const name = level.toUpperCase()
  return `${timestamp(d)}  ${colour ? `\x1b[${COLOUR[level]}m${name}\x1b[0m` : name}  ${msg}`
}

/** Colour only a terminal, and never when NO_COLOR is set to a non-empty value. */
export function colourWanted(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  const noColor = env.NO_COLOR
  return stream.isTTY === true && (noColor === undefined || noColor === '')
}

export interface LoggerOptions {
  level: LogLevel
  sink?: LogSink
  /** Strings that must never reach the log (tunnel key, API key): replaced by `***`. */
  secrets?: readonly string[]
  /** Colour the level name; default: colourWanted() for stdout. */
  colour?: boolean
}

/** Characters that end a short secret's token: a key of one or two characters is masked only where it stands alone. */
const TOKEN_EDGE = `\\s"'\`/@,;|()\\[\\]<>{}`
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * A function replacing every secret with `***`. Secrets of 3 characters or more are replaced wherever they occur; a
 * shorter one (a key such as `k`) wherever it stands alone between spaces, quotes, `/ @ , ; | ( ) [ ] < > { }` or
 * the line's ends — as in `client://k@host` or `got "k"` — so that digits and words elsewhere in the line survive.
 */
export function secretMasker(secrets: readonly string[]): (msg: string) => string {
  const long = secrets.filter((s) => s.length >= 3)
  const short = secrets.filter((s) => s.length > 0 && s.length < 3)
  const shortRe =
    short.length === 0
      ? undefined
      : new RegExp(`(^|[${TOKEN_EDGE}])(?:${short.map(escapeRe).join('|')})(?=$|[${TOKEN_EDGE}])`, 'g')
  return (msg) => {
    let out = msg
    for (const s of long) if (out.includes(s)) out = out.split(s).join('***')
    return shortRe ? out.replace(shortRe, '$1***') : out
  }
}

export function createLogger(opts: LoggerOptions): Logger {
  const sink = opts.sink ?? stdoutSink
  const colour = opts.colour ?? colourWanted()
  const threshold = RANK[opts.level]
  const mask = secretMasker(opts.secrets ?? [])
  const write = (level: LineLevel) => (msg: string) => {
    if (RANK[level] >= threshold) sink(formatLine(level, mask(msg), new Date(), colour), level)
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
