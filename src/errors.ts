// The one error scheme of NodePass: every failure a user can meet has a stable code (NP_ERR_*), a message naming
// what failed with what value, and a one-line hint saying what to do. The tunnel, the master (HTTP API, instance
// view, SSE) and the dashboard all show the same three things. Every code is documented in docs/errors.md
// (test/unit/error-codes.test.ts fails when a code is used but not documented, or documented but never used).
import { inspect } from 'node:util'

/** Stable codes. Names are the constants used in code; values are what users see (logs, API, docs/errors.md). */
export const ERR = {
  // configuration
  CONFIG_INVALID: 'NP_ERR_CONFIG_INVALID',
  ENV_INVALID: 'NP_ERR_ENV_INVALID',
  TLS_FILES: 'NP_ERR_TLS_FILES',
  // names, connections, listeners
  DNS_FAILED: 'NP_ERR_DNS_FAILED',
  TARGET_REFUSED: 'NP_ERR_TARGET_REFUSED',
  TARGET_UNREACHABLE: 'NP_ERR_TARGET_UNREACHABLE',
  TARGET_TIMEOUT: 'NP_ERR_TARGET_TIMEOUT',
  DIAL_FAILED: 'NP_ERR_DIAL_FAILED',
  PORT_IN_USE: 'NP_ERR_PORT_IN_USE',
  BIND_DENIED: 'NP_ERR_BIND_DENIED',
  BIND_FAILED: 'NP_ERR_BIND_FAILED',
  FD_LIMIT: 'NP_ERR_FD_LIMIT',
  // tunnel handshake and TLS
  AUTH_FAILED: 'NP_ERR_AUTH_FAILED',
  PROTOCOL_MISMATCH: 'NP_ERR_PROTOCOL_MISMATCH',
  HANDSHAKE_FAILED: 'NP_ERR_HANDSHAKE_FAILED',
  TLS_UNTRUSTED: 'NP_ERR_TLS_UNTRUSTED',
  TLS_NAME_MISMATCH: 'NP_ERR_TLS_NAME_MISMATCH',
  TLS_FINGERPRINT_MISMATCH: 'NP_ERR_TLS_FINGERPRINT_MISMATCH',
  TRANSPORT_UNAVAILABLE: 'NP_ERR_TRANSPORT_UNAVAILABLE',
  // a running tunnel
  CONTROL_LOST: 'NP_ERR_CONTROL_LOST',
  POOL_EXHAUSTED: 'NP_ERR_POOL_EXHAUSTED',
  POOL_TIMEOUT: 'NP_ERR_POOL_TIMEOUT',
  SLOT_LIMIT: 'NP_ERR_SLOT_LIMIT',
  RATE_LIMITED: 'NP_ERR_RATE_LIMITED',
  CLOSED: 'NP_ERR_CLOSED',
  // master: instances and state
  INSTANCE_CRASHED: 'NP_ERR_INSTANCE_CRASHED',
  INSTANCE_UNRESPONSIVE: 'NP_ERR_INSTANCE_UNRESPONSIVE',
  STATE_DAMAGED: 'NP_ERR_STATE_DAMAGED',
  // master: HTTP API
  BAD_REQUEST: 'NP_ERR_BAD_REQUEST',
  UNAUTHORIZED: 'NP_ERR_UNAUTHORIZED',
  FORBIDDEN: 'NP_ERR_FORBIDDEN',
  INSTANCE_NOT_FOUND: 'NP_ERR_INSTANCE_NOT_FOUND',
  METHOD_NOT_ALLOWED: 'NP_ERR_METHOD_NOT_ALLOWED',
  CONFLICT: 'NP_ERR_CONFLICT',
  BODY_TOO_LARGE: 'NP_ERR_BODY_TOO_LARGE',
  INTERNAL: 'NP_ERR_INTERNAL',
} as const
export type ErrorCode = (typeof ERR)[keyof typeof ERR]

