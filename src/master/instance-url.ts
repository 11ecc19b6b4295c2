// Checks an instance URL for POST and PUT: the scheme first (upstream's message), then the tunnel parser's issues.
import { parseTunnelUrl } from '../url/parse.js'
import { ApiError, badRequest } from './api-error.js'

export function checkInstanceUrl(url: string): { type: 'server' | 'client' } {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase()
  if (scheme !== 'server' && scheme !== 'client') throw badRequest('Invalid URL scheme')
  const parsed = parseTunnelUrl(url, { checkFiles: true })
  if (!parsed.ok)
    // NP_ERR_CONFIG_INVALID, or NP_ERR_TLS_FILES when unreadable or mismatched crt/key files are the only problem
    throw new ApiError(400, parsed.code, `Invalid URL format: ${parsed.issues.join('; ')}`, {
      issues: parsed.issues,
    })
  return { type: scheme }
}
