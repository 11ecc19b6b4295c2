// Rendering URLs: Go url.Values.Encode, the master's enhanceURL / generateConfigURL (docs/master.md, Instances), and the
// `Server started:` / `Client started:` description line (README, Logs) with the key masked.
import { formatDuration } from '../duration.js'
import { joinHostPort } from './address.js'
import { parseQueryLenient } from './query.js'
import { POOL_TYPE_CODE, type TlsCode } from '../wire.js'
import { LBS_BY_CODE, type BlockConfig, type TunnelConfig } from './types.js'

export type QueryMap = Readonly<Record<string, string | readonly string[]>> | ReadonlyMap<string, readonly string[]>

/** The master's own settings an instance URL inherits (docs/master.md, Instances). */
export interface MasterTlsSettings {
  readonly log: string
  readonly tls: TlsCode
  readonly crt: string
  readonly key: string
}

/** Go url.QueryEscape: only A-Za-z0-9 - _ . ~ stay literal, space → '+', every other UTF-8 byte → %XX (uppercase). */
export function queryEscape(text: string): string {
  let out = ''
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte)
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c
    else if (byte === 0x20) out += '+'
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/**
 * Go url.Values.Encode: keys sorted bytewise, `key=value` pairs QueryEscaped and joined with '&', a key's values in
 * their order. Returns '' for an empty map; the text carries no '?' (callers add it only when the result is non-empty).
 */
export function formatQuery(map: QueryMap): string {
  const entries: Array<[string, readonly string[]]> = map instanceof Map
    ? [...(map as ReadonlyMap<string, readonly string[]>)]
    : Object.entries(map as Readonly<Record<string, string | readonly string[]>>).map(
      ([k, v]) => [k, typeof v === 'string' ? [v] : v] as [string, readonly string[]])
  entries.sort(([a], [b]) => compareBytes(a, b))
  const parts: string[] = []
  for (const [k, values] of entries) for (const v of values) parts.push(`${queryEscape(k)}=${queryEscape(v)}`)
  return parts.join('&')
}

interface SplitUrl {
  /** Everything before the query, with the scheme lower-cased (as Go's url.Parse does). */
  readonly base: string
  readonly scheme: string
  readonly query: Map<string, string[]>
  /** The URL ended in a bare '?' (Go's ForceQuery). */
  readonly forceQuery: boolean
  readonly fragment: string
}

function splitUrl(url: string): SplitUrl {
  const hash = url.indexOf('#')
  const fragment = hash === -1 ? '' : url.slice(hash)
  const noFragment = hash === -1 ? url : url.slice(0, hash)
  const q = noFragment.indexOf('?')
  const base = q === -1 ? noFragment : noFragment.slice(0, q)
  const rawQuery = q === -1 ? '' : noFragment.slice(q + 1)
  const colon = base.indexOf(':')
  const scheme = colon === -1 ? '' : base.slice(0, colon).toLowerCase()
  return {
    base: colon === -1 ? base : scheme + base.slice(colon),
    scheme,
    query: parseQueryLenient(rawQuery),
    forceQuery: q !== -1 && rawQuery === '',
    fragment,
  }
}

function joinUrl(u: SplitUrl): string {
  const query = formatQuery(u.query)
  return u.base + (query !== '' || u.forceQuery ? `?${query}` : '') + u.fragment
}

/** Go's "fill": set `key` only when `Get(key) == ""` (missing or empty). */
function fill(query: Map<string, string[]>, key: string, value: string): void {
  if ((query.get(key)?.[0] ?? '') === '') query.set(key, [value])
}