/** The one-line hint of every code: what the user should do. docs/errors.md explains causes at length. */
export const HINTS: Readonly<Record<ErrorCode, string>> = {
  NP_ERR_CONFIG_INVALID: 'correct the URL as the message says (docs/parameters.md lists every parameter)',
  NP_ERR_ENV_INVALID: 'correct or unset the NP_* environment variable named in the message',
  NP_ERR_TLS_FILES: 'point crt= and key= at a readable PEM certificate and its own private key',
  NP_ERR_DNS_FAILED: 'check the host name and the DNS server (dns= sets how long answers are cached)',
  NP_ERR_TARGET_REFUSED: 'nothing accepts connections there: start the service or correct the address in the URL',
  NP_ERR_TARGET_UNREACHABLE: 'no route to that address: check the address, the network and the firewall',
  NP_ERR_TARGET_TIMEOUT: 'the address did not answer in time: check it is up and that no firewall drops the traffic',
  NP_ERR_DIAL_FAILED: 'the connection failed: check the address and the service behind it',
  NP_ERR_PORT_IN_USE: 'another program (or instance) listens on that port: stop it or choose another port',
  NP_ERR_BIND_DENIED: 'ports below 1024 need root or CAP_NET_BIND_SERVICE: use a higher port or grant the capability',
  NP_ERR_BIND_FAILED: 'the address cannot be listened on: use an address of this host (or 0.0.0.0 / [::])',
  NP_ERR_FD_LIMIT: 'out of file descriptors: raise the limit (ulimit -n, LimitNOFILE=) or lower slot=',
  NP_ERR_AUTH_FAILED: 'use the same tunnel key (the part before @) in the client URL as in the server URL',
  NP_ERR_PROTOCOL_MISMATCH: 'the peer is not a compatible NodePass: check the address and run matching versions',
  NP_ERR_HANDSHAKE_FAILED: 'the server did not complete the handshake: check it runs and that the tunnel port is reachable',
  NP_ERR_TLS_UNTRUSTED: 'give the server a certificate from a CA this host trusts (or use tls=1 on the server)',
  NP_ERR_TLS_NAME_MISMATCH: 'set sni= (or the client host) to a name the server certificate is issued for',
  NP_ERR_TLS_FINGERPRINT_MISMATCH: 'something between client and server replaces the certificate: connect directly',
  NP_ERR_TRANSPORT_UNAVAILABLE: 'install @matrixai/quic for type=1, or choose another type= (types 1 and 3 need tls=1 or 2)',
  NP_ERR_CONTROL_LOST: 'the peer stopped or the network dropped: the tunnel reconnects by itself; check the other end',
  NP_ERR_POOL_EXHAUSTED: 'no idle tunnel connection in time: raise max= and min=, or NP_POOL_GET_TIMEOUT',
  NP_ERR_POOL_TIMEOUT: 'a tunnel connection did not arrive in time: check the network between the ends',
  NP_ERR_SLOT_LIMIT: 'the instance serves slot= connections at once: raise slot= or wait for connections to end',
  NP_ERR_RATE_LIMITED: 'traffic is held to rate= Mbps: raise or remove rate= if that is too slow',
  NP_ERR_CLOSED: 'the tunnel is stopping; nothing to do',
  NP_ERR_INSTANCE_CRASHED: 'the instance restarts by itself (restart=true); see its last log lines for the cause',
  NP_ERR_INSTANCE_UNRESPONSIVE: 'the instance stopped reporting: restart it; report a bug if it happens again',
  NP_ERR_STATE_DAMAGED: 'restore the state file from its .bak copy or remove it (instances are then lost)',
  NP_ERR_BAD_REQUEST: 'correct the request as the message says (see /docs for the API)',
  NP_ERR_UNAUTHORIZED: 'send the API key as the X-API-Key header (printed at the first start)',
  NP_ERR_FORBIDDEN: 'the API key entry (********) can only be read or regenerated',
  NP_ERR_INSTANCE_NOT_FOUND: 'list the instances (GET /instances) for the right id',
  NP_ERR_METHOD_NOT_ALLOWED: 'use a method the route accepts (see /docs)',
  NP_ERR_CONFLICT: 'the instance already has that URL or id: change the request',
  NP_ERR_BODY_TOO_LARGE: 'send a smaller request body',
  NP_ERR_INTERNAL: 'report a bug with the master log around that time',
}

