// The master's HTTP errors: upstream's message in `error`, plus a stable `code` (documented in docs/master.md).
export const API_ERR = {
  BAD_REQUEST: 'NP_ERR_BAD_REQUEST',
  CONFIG_INVALID: 'NP_ERR_CONFIG_INVALID',
  UNAUTHORIZED: 'NP_ERR_UNAUTHORIZED',
  FORBIDDEN: 'NP_ERR_FORBIDDEN',
  NOT_FOUND: 'NP_ERR_INSTANCE_NOT_FOUND',
  METHOD_NOT_ALLOWED: 'NP_ERR_METHOD_NOT_ALLOWED',
  CONFLICT: 'NP_ERR_CONFLICT',
  BODY_TOO_LARGE: 'NP_ERR_BODY_TOO_LARGE',
  INTERNAL: 'NP_ERR_INTERNAL',
} as const
export type ApiErrorCode = (typeof API_ERR)[keyof typeof API_ERR]

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export const badRequest = (msg: string, extra: Record<string, unknown> = {}): ApiError =>
  new ApiError(400, API_ERR.BAD_REQUEST, msg, extra)
export const invalidBody = (): ApiError => badRequest('Invalid request body')
export const notFound = (): ApiError => new ApiError(404, API_ERR.NOT_FOUND, 'Instance not found')
export const methodNotAllowed = (): ApiError => new ApiError(405, API_ERR.METHOD_NOT_ALLOWED, 'Method not allowed')
export const forbiddenKey = (): ApiError => new ApiError(403, API_ERR.FORBIDDEN, 'Forbidden: API Key')
