// Small node:http helpers: CORS, JSON replies, bounded JSON body reading.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { NodePassError } from '../errors.js'
import { API_ERR, ApiError, invalidBody } from './api-error.js'

/** Request bodies larger than this are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 64 * 1024

export const CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, PATCH, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Authorization, X-API-Key, Cache-Control',
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const text = JSON.stringify(body) + '\n'
  res.writeHead(status, {
    ...CORS_HEADERS,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  })
  res.end(text)
}

export function sendNoContent(res: ServerResponse, status = 204): void {
  res.writeHead(status, { ...CORS_HEADERS })
  res.end()
}

/** `{"error": message, "code": code, "hint": hint}` (+ `issues` etc.) with the error's HTTP status. */
export function sendError(res: ServerResponse, err: NodePassError): void {
  const extra = err instanceof ApiError ? err.extra : {}
  sendJson(res, err.status, { error: err.message, code: err.code, hint: err.hint, ...extra })
}

/**
 * Reads the whole body (refusing more than `limit` bytes) as UTF-8 text. The Content-Type is not looked at: Go decodes
 * the body as JSON whatever it says, and `curl -d '{...}'` sends application/x-www-form-urlencoded.
 */
export async function readBodyText(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const tooLarge = (): ApiError =>
    new ApiError(413, API_ERR.BODY_TOO_LARGE, `Request body exceeds maximum size ${limit} bytes`)
  const declared = Number(req.headers['content-length'] ?? '0')
  if (Number.isFinite(declared) && declared > limit) throw tooLarge()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw tooLarge()
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** The body as a JSON object; anything else (empty, malformed, an array, a scalar) is `Invalid request body`. */
export async function readJsonObject(req: IncomingMessage): Promise<{ value: Record<string, unknown>; text: string }> {
  const text = await readBodyText(req)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw invalidBody()
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidBody()
  return { value: value as Record<string, unknown>, text }
}

/** A string field that may be absent; any other type is a decode error, as in Go. */
export function optString(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw invalidBody()
  return v
}

export function optBool(obj: Record<string, unknown>, key: string): boolean | undefined {
  const v = obj[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'boolean') throw invalidBody()
  return v
}

export function optObject(obj: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = obj[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidBody()
  return v as Record<string, unknown>
}
