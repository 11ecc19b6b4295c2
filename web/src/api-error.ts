// A refused request as the dashboard sees it, and the one way to turn any error into text. Pure (no DOM): the unit
// tests compile it with the server's tsconfig.

/** A refused request: the HTTP status, and the error's message, stable code and one-line hint as the master sent them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly issues: string[],
    readonly hint = '',
  ) {
    super(message)
  }
}

/** The code of a request that never got an answer (the message says why). */
export const NETWORK = 'NETWORK'

/** A response body as JSON; undefined when it is empty or not JSON. */
export function jsonOf(body: string): unknown {
  try {
    return body === '' ? undefined : (JSON.parse(body) as unknown)
  } catch {
    return undefined
  }
}

/**
 * The error of a non-2xx answer from its body (docs/errors.md: `{"error", "code", "hint", "issues"}`); a body that
 * is not that JSON gives its own trimmed text, or the status text when it is empty.
 */
export function apiErrorOf(status: number, statusText: string, body: string): ApiError {
  const json = jsonOf(body)
  const o = (typeof json === 'object' && json !== null ? json : {}) as { error?: unknown; code?: unknown; hint?: unknown; issues?: unknown }
  const msg = typeof o.error === 'string' ? o.error : body.trim() || statusText
  const issues = Array.isArray(o.issues) ? o.issues.filter((x): x is string => typeof x === 'string') : []
  return new ApiError(status, msg, typeof o.code === 'string' ? o.code : '', issues, typeof o.hint === 'string' ? o.hint : '')
}

/** What the dashboard shows for any error: `message [CODE] — hint` when the master gave a code (and hint). */
export function errorText(err: unknown): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : String(err)
  if (err.code === '' || err.code === NETWORK) return err.message
  return `${err.message} [${err.code}]${err.hint !== '' ? ` — ${err.hint}` : ''}`
}

/** The API key was refused (wrong, or regenerated since): the dashboard signs out. */
export const isUnauthorized = (err: unknown): err is ApiError => err instanceof ApiError && err.status === 401