function inherit(u: SplitUrl, master: MasterTlsSettings): void {
  if (master.log !== '') fill(u.query, 'log', master.log)
  if (u.scheme !== 'server' || master.tls === '0') return
  fill(u.query, 'tls', master.tls)
  // Deviation from upstream (which fills crt/key whenever the master runs tls=2): only a URL whose tls is 2 gets
  // the master's files, because crt/key next to tls=0/1 is an error here (D5) and would stop the instance.
  if (master.tls === '2' && u.query.get('tls')?.[0] === '2') {
    if (master.crt !== '') fill(u.query, 'crt', master.crt)
    if (master.key !== '') fill(u.query, 'key', master.key)
  }
}

/** Upstream's enhanceURL: the stored instance `url` (log/tls/crt/key inherited; query re-encoded and sorted). */
export function enhanceUrl(url: string, master: MasterTlsSettings): string {
  const u = splitUrl(url)
  inherit(u, master)
  return joinUrl(u)
}

/** generateConfigURL's fill table (upstream; `lbs`, `log` and `tls` are never filled, `sni` is filled with `none`). */
const CONFIG_DEFAULTS: Readonly<Record<'server' | 'client', ReadonlyArray<readonly [string, string]>>> = {
  client: [['dns', '5m0s'], ['sni', 'none'], ['min', '64'], ['mode', '0'], ['dial', 'auto'], ['read', '0s'],
    ['rate', '0'], ['slot', '65536'], ['proxy', '0'], ['block', '0'], ['notcp', '0'], ['noudp', '0']],
  server: [['dns', '5m0s'], ['max', '1024'], ['mode', '0'], ['type', '0'], ['dial', 'auto'], ['read', '0s'],
    ['rate', '0'], ['slot', '65536'], ['proxy', '0'], ['block', '0'], ['notcp', '0'], ['noudp', '0']],
}

/** Upstream's generateConfigURL: `enhanceUrl` plus every default filled in. */
export function configUrl(url: string, master: MasterTlsSettings): string {
  const u = splitUrl(url)
  inherit(u, master)
  if (u.scheme === 'server' || u.scheme === 'client') {
    for (const [k, v] of CONFIG_DEFAULTS[u.scheme]) fill(u.query, k, v)
  }
  return joinUrl(u)
}

export function formatBlock(block: BlockConfig): string {
  const digits = (block.socks ? '1' : '') + (block.http ? '2' : '') + (block.tls ? '3' : '')
  return digits === '' ? '0' : digits
}

/**
 * The URL of the `Server started:` / `Client started:` line: every effective value (Go durations, rate in Mbps,
 * codes as in the URL), the tunnel key replaced by `***`. The caller adds the `Server started: ` prefix.
 */
export function describeConfig(config: TunnelConfig): string {
  const c = config
  const dns = c.dns.servers.length > 0 ? c.dns.servers.join(',') : formatDuration(c.dns.ttlMs)
  const pairs: Array<[string, string]> = [['log', c.log]]
  if (c.role === 'server') {
    pairs.push(['tls', String(c.tls.mode)])
    if (c.tls.mode === 2) pairs.push(['crt', c.tls.crt], ['key', c.tls.key])
    pairs.push(['dns', dns], ['lbs', String(LBS_BY_CODE.indexOf(c.lbs))], ['max', String(c.max)],
      ['mode', String(c.mode)], ['type', POOL_TYPE_CODE[c.type]])
  } else {
    pairs.push(['dns', dns], ['sni', c.sni], ['lbs', String(LBS_BY_CODE.indexOf(c.lbs))], ['min', String(c.min)],
      ['max', String(c.max)], ['mode', String(c.mode)])
  }
  pairs.push(['dial', c.dial], ['read', formatDuration(c.readMs)], ['rate', String(c.rate)], ['slot', String(c.slot)],
    ['proxy', c.proxy ? '1' : '0'], ['block', formatBlock(c.block)], ['notcp', c.notcp ? '1' : '0'],
    ['noudp', c.noudp ? '1' : '0'])
  const targets = c.targets.map((t) => joinHostPort(t.host, t.port)).join(',')
  return `${c.role}://***@${joinHostPort(c.tunnel.host, c.tunnel.port)}/${targets}?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`
}
