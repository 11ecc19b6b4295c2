// proxy=1: the PROXY protocol v1 header the egress writes to a target before any relayed byte (docs/protocol.md §5).
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, as Node reports IPv4 peers on dual-stack sockets) are printed as IPv4.
// Mixed families use TCP6 with the IPv4 side mapped (::ffff:a.b.c.d), as the PROXY spec requires; upstream prints a
// bare IPv4 address under TCP6, which strict parsers reject.
import { isIPv4, isIPv6 } from 'node:net'

export interface ProxyAddresses {
  readonly srcHost: string
  readonly srcPort: number
  readonly dstHost: string
  readonly dstPort: number
}

export interface ParsedProxyHeader extends ProxyAddresses {
  readonly family: 'TCP4' | 'TCP6'
}

const MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i

/** Strips brackets and a zone, and turns ::ffff:a.b.c.d into a.b.c.d. */
export function normaliseIp(host: string): string {
  let h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  const zone = h.indexOf('%')
  if (zone >= 0) h = h.slice(0, zone)
  const m = MAPPED.exec(h)
  return m ? m[1]! : h
}

function validPort(p: number): boolean {
  return Number.isInteger(p) && p >= 0 && p <= 65535
}

/** `PROXY TCP4 src dst sport dport\r\n`; throws when an address is not an IP literal. */
export function formatProxyV1(a: ProxyAddresses): string {
  const src = normaliseIp(a.srcHost)
  const dst = normaliseIp(a.dstHost)
  for (const [what, ip] of [['source', src], ['destination', dst]] as const) {
    if (!isIPv4(ip) && !isIPv6(ip)) throw new TypeError(`PROXY header: ${what} address ${JSON.stringify(ip)} is not an IP`)
  }
  if (!validPort(a.srcPort) || !validPort(a.dstPort)) {
    throw new TypeError(`PROXY header: bad port ${a.srcPort} or ${a.dstPort}`)
  }
  if (isIPv4(src) && isIPv4(dst)) return `PROXY TCP4 ${src} ${dst} ${a.srcPort} ${a.dstPort}\r\n`
  const v6 = (ip: string): string => (isIPv4(ip) ? `::ffff:${ip}` : ip)
  return `PROXY TCP6 ${v6(src)} ${v6(dst)} ${a.srcPort} ${a.dstPort}\r\n`
}

const LINE = /^PROXY (TCP4|TCP6) (\S+) (\S+) (\d{1,5}) (\d{1,5})$/
/** The v1 header is at most 107 bytes including CRLF. */
export const PROXY_V1_MAX = 107

/**
 * Parses a PROXY v1 header at the start of `buf`. Returns undefined while more bytes are needed; throws on a
 * malformed header; otherwise the header and the bytes after it.
 */
export function parseProxyV1(buf: Buffer): { header: ParsedProxyHeader; rest: Buffer } | undefined {
  const end = buf.indexOf('\r\n')
  if (end < 0) {
    if (buf.length >= PROXY_V1_MAX) throw new SyntaxError('PROXY header: no CRLF within 107 bytes')
    if (!'PROXY '.startsWith(buf.subarray(0, 6).toString('latin1'))) throw new SyntaxError('PROXY header: bad signature')
    return undefined
  }
  const line = buf.subarray(0, end).toString('latin1')
  const m = LINE.exec(line)
  if (!m) throw new SyntaxError(`PROXY header: malformed line ${JSON.stringify(line)}`)
  const family = m[1] as 'TCP4' | 'TCP6'
  const check = family === 'TCP4' ? isIPv4 : isIPv6
  if (!check(m[2]!) || !check(m[3]!)) throw new SyntaxError(`PROXY header: addresses do not match ${family}`)
  const srcPort = Number(m[4])
  const dstPort = Number(m[5])
  if (!validPort(srcPort) || !validPort(dstPort)) throw new SyntaxError('PROXY header: port out of range')
  return {
    header: { family, srcHost: m[2]!, dstHost: m[3]!, srcPort, dstPort },
    rest: buf.subarray(end + 2),
  }
}
