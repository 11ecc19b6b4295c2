// Pool transports (type=0 TCP, 1 QUIC, 2 WebSocket, 3 HTTP/2) behind one interface. A transport only carries
// byte streams: the pool writes/reads the 4-byte IDs on whatever stream the transport yields.
import type { Duplex } from 'node:stream'
import type { Socket } from 'node:net'
import type { Logger } from '../log.js'
import type { ServerCredentials } from '../tls/certs.js'
import type { PoolKind } from '../wire.js'

export interface PoolStream {
  readonly stream: Duplex
  /** The TCP socket underneath, when the stream has one to itself. */
  readonly socket: Socket | undefined
  /** Server: own certificate fingerprint; client: the peer certificate's fingerprint; undefined without TLS. */
  readonly fp: string | undefined
  readonly remoteIp: string
}

/**
 * The tunnel's verdict on a new pool stream (or QUIC connection) from `remoteIp`: `foreign` — not the handshaken
 * client; `full` — the server pool holds its max. The tunnel decides (src/tunnel/server.ts, one rule for every
 * type); a transport only answers it in its own wire terms (docs/architecture.md, "The transport contract").
 */
export type Admission = 'ok' | 'foreign' | 'full'

export interface ServerTransportOptions {
  readonly tunnelHost: string
  readonly tunnelPort: number
  readonly creds: ServerCredentials | undefined
  /** Asked before a stream (and a QUIC connection) is accepted; onStream() asks again (streams race for slots). */
  readonly admit: (remoteIp: string) => Admission
  readonly onStream: (s: PoolStream) => void
  readonly log: Logger
  readonly tunables: { readonly reportIntervalMs: number; readonly handshakeTimeoutMs: number; readonly tcpDataBufSize?: number }
  readonly max: number
  /** QUIC: both ends speak the end-marker framing (negotiated in the handshake, feature "quic-end"). */
  readonly endMarker?: boolean
}

export interface ServerTransport {
  /** TCP-based transports receive the tunnel port's sockets after the handshake. */
  handleSocket?(socket: Socket): void
  close(): Promise<void>
}

export type TlsVerify = { readonly mode: 0 } | { readonly mode: 1 } | { readonly mode: 2; readonly servername: string }

export interface ClientTransportOptions {
  /** The tunnel address (host as written, port). */
  readonly host: string
  readonly port: number
  /** Resolved address to dial (DNS cache applied), or the host itself. */
  readonly resolve: () => Promise<string>
  readonly tls: TlsVerify
  readonly log: Logger
  readonly tunables: {
    readonly tcpDialTimeoutMs: number
    readonly tcpDataBufSize: number
    readonly reportIntervalMs: number
    readonly handshakeTimeoutMs: number
  }
  readonly max: number
  /** QUIC: both ends speak the end-marker framing (negotiated in the handshake, feature "quic-end"). */
  readonly endMarker?: boolean
}

export interface ClientTransport {
  /**
   * Opens one pool stream (the transport's own opener done; the ID is read by the caller). An abort of `signal`
   * destroys a dial still connecting or handshaking, and rejects with NP_ERR_CLOSED. Multiplexed transports (h2,
   * QUIC) open streams on a shared connection that their close() ends.
   */
  dial(signal?: AbortSignal): Promise<PoolStream>
  close(): Promise<void>
}

export interface TransportFactory {
  readonly kind: PoolKind
  server(opts: ServerTransportOptions): Promise<ServerTransport>
  client(opts: ClientTransportOptions): Promise<ClientTransport>
}
