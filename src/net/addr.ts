// Address text helpers shared by every module that prints or compares addresses.
import { joinHostPort } from '../url/address.js'

export { joinHostPort }

/** `::ffff:1.2.3.4` → `1.2.3.4`; other addresses unchanged. */
export function unmapIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip
}

export function remoteOf(sock: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  return joinHostPort(unmapIp(sock.remoteAddress ?? '?'), sock.remotePort ?? 0)
}
