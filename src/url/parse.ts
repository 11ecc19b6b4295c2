// TEMPORARY SHIM (master branch): replaced by the URL helper's parser when it lands on main.
import type { AnyConfig, MasterConfig, TunnelConfig } from './types.js'
import { LOG_LEVELS, type LogLevel } from '../log.js'

export type ParseResult<T> = { ok: true; config: T; warnings: string[] } | { ok: false; issues: string[] }

function hostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(\[[^\]]*\]|[^:/]*):(\d{1,5})$/.exec(text)
  if (!m) return undefined
  const port = Number(m[2])
  if (port > 65535) return undefined
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port }
}

export function parseUrl(text: string, _opts: { checkFiles?: boolean } = {}): ParseResult<AnyConfig> {
  const m = /^([a-z]+):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?$/i.exec(text)
  if (!m) return { ok: false, issues: [`not a URL: ${JSON.stringify(text)}`] }
  const scheme = m[1]!.toLowerCase()
  const q = new URLSearchParams(m[4] ?? '')
  const logRaw = q.get('log') ?? ''
  const log: LogLevel = (LOG_LEVELS as readonly string[]).includes(logRaw) ? (logRaw as LogLevel) : 'info'
  let authority = m[2]!
  let key = ''
  const at = authority.lastIndexOf('@')
  if (at >= 0) {
    key = authority.slice(0, at)
    authority = authority.slice(at + 1)
  }
  const tunnel = hostPort(authority)
  if (!tunnel) return { ok: false, issues: [`bad address ${JSON.stringify(authority)}`] }
  const tlsCode = q.get('tls') ?? ''
  const crt = q.get('crt') ?? ''
  const keyFile = q.get('key') ?? ''
  const tls = tlsCode === '2' ? { mode: 2 as const, crt, key: keyFile } : tlsCode === '1' ? { mode: 1 as const } : { mode: 0 as const }
  if (scheme === 'master') {
    let prefix = decodeURIComponent(m[3] ?? '')
    prefix = prefix === '' || prefix === '/' ? '/api' : prefix.replace(/\/+$/, '')
    const config: MasterConfig = { role: 'master', listen: tunnel, prefix, log, logRaw, tls, crtRaw: crt, keyRaw: keyFile }
    return { ok: true, config, warnings: [] }
  }
  if (scheme !== 'server' && scheme !== 'client') return { ok: false, issues: [`unknown scheme ${scheme}`] }
  const targets = (m[3] ?? '').replace(/^\//, '').split(',').map(hostPort)
  if (targets.some((t) => t === undefined) || targets.length === 0)
    return { ok: false, issues: [`bad target ${JSON.stringify(m[3])}`] }
  const common = {
    key: key || 'shim',
    keyIsDefault: key === '',
    tunnel,
    targets: targets as { host: string; port: number }[],
    log,
    dns: { ttlMs: 300000, servers: [] },
    lbs: 'round-robin' as const,
    mode: 0 as const,
    dial: 'auto',
    readMs: 0,
    rate: 0,
    slot: 65536,
    proxy: false,
    block: { socks: false, http: false, tls: false },
    notcp: false,
    noudp: false,
  }
  const config: TunnelConfig =
    scheme === 'server'
      ? { ...common, role: 'server', tls, max: 1024, type: 'tcp' }
      : { ...common, role: 'client', sni: 'none', min: 64, max: 1024 }
  return { ok: true, config, warnings: [] }
}

export function parseTunnelUrl(text: string, opts: { checkFiles?: boolean } = {}): ParseResult<TunnelConfig> {
  const r = parseUrl(text, opts)
  if (!r.ok) return r
  if (r.config.role === 'master') return { ok: false, issues: ['a master:// URL cannot be an instance'] }
  return { ok: true, config: r.config, warnings: r.warnings }
}
