// Host, port and percent-decoding rules of the URL grammar, written by hand (not WHATWG URL host rules).
import { isIPv4, isIPv6 } from 'node:net'
import type { HostPort } from './types.js'

/** `"text"` as shown in error messages. */
export function quote(text: string): string {
  return JSON.stringify(text)
}

/**
 * Percent-decodes `text` (Go `unescape`): `%XX` must be two hex digits; with `plusIsSpace` (query values) `+` is a
 * space. Returns undefined on a bad escape. Decoded bytes are read as UTF-8.
 */
export function percentDecode(text: string, plusIsSpace = false): string | undefined {
  if (!text.includes('%') && !(plusIsSpace && text.includes('+'))) return text
  const bytes: number[] = []
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '%') {
      const hex = text.slice(i + 1, i + 3)
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined
      bytes.push(parseInt(hex, 16))
      i += 2
    } else if (c === '+' && plusIsSpace) {
      bytes.push(0x20)
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b)
    }
  }
  return Buffer.from(bytes).toString('utf8')
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

/** RFC 1123 hostname: dot-separated labels of letters, digits and inner hyphens; not an all-numeric last label. */
export function isHostname(host: string): boolean {
  const name = host.endsWith('.') ? host.slice(0, -1) : host
  if (name.length === 0 || name.length > 253) return false
  const labels = name.split('.')
  if (!labels.every((l) => LABEL.test(l))) return false
  return !/^\d+$/.test(labels[labels.length - 1]!)
}

/** An IPv6 literal, optionally with a `%zone`. */
export function isIPv6WithZone(host: string): boolean {
  const pct = host.indexOf('%')
  if (pct === -1) return isIPv6(host)
  return isIPv6(host.slice(0, pct)) && /^[A-Za-z0-9_.-]+$/.test(host.slice(pct + 1))
}

export function isIpLiteral(host: string): boolean {
  return isIPv4(host) || isIPv6WithZone(host)
}

export interface HostPortRules {
  /** `:port` (no host) is accepted. */
  readonly allowEmptyHost: boolean
  /** Port 0 (pick any) is accepted. */
  readonly allowPortZero?: boolean
}

/** Splits and checks `host:port` / `[v6]:port`; on failure, the issue text after `<subject>: `. */
export function parseHostPort(text: string, rules: HostPortRules): { ok: true; value: HostPort } | { ok: false; problem: string } {
  const got = `, got ${quote(text)}`
  let host: string
  let port: string
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close === -1 || text[close + 1] !== ':') return { ok: false, problem: `must be host:port${got}` }
    host = text.slice(1, close).replace('%25', '%') // RFC 6874 zone: [fe80::1%25eth0]
    port = text.slice(close + 2)
    if (!isIPv6WithZone(host)) return { ok: false, problem: `bad IPv6 address in brackets${got}` }
  } else {
    const colon = text.lastIndexOf(':')
    if (colon === -1) return { ok: false, problem: `must be host:port${got}` }
    host = text.slice(0, colon)
    port = text.slice(colon + 1)
    if (host.includes(':')) {
      return { ok: false, problem: isIPv6(host) ? `IPv6 address must be in brackets${got}` : `must be host:port${got}` }
    }
    if (host === '') {
      if (!rules.allowEmptyHost) return { ok: false, problem: `host is missing${got}` }
    } else if (!isIPv4(host) && !isHostname(host)) {
      return { ok: false, problem: `host must be an IPv4 address, [IPv6] address or hostname${got}` }
    }
  }
  const low = rules.allowPortZero === true ? 0 : 1
  if (!/^\d{1,5}$/.test(port) || Number(port) < low || Number(port) > 65535) {
    return { ok: false, problem: `port must be an integer from ${low} to 65535${got}` }
  }
  return { ok: true, value: { host, port: Number(port) } }
}

/**
 * `host:port`, with brackets around an IPv6 host and an empty host as `:port`: the one way addresses are written in
 * URLs, signals, logs and errors.
 */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/**
 * Splits `host:port` / `[v6]:port` as Go's net.SplitHostPort does (the host may be empty): addresses in signals and
 * API parameters. Undefined when the text has another shape or the port is above 65535. URLs go through
 * parseHostPort, which checks the host too.
 */
export function splitHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text)
  if (!m) return undefined
  const port = Number(m[3])
  return port <= 65535 ? { host: m[1] ?? m[2]!, port } : undefined
}

function isLoopbackOrUnspecified(host: string): boolean {
  const h = host.toLowerCase()
  return (
    h === '' || h === 'localhost' || h === 'localhost.' || h === '::' || h === '::1' || h === '0.0.0.0' ||
    (isIPv4(h) && h.startsWith('127.')) || h === '0:0:0:0:0:0:0:1' || h === '0:0:0:0:0:0:0:0'
  )
}

/**
 * Loop guard (D5 "a target equal to the tunnel address"): same port and either the same host,
 * or both hosts local (loopback, `localhost`, unspecified or empty). Narrower than upstream, which also refuses a
 * loopback target next to a remote tunnel host (`client://server.example:443/127.0.0.1:443` is fine here).
 */
export function loopsBack(tunnel: HostPort, target: HostPort): boolean {
  if (target.port !== tunnel.port) return false
  const same = tunnel.host.toLowerCase() === target.host.toLowerCase()
  return same || (isLoopbackOrUnspecified(tunnel.host) && isLoopbackOrUnspecified(target.host))
}
