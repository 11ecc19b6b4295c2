// The typed, frozen configuration a server:// or client:// URL parses into. No "0"|"1"|"2" strings past src/url/.
import type { LogLevel } from '../log.js'
import type { PoolKind } from '../wire.js'

/** host '' = unspecified (all interfaces), e.g. `:10101`. IPv6 hosts are stored without brackets. */
export interface HostPort {
  readonly host: string
  readonly port: number
}

export type TlsConfig =
  | { readonly mode: 0 }
  | { readonly mode: 1 }
  | { readonly mode: 2; readonly crt: string; readonly key: string }

/** lbs=0 round-robin, 1 optimal latency, 2 primary-backup (D7). */
export type LbsStrategy = 'round-robin' | 'latency' | 'primary-backup'
export const LBS_BY_CODE: readonly LbsStrategy[] = ['round-robin', 'latency', 'primary-backup']

export interface BlockConfig {
  readonly socks: boolean
  readonly http: boolean
  readonly tls: boolean
}

/** dns=: a cache TTL (0 = no cache) or a list of resolver IPs with the default TTL (D6). */
export interface DnsConfig {
  readonly ttlMs: number
  readonly servers: readonly string[]
}

interface CommonConfig {
  /** Tunnel key (URL username, or the FNV-1a default). Secret: never log it. */
  readonly key: string
  readonly keyIsDefault: boolean
  /** The tunnel address as written (host may be a hostname). */
  readonly tunnel: HostPort
  /** At least one target; target[0] is what listeners bind. */
  readonly targets: readonly HostPort[]
  readonly log: LogLevel
  readonly dns: DnsConfig
  readonly lbs: LbsStrategy
  /** 0 = auto. Server: 1 reverse, 2 forward. Client: 1 single-end, 2 dual-end. */
  readonly mode: 0 | 1 | 2
  /** Source IP for target dials, or 'auto'. */
  readonly dial: string
  /** Idle read timeout in ms; 0 = off. */
  readonly readMs: number
  /** Mbps; 0 = unlimited. */
  readonly rate: number
  /** Concurrent TCP+UDP sessions; 0 = unlimited. */
  readonly slot: number
  readonly proxy: boolean
  readonly block: BlockConfig
  readonly notcp: boolean
  readonly noudp: boolean
}

export interface ServerConfig extends CommonConfig {
  readonly role: 'server'
  readonly tls: TlsConfig
  readonly max: number
  readonly type: PoolKind
}

export interface ClientConfig extends CommonConfig {
  readonly role: 'client'
  /** TLS server name for tls=2 verification; 'none' when the tunnel host is an IP. */
  readonly sni: string
  readonly min: number
  /** Initial maximum; the server's `max` replaces it in the handshake. */
  readonly max: number
}

export type TunnelConfig = ServerConfig | ClientConfig

export interface MasterConfig {
  readonly role: 'master'
  readonly listen: HostPort
  /** Without the `/v1` suffix, e.g. `/api`. */
  readonly prefix: string
  readonly log: LogLevel
  /** The raw `log` query value ('' when absent), reported by /info and inherited by instances. */
  readonly logRaw: string
  readonly tls: TlsConfig
  /** Raw crt/key query values ('' when absent), reported by /info. */
  readonly crtRaw: string
  readonly keyRaw: string
}

export type AnyConfig = TunnelConfig | MasterConfig
