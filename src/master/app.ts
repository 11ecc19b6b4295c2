// buildApp(deps) → a node:http request handler: route matching, CORS/OPTIONS, auth and error mapping.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { API_ERR, ApiError } from './api-error.js'
import { checkApiKey } from './auth.js'
import type { AppDeps, RouteContext } from './context.js'
import { CORS_HEADERS, sendError } from './http-util.js'
import { docsAssetRoute, docsRoute, openApiRoute } from './routes/docs.js'
import { eventsRoute } from './routes/events.js'
import { infoRoute } from './routes/info.js'
import { instanceRoute, instancesRoute } from './routes/instances.js'
import { tcpingRoute } from './routes/tcping.js'

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void

function notFoundPage(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' })
  res.end('404 page not found\n')
}

/** Bases the API answers under (D10): `<prefix>/v1` first, then `<prefix>`. */
export function apiBases(prefix: string): string[] {
  return [`${prefix}/v1`, prefix]
}

type Route = { kind: 'public' | 'auth'; run: (ctx: RouteContext) => Promise<void> | void } | undefined

function match(rest: string): Route {
  switch (rest) {
    case '/instances':
      return { kind: 'auth', run: instancesRoute }
    case '/events':
      return { kind: 'auth', run: eventsRoute }
    case '/info':
      return { kind: 'auth', run: infoRoute }
    case '/tcping':
      return { kind: 'auth', run: tcpingRoute }
    case '/openapi.json':
      return { kind: 'public', run: openApiRoute }
    case '/docs':
      return { kind: 'public', run: docsRoute }
  }
  if (rest.startsWith('/instances/')) {
    const id = rest.slice('/instances/'.length)
    return { kind: 'auth', run: (ctx) => instanceRoute(ctx, id) }
  }
  return undefined
}

export function buildApp(deps: AppDeps): RequestHandler {
  const bases = apiBases(deps.config.prefix)
  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof ApiError) return sendError(res, err)
      deps.log.error(`API ${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
      sendError(res, new ApiError(500, API_ERR.INTERNAL, 'Internal server error'))
    })
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? '/'
    const q = raw.indexOf('?')
    let path: string
    try {
      path = decodeURIComponent(q < 0 ? raw : raw.slice(0, q))
    } catch {
      throw new ApiError(400, API_ERR.BAD_REQUEST, 'Invalid request path')
    }
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))
    for (const base of bases) {
      if (!path.startsWith(base + '/')) continue
      const rest = path.slice(base.length)
      const ctx: RouteContext = { req, res, base, deps, query }
      if (rest.startsWith('/docs/') && (await docsAssetRoute(ctx, rest.slice('/docs/'.length)))) return
      const route = match(rest)
      if (!route) continue
      if (req.method === 'OPTIONS') {
        res.writeHead(200, { ...CORS_HEADERS, 'Content-Length': 0 })
        res.end()
        return
      }
      if (route.kind === 'auth') checkApiKey(req, deps.manager.apiKey)
      await route.run(ctx)
      return
    }
    notFoundPage(res)
  }
}
