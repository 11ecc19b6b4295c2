// The only wire-format module: every byte two NodePass peers exchange is defined here — the default key, the
// handshake token and config JSON with its type/tls codes, control-line framing, pool IDs, fingerprints, UDP framing
// and the transports' own bytes (stream opener, WebSocket pool-full reply, HTTP/2 path, ALPN names).
// Byte-compatible with Go NodePass (docs/protocol.md); pinned by test/unit/protocol.test.ts.
// A leaf module (node:crypto only), so every layer can use it.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

/** Default tunnel key: FNV-1a 32 of the port string, 8 lowercase hex chars. */
export function defaultTunnelKey(port: string): string {
  let h = 0x811c9dc5
  for (const byte of Buffer.from(port, 'utf8')) {
    h ^= byte
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, '0')
}

/** Handshake bearer token: lowercase hex HMAC-SHA256 keyed with the tunnel key over an empty message. */
export function handshakeToken(key: string): string {
  return createHmac('sha256', key).update('').digest('hex')
}

/** Constant-time check of an `Authorization` header value against the key's token. */
export function checkAuthorization(header: string | undefined, key: string): boolean {
  const expected = Buffer.from(`Bearer ${handshakeToken(key)}`)
  const got = Buffer.from(header ?? '')
  return got.length === expected.length && timingSafeEqual(got, expected)
}

/** Capability marker exchanged between two TypeScript peers (D1); Go peers ignore it. */
export const TS_CAPABILITY = 'ts1'
/** Request header by which a TS client announces itself in the handshake. */
export const CAPABILITY_HEADER = 'x-nodepass-capability'
/**
 * Request header by which a TS client lists optional features (comma-separated), beside CAPABILITY_HEADER so that
 * older TS servers, which compare that header exactly, still see a TS client. The server answers with the ones it
 * enables in the reply's `npf` field (ignored by Go clients and by older TS clients).
 */
export const FEATURES_HEADER = 'x-nodepass-features'
/** Feature: QUIC streams carry an end marker as stream data (src/transport/quic-stream.ts). */
export const FEATURE_QUIC_END = 'quic-end'
/**
 * Feature: a TCP exchange over a type-0 TLS pool ends each direction with a `fin` signal carrying its byte count
 * instead of a FIN, and the pool connection goes back to both pools after a `free` from each end (src/tunnel/reuse.ts).
 */
export const FEATURE_REUSE = 'reuse'
/** Features this build offers and accepts. */
export const FEATURES: readonly string[] = [FEATURE_QUIC_END, FEATURE_REUSE]

/** The features in a comma-separated list that this build knows. */
export function knownFeatures(list: string | undefined): string[] {
  return (list ?? '').split(',').map((f) => f.trim()).filter((f) => FEATURES.includes(f))
}

/** Pool transport kinds, by their `type=` code: 0 TCP, 1 QUIC, 2 WebSocket, 3 HTTP/2. */
export type PoolKind = 'tcp' | 'quic' | 'ws' | 'h2'
export type PoolTypeCode = '0' | '1' | '2' | '3'
export const POOL_TYPE_CODE: Readonly<Record<PoolKind, PoolTypeCode>> = { tcp: '0', quic: '1', ws: '2', h2: '3' }
export const POOL_KIND_BY_CODE: readonly PoolKind[] = ['tcp', 'quic', 'ws', 'h2']
/** `tls=` codes: 0 plain, 1 self-signed (not verified), 2 certificate files (verified). */
export type TlsCode = '0' | '1' | '2'
export const tlsCode = (mode: 0 | 1 | 2): TlsCode => String(mode) as TlsCode

export interface HandshakeConfig {
  /** '-' reverse (server is ingress), '+' forward (client is ingress). */
  readonly flow: '-' | '+'
  readonly max: number
  readonly tls: TlsCode
  readonly type: PoolTypeCode
  /** Present only when both peers are NodePass-TS: enables length-framed UDP (D3). */
  readonly np?: string
  /** The optional features the server enabled for a TS client (comma-separated; see FEATURES_HEADER). */
  readonly npf?: string
}

/** The server's 200 body: keys sorted, `max` a number, the rest strings, trailing newline. */
export function encodeHandshakeConfig(c: HandshakeConfig): string {
  const o: Record<string, unknown> = { flow: c.flow, max: c.max }
  if (c.np !== undefined) o.np = c.np
  if (c.npf !== undefined) o.npf = c.npf
  o.tls = c.tls
  o.type = c.type
  return JSON.stringify(o) + '\n'
}

export function decodeHandshakeConfig(body: string): HandshakeConfig {
  let v: unknown
  try {
    v = JSON.parse(body)
  } catch {
    throw new Error('handshake config is not JSON')
  }
  if (typeof v !== 'object' || v === null) throw new Error('handshake config is not an object')
  const o = v as Record<string, unknown>
  if (o.flow !== '-' && o.flow !== '+') throw new Error(`handshake config: bad flow ${JSON.stringify(o.flow)}`)
  if (typeof o.max !== 'number' || !Number.isInteger(o.max) || o.max < 0)
    throw new Error(`handshake config: bad max ${JSON.stringify(o.max)}`)
  if (o.tls !== '0' && o.tls !== '1' && o.tls !== '2') throw new Error(`handshake config: bad tls ${JSON.stringify(o.tls)}`)
  if (o.type !== '0' && o.type !== '1' && o.type !== '2' && o.type !== '3')
    throw new Error(`unknown pool type ${JSON.stringify(o.type)}`)
  const out: HandshakeConfig = { flow: o.flow, max: o.max, tls: o.tls, type: o.type }
  return {
    ...out,
    ...(typeof o.np === 'string' ? { np: o.np } : {}),
    ...(typeof o.npf === 'string' ? { npf: o.npf } : {}),
  }
}

