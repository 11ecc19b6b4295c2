// Reading one query value by its kind (params.ts). `checkValue` finds the problem; the `read*` converters are only
// called on values that passed it.
import { isIPv4, isIPv6 } from 'node:net'
import { parseDuration } from '../duration.js'
import { isHostname, isIpLiteral, parseHostPort, quote } from './address.js'
import type { ParamSpec } from './params.js'
import type { BlockConfig, DnsConfig } from './types.js'

export const DEFAULT_DNS_TTL_MS = 5 * 60_000

function isInt(raw: string, spec: ParamSpec): boolean {
  if (!/^\d{1,16}$/.test(raw)) return false
  const n = Number(raw)
  return n >= (spec.min ?? 0) && n <= (spec.max ?? Number.MAX_SAFE_INTEGER)
}

function isResolver(entry: string): boolean {
  if (isIPv4(entry) || isIPv6(entry)) return true
  const hp = parseHostPort(entry, { allowEmptyHost: false })
  return hp.ok && (isIPv4(hp.value.host) || isIPv6(hp.value.host))
}

export function readDns(raw: string): DnsConfig | undefined {
  const ttl = parseDuration(raw)
  if (ttl !== undefined) return { ttlMs: ttl, servers: [] }
  const servers = raw.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (servers.length === 0 || !servers.every(isResolver)) return undefined
  return { ttlMs: DEFAULT_DNS_TTL_MS, servers }
}

export function readBlock(raw: string): BlockConfig | undefined {
  if (raw === '0') return { socks: false, http: false, tls: false }
  if (!/^[123]{1,3}$/.test(raw) || new Set(raw).size !== raw.length) return undefined
  return { socks: raw.includes('1'), http: raw.includes('2'), tls: raw.includes('3') }
}

function isValid(spec: ParamSpec, raw: string): boolean {
  switch (spec.kind) {
    case 'choice':
      return spec.values?.includes(raw) ?? false
    case 'int':
      return isInt(raw, spec)
    case 'duration':
      return parseDuration(raw) !== undefined
    case 'dns':
      return readDns(raw) !== undefined
    case 'path':
      return true
    case 'sni':
      return raw === 'none' || isHostname(raw) || isIpLiteral(raw)
    case 'dial':
      return raw === 'auto' || isIpLiteral(raw)
    case 'block':
      return readBlock(raw) !== undefined
  }
}

/** The issue for a bad value (`name: must be ..., got "raw"`), or undefined when it is valid. */
export function checkValue(spec: ParamSpec, raw: string): string | undefined {
  return isValid(spec, raw) ? undefined : `${spec.name}: must be ${spec.expect}, got ${quote(raw)}`
}

/** Milliseconds of a duration that passed `checkValue`. */
export function readDurationMs(raw: string): number {
  return parseDuration(raw) ?? 0
}
