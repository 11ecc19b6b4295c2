import { inspect } from 'node:util'

// Stable error codes (documented in docs/errors.md) and the error classes NodePass throws.
export const ERR = {
  CONFIG_INVALID: 'NP_ERR_CONFIG_INVALID',
  ENV_INVALID: 'NP_ERR_ENV_INVALID',
  DIAL_FAILED: 'NP_ERR_DIAL_FAILED',
  BIND_FAILED: 'NP_ERR_BIND_FAILED',
  AUTH_FAILED: 'NP_ERR_AUTH_FAILED',
  HANDSHAKE_FAILED: 'NP_ERR_HANDSHAKE_FAILED',
  POOL_TIMEOUT: 'NP_ERR_POOL_TIMEOUT',
  CONTROL_LOST: 'NP_ERR_CONTROL_LOST',
  VERIFY_FAILED: 'NP_ERR_VERIFY_FAILED',
  TLS_FAILED: 'NP_ERR_TLS_FAILED',
  TRANSPORT_UNAVAILABLE: 'NP_ERR_TRANSPORT_UNAVAILABLE',
  SLOT_LIMIT: 'NP_ERR_SLOT_LIMIT',
  INSTANCE_NOT_FOUND: 'NP_ERR_INSTANCE_NOT_FOUND',
  STATE_DAMAGED: 'NP_ERR_STATE_DAMAGED',
  CLOSED: 'NP_ERR_CLOSED',
} as const
export type ErrorCode = (typeof ERR)[keyof typeof ERR]

export class NodePassError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = new.target.name
  }
}

/** Every problem found in one piece of input, reported together. */
export class ConfigError extends NodePassError {
  constructor(readonly issues: readonly string[]) {
    super(ERR.CONFIG_INVALID, issues.join('; '))
  }
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