/** Upstream's actions, and `fin`/`free`, sent only between two TS ends that agreed on FEATURE_REUSE. */
export type SignalAction = 'tcp' | 'udp' | 'ping' | 'pong' | 'flush' | 'verify' | 'fin' | 'free'
const ACTIONS: ReadonlySet<string> = new Set<SignalAction>(['tcp', 'udp', 'ping', 'pong', 'flush', 'verify', 'fin', 'free'])

export interface Signal {
  readonly action: SignalAction
  readonly remote?: string
  readonly id?: string
  readonly fp?: string
  /** `fin`: the number of bytes the sender wrote in its direction of the exchange on connection `id`. */
  readonly n?: number
}

function xor(data: Buffer, key: Buffer): Buffer {
  if (key.length === 0) return data
  for (let i = 0; i < data.length; i++) data[i]! ^= key[i % key.length]!
  return data
}

/** One control line: base64std(XOR(json, key)) + "\n"; JSON keys in the order action, remote, id, fp, n. */
export function encodeSignal(sig: Signal, key: string): string {
  const o: Record<string, string | number> = { action: sig.action }
  if (sig.remote) o.remote = sig.remote
  if (sig.id) o.id = sig.id
  if (sig.fp) o.fp = sig.fp
  if (sig.n !== undefined) o.n = sig.n
  return xor(Buffer.from(JSON.stringify(o), 'utf8'), Buffer.from(key, 'utf8')).toString('base64') + '\n'
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Decodes one line (with or without its newline); throws a descriptive error on bad input. */
export function decodeSignal(line: string, key: string): Signal {
  const text = line.replace(/\r?\n$/, '')
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new Error('signal is not base64')
  const json = xor(Buffer.from(text, 'base64'), Buffer.from(key, 'utf8')).toString('utf8')
  let v: unknown
  try {
    v = JSON.parse(json)
  } catch {
    throw new Error('signal is not JSON (wrong tunnel key?)')
  }
  if (typeof v !== 'object' || v === null) throw new Error('signal is not a JSON object')
  const o = v as Record<string, unknown>
  if (typeof o.action !== 'string' || !ACTIONS.has(o.action)) throw new Error(`unknown signal action ${JSON.stringify(o.action)}`)
  const sig: { action: SignalAction; remote?: string; id?: string; fp?: string; n?: number } = { action: o.action as SignalAction }
  for (const f of ['remote', 'id', 'fp'] as const) {
    const x = o[f]
    if (x === undefined || x === '') continue
    if (typeof x !== 'string') throw new Error(`signal field ${f} is not a string`)
    sig[f] = x
  }
  if (o.n !== undefined) {
    if (typeof o.n !== 'number' || !Number.isSafeInteger(o.n) || o.n < 0) throw new Error(`signal field n is not a byte count: ${JSON.stringify(o.n)}`)
    sig.n = o.n
  }
  return sig
}

/** Pool connection IDs: 4 raw bytes on the wire, 8 lowercase hex chars in memory. */
export const CONTROL_ID = '00000000'
export const ID_BYTES = 4
export function idToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, ID_BYTES).toString('hex')
}
export function hexToId(id: string): Buffer {
  if (!/^[0-9a-f]{8}$/.test(id)) throw new Error(`bad pool id ${JSON.stringify(id)}`)
  return Buffer.from(id, 'hex')
}
export function isPoolId(id: string): boolean {
  return /^[0-9a-f]{8}$/.test(id)
}

/** `sha256:` + uppercase hex byte pairs joined by `:`, over the certificate DER. */
export function fingerprint(der: Uint8Array): string {
  const hex = createHash('sha256').update(der).digest('hex').toUpperCase()
  return 'sha256:' + hex.match(/../g)!.join(':')
}

/** UDP framing between two TS peers (D3): 2-byte big-endian length, then the datagram. */
export const UDP_FRAME_HEADER = 2
export const UDP_MAX_DATAGRAM = 65535

/** The 1-byte opener a client writes first on each new multiplexed stream (h2, QUIC), read before the ID. */
export const OPENER = Buffer.from([0])

/** type=2: the server's answer to an upgrade while its pool is full. */
export const WS_POOL_FULL_REPLY =
  'HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 10\r\nConnection: close\r\n\r\npool full\n'

/** type=3: every pool stream is a `POST` to this path over ALPN `h2`. */
export const H2_PATH = '/stream'
export const H2_METHOD = 'POST'
export const H2_ALPN = 'h2'
/** type=1: the QUIC ALPN name. */
export const QUIC_ALPN = 'np-quic'