/** HTTP status of a code when the master answers with it (500 for everything not listed). */
const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  NP_ERR_BAD_REQUEST: 400,
  NP_ERR_CONFIG_INVALID: 400,
  NP_ERR_TLS_FILES: 400,
  NP_ERR_UNAUTHORIZED: 401,
  NP_ERR_FORBIDDEN: 403,
  NP_ERR_INSTANCE_NOT_FOUND: 404,
  NP_ERR_METHOD_NOT_ALLOWED: 405,
  NP_ERR_CONFLICT: 409,
  NP_ERR_BODY_TOO_LARGE: 413,
}

/** What the API, the SSE stream, the worker messages and the dashboard carry for an error. */
export interface ErrorInfo {
  readonly code: ErrorCode
  readonly message: string
  readonly hint: string
}

export interface NodePassErrorOptions extends ErrorOptions {
  /** HTTP status when the master answers with this error (default: from the code, else 500). */
  readonly status?: number
}

export class NodePassError extends Error {
  readonly code: ErrorCode
  readonly status: number

  /**
   * A generic code (DIAL_FAILED, BIND_FAILED, HANDSHAKE_FAILED, …) becomes the specific one its cause shows
   * (ECONNREFUSED → TARGET_REFUSED, EADDRINUSE → PORT_IN_USE, an untrusted certificate → TLS_UNTRUSTED, …).
   */
  constructor(code: ErrorCode, message: string, options?: NodePassErrorOptions) {
    super(message, options)
    this.name = new.target.name
    this.code = refineCode(code, options?.cause)
    this.status = options?.status ?? HTTP_STATUS[this.code] ?? 500
  }

  get hint(): string {
    return HINTS[this.code]
  }

  toJSON(): ErrorInfo {
    return { code: this.code, message: this.message, hint: this.hint }
  }
}

/** Every problem found in one piece of input, reported together. */
export class ConfigError extends NodePassError {
  constructor(
    readonly issues: readonly string[],
    code: ErrorCode = ERR.CONFIG_INVALID,
  ) {
    super(code, issues.join('; '))
  }
}

const errnoOf = (e: unknown): string | undefined => {
  const c = (e as { code?: unknown } | null)?.code
  return typeof c === 'string' && !c.startsWith('NP_ERR_') ? c : undefined
}

const TLS_UNTRUSTED_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID', 'CERT_REVOKED', 'CERT_SIGNATURE_FAILURE', 'CERT_REJECTED',
])

/** The code an errno (or TLS/HTTP parser code) stands for whatever was being done, if any. */
function codeOfErrno(errno: string): ErrorCode | undefined {
  if (errno === 'EMFILE' || errno === 'ENFILE') return ERR.FD_LIMIT
  if (TLS_UNTRUSTED_CODES.has(errno)) return ERR.TLS_UNTRUSTED
  if (errno === 'ERR_TLS_CERT_ALTNAME_INVALID') return ERR.TLS_NAME_MISMATCH
  if (errno.startsWith('HPE_') || errno === 'ERR_SSL_WRONG_VERSION_NUMBER' || errno === 'ERR_SSL_PACKET_LENGTH_TOO_LONG')
    return ERR.PROTOCOL_MISMATCH
  return undefined
}

