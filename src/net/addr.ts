// Address text helpers shared by every module that prints or compares addresses.
import { isIPv6 } from 'node:net'

/** `::ffff:1.2.3.4` → `1.2.3.4`; other addresses unchanged. */
export function unmapIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip
}

/** `ip:port`, with brackets for IPv6 (the form signals and logs use). */
export function joinHostPort(host: string, port: number | string): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`
}

export function remoteOf(sock: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  return joinHostPort(unmapIp(sock.remoteAddress ?? '?'), sock.remotePort ?? 0)
}
