// URL → typed, deeply frozen config: `<scheme>://[key@]host:port/t1[,t2...]?query` (README URLs,
// docs/master.md URL, D4–D9). Every problem is collected; message style: `<subject>: <problem>, got "<value>"`
// where the subject is a parameter name or a URL part (scheme, tunnel key, tunnel address, target, targets, query,
// listen address, prefix). The tunnel key is never echoed.
import { POOL_KIND_BY_CODE, defaultTunnelKey } from '../wire.js'
import type { LogLevel } from '../log.js'
import { isHostname, loopsBack, parseHostPort, percentDecode, quote } from './address.js'
import { PARAM_BY_NAME, inScope, type ParamName, type Scope } from './params.js'
import { readQuery } from './query.js'
import { checkTlsFiles } from './tls-files.js'
import { ERR } from '../errors.js'
import { DEFAULT_DNS_TTL_MS, checkValue, readBlock, readDns, readDurationMs } from './values.js'
import {
  LBS_BY_CODE, type AnyConfig, type ClientConfig, type HostPort, type MasterConfig,
  type ServerConfig, type TlsConfig, type TunnelConfig,
} from './types.js'

/** A failure's `code` is NP_ERR_TLS_FILES when unreadable or mismatched crt/key files are the only problem. */
export type ParseResult<C> =
  | { ok: true; config: C; warnings: string[] }
  | { ok: false; issues: string[]; code: typeof ERR.CONFIG_INVALID | typeof ERR.TLS_FILES }

export interface ParseOptions {
  /** Read crt/key and check they are a matching PEM certificate and private key (default true). */
  readonly checkFiles?: boolean
}

export const DEFAULT_KEY_WARNING =
  'tunnel key not set: using the default key derived from the port, which anyone can guess'

const SCHEMES: readonly Scope[] = ['server', 'client', 'master']
const USERINFO_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=%:@]*$/

interface Pieces {
  scheme: Scope
  userinfo: string | undefined
  hostport: string
  path: string
  rawQuery: string
}

function split(text: string, allowed: readonly Scope[], issues: string[]): Pieces | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(text)) {
    issues.push('url: contains a control character')
    return undefined
  }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([\s\S]*)$/.exec(text)
  if (!m) {
    issues.push(`url: must start with ${allowed.map((s) => `${s}://`).join(', ')}`)
    return undefined
  }
  const scheme = m[1]!.toLowerCase()
  if (!(allowed as readonly string[]).includes(scheme)) {
    const list = allowed.length === 2 ? `${allowed[0]} or ${allowed[1]}` : `${allowed[0]}, ${allowed[1]} or ${allowed[2]}`
    issues.push(`scheme: must be ${list}, got ${quote(m[1]!)}`)
    return undefined
  }
  let rest = m[2]!
  const hash = rest.indexOf('#')
  if (hash !== -1) {
    issues.push('url: "#" must be written as %23')
    rest = rest.slice(0, hash)
  }
  const q = rest.indexOf('?')
  const rawQuery = q === -1 ? '' : rest.slice(q + 1)
  const beforeQuery = q === -1 ? rest : rest.slice(0, q)
  const slash = beforeQuery.indexOf('/')
  const authority = slash === -1 ? beforeQuery : beforeQuery.slice(0, slash)
  const path = slash === -1 ? '' : beforeQuery.slice(slash)
  const at = authority.lastIndexOf('@')
  return {
    scheme: scheme as Scope,
    userinfo: at === -1 ? undefined : authority.slice(0, at),
    hostport: at === -1 ? authority : authority.slice(at + 1),
    path,
    rawQuery,
  }
}

interface Params {
  /** One valid value per known, in-scope parameter ('' and absent are the same). */
  readonly values: Map<ParamName, string>
  /** Names given but rejected (reported already): cross-checks involving them are skipped. */
  readonly bad: Set<string>
}

function readParams(raw: string, scope: Scope, issues: string[]): Params {
  const query = readQuery(raw)
  issues.push(...query.issues)
  const out = new Map<ParamName, string>()
  const bad = new Set<string>()
  for (const [name, values] of query.values) {
    const spec = PARAM_BY_NAME.get(name)
    if (spec === undefined) {
      issues.push(name === '' ? `query: parameter without a name, got ${quote(`=${values[0] ?? ''}`)}` : `${name}: unknown parameter`)
      continue
    }
    if (values.length > 1) {
      bad.add(name)
      issues.push(`${name}: given more than once, got ${values.map(quote).join(', ')}`)
      continue
    }
    const value = values[0]!
    if (value === '') continue
    if (!inScope(spec, scope)) {
      bad.add(name)
      issues.push(`${name}: not allowed on ${scope}://, got ${quote(value)}`)
      continue
    }
    const problem = checkValue(spec, value)
    if (problem !== undefined) {
      bad.add(name)
      issues.push(problem)
    } else out.set(spec.name, value)
  }
  return { values: out, bad }
}

