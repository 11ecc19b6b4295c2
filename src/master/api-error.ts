// The master's HTTP errors: the one NodePassError scheme (src/errors.ts) with the HTTP status as a property. The body
// is upstream's `{"error": message}` plus our stable `code` and its one-line `hint` (docs/errors.md).
import { ERR, NodePassError, type ErrorCode } from '../errors.js'

/** The codes the HTTP API answers with (a subset of ERR, kept under the names the routes use). */
export const API_ERR = {
  BAD_REQUEST: ERR.BAD_REQUEST,
  CONFIG_INVALID: ERR.CONFIG_INVALID,
  UNAUTHORIZED: ERR.UNAUTHORIZED,
  FORBIDDEN: ERR.FORBIDDEN,
  NOT_FOUND: ERR.INSTANCE_NOT_FOUND,
  METHOD_NOT_ALLOWED: ERR.METHOD_NOT_ALLOWED,
  CONFLICT: ERR.CONFLICT,
  BODY_TOO_LARGE: ERR.BODY_TOO_LARGE,
  INTERNAL: ERR.INTERNAL,
} as const
export type ApiErrorCode = ErrorCode

/** A NodePassError with an explicit HTTP status and extra body fields (e.g. `issues`). */
export class ApiError extends NodePassError {
  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code, message, { status })
  }
}

export const badRequest = (msg: string, extra: Record<string, unknown> = {}): ApiError =>
  new ApiError(400, API_ERR.BAD_REQUEST, msg, extra)
export const invalidBody = (): ApiError => badRequest('Invalid request body')
export const notFound = (): ApiError => new ApiError(404, API_ERR.NOT_FOUND, 'Instance not found')
export const methodNotAllowed = (): ApiError => new ApiError(405, API_ERR.METHOD_NOT_ALLOWED, 'Method not allowed')
export const forbiddenKey = (): ApiError => new ApiError(403, API_ERR.FORBIDDEN, 'Forbidden: API Key')
