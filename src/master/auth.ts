// API-key check (D12): the X-API-Key header (or `Authorization: Bearer <key>`, what Prometheus sends) against the
// current key, compared in constant time.
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { API_ERR, ApiError } from './api-error.js'

export function checkApiKey(req: IncomingMessage, key: string): void {
  if (key === '') return
  const raw = req.headers['x-api-key']
  const given = (Array.isArray(raw) ? raw[0] : raw) || bearer(req.headers.authorization)
  if (given === undefined || given === '')
    throw new ApiError(401, API_ERR.UNAUTHORIZED, 'Unauthorized: API key required')
  const a = Buffer.from(given, 'utf8')
  const b = Buffer.from(key, 'utf8')
  // Compare equal-length buffers always, so the time taken does not depend on where the inputs differ.
  const ok = a.length === b.length && timingSafeEqual(a, b)
  if (!ok) {
    if (a.length !== b.length) timingSafeEqual(b, b)
    throw new ApiError(401, API_ERR.UNAUTHORIZED, 'Unauthorized: Invalid API key')
  }
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), else undefined. */
function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? '')
  return m?.[1]
}
