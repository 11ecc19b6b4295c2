// The built-in dashboard (docs/dashboard.md): static files from web/dist at `/` of the master's address, outside the API
// prefix and without auth (the page holds no secret; it signs in with the API key like any other API client).
import { readFile, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ASSET, embeddedAsset, isSingleExecutable } from '../../embedded.js'

/** dist/src/master/routes/dashboard.js → <package>/web/dist (the single executable serves its embedded copy) */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../../web/dist/', import.meta.url))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

const META = '<meta name="np-api-prefix" content="/api">'
const metaTag = (prefix: string): string =>
  `<meta name="np-api-prefix" content="${prefix.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}">`

async function readIfFile(file: string): Promise<Buffer | undefined> {
  try {
    if (!(await stat(file)).isFile()) return undefined
  } catch {
    return undefined
  }
  return readFile(file)
}

/**
 * Answers GET/HEAD for `path` (already percent-decoded) from `dir`; false when there is no such file (the caller
 * sends its 404). `..` segments, NUL bytes, dot-files and anything resolving outside `dir` are never served.
 */
export async function dashboardRoute(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  prefix: string,
  dir = DASHBOARD_DIR,
): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false
  const rel = path === '/' ? 'index.html' : path.slice(1)
  if (rel === '' || rel.includes('\0') || rel.includes('\\')) return false
  if (rel.split('/').some((s) => s === '' || s === '..' || s.startsWith('.'))) return false
  const root = resolve(dir)
  const file = resolve(join(root, rel))
  if (!file.startsWith(root + sep)) return false
  const type = TYPES[extname(file)]
  if (type === undefined) return false
  let body = dir === DASHBOARD_DIR && isSingleExecutable() ? embeddedAsset(ASSET.web(rel)) : await readIfFile(file)
  if (body === undefined) return false
  // The page finds the API under the configured prefix through this one meta tag.
  if (rel === 'index.html') body = Buffer.from(body.toString('utf8').replace(META, metaTag(prefix)))
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': body.length,
    'X-Content-Type-Options': 'nosniff',
    // Vite names assets by content hash; the page itself must always be fresh.
    'Cache-Control': rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  })
  res.end(req.method === 'HEAD' ? undefined : body)
  return true
}