/** How many entries of an issues list are crt/key file problems (for the NP_ERR_TLS_FILES code). */
const tlsFileIssues = new WeakMap<string[], number>()

/** tls/crt/key/type rules shared by server:// and master://. `bad` lists the names already reported. */
function readTls(
  params: Map<ParamName, string>, bad: Set<string>, checkFiles: boolean, issues: string[],
): TlsConfig | undefined {
  if (bad.has('tls') || bad.has('type') || bad.has('crt') || bad.has('key')) return undefined
  const type = params.get('type')
  const needsTls = type === '1' || type === '3'
  const tlsRaw = params.get('tls')
  if (needsTls && tlsRaw === '0') {
    issues.push(`tls: must be 1 or 2 with type=${type}, got "0"`)
    return undefined
  }
  const mode = tlsRaw === undefined ? (needsTls ? 1 : 0) : Number(tlsRaw)
  const crt = params.get('crt')
  const key = params.get('key')
  if (mode === 2) {
    if (crt === undefined) issues.push('crt: required with tls=2')
    if (key === undefined) issues.push('key: required with tls=2')
    if (crt === undefined || key === undefined) return undefined
    const before = issues.length
    if (checkFiles && !checkTlsFiles(crt, key, issues)) {
      tlsFileIssues.set(issues, issues.length - before)
      return undefined
    }
    return { mode: 2, crt, key }
  }
  const shown = tlsRaw === undefined ? 'no tls' : `tls=${tlsRaw}`
  if (crt !== undefined) issues.push(`crt: only allowed with tls=2 (not with ${shown}), got ${quote(crt)}`)
  if (key !== undefined) issues.push(`key: only allowed with tls=2 (not with ${shown}), got ${quote(key)}`)
  if (crt !== undefined || key !== undefined) return undefined
  return mode === 1 ? { mode: 1 } : { mode: 0 }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

function parseMaster(p: Pieces, opts: ParseOptions, issues: string[]): MasterConfig | undefined {
  if (p.userinfo !== undefined) issues.push('tunnel key: not allowed on master://')
  const listen = parseHostPort(p.hostport, { allowEmptyHost: true, allowPortZero: true })
  if (!listen.ok) issues.push(`listen address: ${listen.problem}`)
  let prefix = percentDecode(p.path)
  if (prefix === undefined) {
    issues.push(`prefix: bad percent-encoding, got ${quote(p.path)}`)
  } else {
    prefix = prefix.replace(/\/+$/, '')
    if (prefix === '') prefix = '/api'
    else if (!/^(\/[A-Za-z0-9\-._~!$&'()*+,;=:@]+)+$/.test(prefix)) {
      issues.push(`prefix: must be a path such as /api, got ${quote(prefix)}`)
    }
  }
  const { values: params, bad } = readParams(p.rawQuery, 'master', issues)
  const tls = readTls(params, bad, opts.checkFiles !== false, issues)
  if (issues.length > 0 || !listen.ok || tls === undefined || prefix === undefined) return undefined
  return {
    role: 'master',
    listen: listen.value,
    prefix,
    log: (params.get('log') ?? 'info') as LogLevel,
    logRaw: params.get('log') ?? '',
    tls,
    crtRaw: params.get('crt') ?? '',
    keyRaw: params.get('key') ?? '',
  }
}

function parseTunnel(p: Pieces & { scheme: 'server' | 'client' }, opts: ParseOptions, issues: string[],
  warnings: string[]): TunnelConfig | undefined {
  let key: string | undefined
  if (p.userinfo !== undefined && !USERINFO_CHARS.test(p.userinfo)) {
    issues.push('tunnel key: contains characters that must be percent-encoded')
  } else {
    key = percentDecode((p.userinfo ?? '').split(':')[0]!)
    if (key === undefined) issues.push('tunnel key: bad percent-encoding')
  }
  const tunnelHp = parseHostPort(p.hostport, { allowEmptyHost: true })
  if (!tunnelHp.ok) issues.push(`tunnel address: ${tunnelHp.problem}`)
  const targets: HostPort[] = []
  const path = percentDecode(p.path)
  if (path === undefined) {
    issues.push(`targets: bad percent-encoding, got ${quote(p.path)}`)
  } else {
    const list = path.slice(1).split(',').map((t) => t.trim()).filter((t) => t !== '')
    if (list.length === 0) issues.push('targets: at least one target host:port is required after the tunnel address')
    for (const text of list) {
      const hp = parseHostPort(text, { allowEmptyHost: true })
      if (!hp.ok) issues.push(`target: ${hp.problem}`)
      else if (tunnelHp.ok && loopsBack(tunnelHp.value, hp.value)) {
        issues.push(`target: points back at the tunnel address ${quote(p.hostport)}, got ${quote(text)}`)
      } else targets.push(hp.value)
    }
  }
  const { values: params, bad } = readParams(p.rawQuery, p.scheme, issues)
  if (params.get('notcp') === '1' && params.get('noudp') === '1') {
    issues.push('noudp: cannot be 1 together with notcp=1 (nothing would be forwarded), got "1"')
  }
  const tls = p.scheme === 'server' ? readTls(params, bad, opts.checkFiles !== false, issues) : undefined
  const min = params.get('min')
  const max = params.get('max')
  if (p.scheme === 'client' && min !== undefined && max !== undefined && Number(min) > Number(max)) {
    issues.push(`min: must not exceed max=${max}, got ${quote(min)}`)
  }
  if (issues.length > 0 || key === undefined || !tunnelHp.ok) return undefined

  const keyIsDefault = key === ''
  if (keyIsDefault) {
    key = defaultTunnelKey(p.hostport.slice(p.hostport.lastIndexOf(':') + 1))
    // A client forced to single-end forwarding (mode=1) never uses the key.
    if (!(p.scheme === 'client' && params.get('mode') === '1')) warnings.push(DEFAULT_KEY_WARNING)
  }
  const get = (name: ParamName): string | undefined => params.get(name)
  const common = {
    key,
    keyIsDefault,
    tunnel: tunnelHp.value,
    targets,
    log: (get('log') ?? 'info') as LogLevel,
    dns: readDns(get('dns') ?? '') ?? { ttlMs: DEFAULT_DNS_TTL_MS, servers: [] },
    lbs: LBS_BY_CODE[Number(get('lbs') ?? '0')]!,
    mode: Number(get('mode') ?? '0') as 0 | 1 | 2,
    dial: get('dial') ?? 'auto',
    readMs: readDurationMs(get('read') ?? '0'),
    rate: Number(get('rate') ?? '0'),
    slot: Number(get('slot') ?? '65536'),
    proxy: get('proxy') === '1',
    block: readBlock(get('block') ?? '0')!,
    notcp: get('notcp') === '1',
    noudp: get('noudp') === '1',
  }
  const maxN = Number(max ?? '1024')
  if (p.scheme === 'server') {
    if (tls === undefined) return undefined
    const config: ServerConfig = { role: 'server', ...common, tls, max: maxN, type: POOL_KIND_BY_CODE[Number(get('type') ?? '0')]! }
    return config
  }
  const host = tunnelHp.value.host
  const config: ClientConfig = {
    role: 'client',
    ...common,
    sni: get('sni') ?? (isHostname(host) ? host : 'none'),
    min: Number(min ?? '64'),
    max: maxN,
  }
  return config
}

function parseWith<C extends AnyConfig>(text: string, allowed: readonly Scope[], opts: ParseOptions): ParseResult<C> {
  const issues: string[] = []
  const warnings: string[] = []
  const pieces = split(text, allowed, issues)
  let config: AnyConfig | undefined
  if (pieces !== undefined) {
    config = pieces.scheme === 'master'
      ? parseMaster(pieces, opts, issues)
      : parseTunnel({ ...pieces, scheme: pieces.scheme }, opts, issues, warnings)
  }
  if (issues.length > 0 || config === undefined) {
    const onlyFiles = issues.length > 0 && tlsFileIssues.get(issues) === issues.length
    return { ok: false, issues: issues.length > 0 ? issues : ['url: invalid'], code: onlyFiles ? ERR.TLS_FILES : ERR.CONFIG_INVALID }
  }
  return { ok: true, config: deepFreeze(config) as C, warnings }
}

/** Parses a server://, client:// or master:// URL. */
export function parseUrl(text: string, opts: ParseOptions = {}): ParseResult<AnyConfig> {
  return parseWith<AnyConfig>(text, SCHEMES, opts)
}

/** Parses a server:// or client:// URL (what the master accepts for instances). */
export function parseTunnelUrl(text: string, opts: ParseOptions = {}): ParseResult<TunnelConfig> {
  return parseWith<TunnelConfig>(text, ['server', 'client'], opts)
}