/** Errnos whose meaning depends on what failed: connecting or listening. */
const DIAL_ERRNO: Readonly<Record<string, ErrorCode>> = {
  ECONNREFUSED: ERR.TARGET_REFUSED,
  EHOSTUNREACH: ERR.TARGET_UNREACHABLE,
  ENETUNREACH: ERR.TARGET_UNREACHABLE,
  EHOSTDOWN: ERR.TARGET_UNREACHABLE,
  ENETDOWN: ERR.TARGET_UNREACHABLE,
  ETIMEDOUT: ERR.TARGET_TIMEOUT,
  ENOTFOUND: ERR.DNS_FAILED,
  EAI_AGAIN: ERR.DNS_FAILED,
  EAI_FAIL: ERR.DNS_FAILED,
  EAI_NONAME: ERR.DNS_FAILED,
}
const BIND_ERRNO: Readonly<Record<string, ErrorCode>> = {
  EADDRINUSE: ERR.PORT_IN_USE,
  EACCES: ERR.BIND_DENIED,
  EPERM: ERR.BIND_DENIED,
}

/** Codes that only say which step failed; a cause with a known errno tells the user more. */
const GENERIC: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ERR.DIAL_FAILED, ERR.BIND_FAILED, ERR.HANDSHAKE_FAILED, ERR.CONTROL_LOST, ERR.POOL_TIMEOUT, ERR.INTERNAL,
])

/** The codes refineCode() can produce from a cause (these count as used by the docs test). */
export const REFINED_CODES: readonly ErrorCode[] = [
  ...new Set([ERR.FD_LIMIT, ERR.TLS_UNTRUSTED, ERR.TLS_NAME_MISMATCH, ERR.PROTOCOL_MISMATCH, ...Object.values(DIAL_ERRNO), ...Object.values(BIND_ERRNO)]),
]

/** The most specific code for `code` given its cause chain (see NodePassError's constructor). */
export function refineCode(code: ErrorCode, cause: unknown): ErrorCode {
  if (!GENERIC.has(code)) return code
  let cur = cause
  for (let depth = 0; cur !== undefined && cur !== null && depth < 8; depth++) {
    if (cur instanceof NodePassError && !GENERIC.has(cur.code)) return cur.code
    const errno = errnoOf(cur)
    if (errno !== undefined) {
      const found = codeOfErrno(errno) ?? (code === ERR.BIND_FAILED ? BIND_ERRNO[errno] : DIAL_ERRNO[errno])
      if (found !== undefined) return found
    }
    cur = (cur as { cause?: unknown }).cause
  }
  return code
}

/** Code, message and hint of any error: a NodePassError as it is, anything else classified by its errno. */
export function errorInfo(err: unknown, fallback: ErrorCode = ERR.INTERNAL): ErrorInfo {
  if (err instanceof NodePassError) return { code: err.code, message: describeError(err), hint: err.hint }
  const code = refineCode(fallback, err)
  return { code, message: describeError(err), hint: HINTS[code] }
}

/** The text a log line carries for an error: `<message> [<code>] hint: <hint>`. */
export function formatErrorInfo(info: ErrorInfo): string {
  return `${info.message} [${info.code}] hint: ${info.hint}`
}

/** `formatErrorInfo(errorInfo(err, fallback))`: what follows `Server error: ` and the other error lines. */
export function explainError(err: unknown, fallback: ErrorCode = ERR.INTERNAL): string {
  return formatErrorInfo(errorInfo(err, fallback))
}

/** The cause chain of an error as one line: `outer: inner: innermost`. */
export function describeError(err: unknown): string {
  const parts: string[] = []
  let cur: unknown = err
  for (let depth = 0; cur !== undefined && cur !== null && depth < 8; depth++) {
    if (cur instanceof Error) {
      const code = (cur as NodeJS.ErrnoException).code
      const msg = cur.message || (typeof code === 'string' ? code : cur.name)
      if (!parts.some((p) => p.includes(msg))) parts.push(msg)
      cur = cur.cause
    } else {
      parts.push(typeof cur === 'string' ? cur : inspect(cur))
      break
    }
  }
  return parts.join(': ') || 'unknown error'
}
