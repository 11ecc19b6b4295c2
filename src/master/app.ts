// buildApp(deps) → a node:http request handler: route matching, CORS/OPTIONS, auth and error mapping.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { API_ERR, ApiError } from './api-error.js'
import { checkApiKey } from './auth.js'
import type { AppDeps, RouteContext } from './context.js'
import { CORS_HEADERS, sendError } from './http-util.js'
import { dashboardRoute } from './routes/dashboard.js'
import { docsAssetRoute, docsRoute, openApiRoute } from './routes/docs.js'
import { eventsRoute } from './routes/events.js'
import { infoRoute } from './routes/info.js'
import { metricsRoute } from './routes/metrics.js'
import { allTrafficRoute, instanceTrafficRoute } from './routes/traffic.js'
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

/** `metrics` is `auth` unless the master was started with NP_METRICS_PUBLIC=1. */
type RouteKind = 'public' | 'auth' | 'metrics'
type RouteRun = (ctx: RouteContext) => Promise<void> | void
type Route = { kind: RouteKind; template: string; run: RouteRun } | undefined

/** The routes without a path parameter; the path is their metrics template too. */
const EXACT: Readonly<Record<string, { kind: RouteKind; run: RouteRun }>> = {
  '/instances': { kind: 'auth', run: instancesRoute },
  '/events': { kind: 'auth', run: eventsRoute },
  '/info': { kind: 'auth', run: infoRoute },
  '/tcping': { kind: 'auth', run: tcpingRoute },
  '/metrics': { kind: 'metrics', run: metricsRoute },
  '/traffic': { kind: 'auth', run: allTrafficRoute },
  '/openapi.json': { kind: 'public', run: openApiRoute },
  '/docs': { kind: 'public', run: docsRoute },
}

function match(rest: string): Route {
  const exact = Object.hasOwn(EXACT, rest) ? EXACT[rest] : undefined
  if (exact) return { ...exact, template: rest }
  const traffic = /^\/instances\/([^/]+)\/traffic$/.exec(rest)
  if (traffic) return { kind: 'auth', template: '/instances/{id}/traffic', run: (ctx) => instanceTrafficRoute(ctx, traffic[1]!) }
  if (rest.startsWith('/instances/')) {
    const id = rest.slice('/instances/'.length)
    return { kind: 'auth', template: '/instances/{id}', run: (ctx) => instanceRoute(ctx, id) }
  }
  return undefined
}

/** Counts and times every request under its route template once the reply is complete (streams: counted only). */
function instrument(deps: AppDeps, req: IncomingMessage, res: ServerResponse, route: () => string): void {
  const t0 = process.hrtime.bigint()
  let done = false
  const finish = (timed: boolean): void => {
    if (done) return
    done = true
    const secs = timed ? Number(process.hrtime.bigint() - t0) / 1e9 : undefined
    deps.metrics.observeRequest(route(), req.method ?? '', res.statusCode, secs)
  }
  res.once('finish', () => finish(route() !== '/events'))
  res.once('close', () => finish(false))
}

export function buildApp(deps: AppDeps): RequestHandler {
  const bases = apiBases(deps.config.prefix)
  return (req, res) => {
    let template = 'other'
    instrument(deps, req, res, () => template)
    handle(req, res, (t) => (template = t)).catch((err: unknown) => {
      if (err instanceof ApiError) return sendError(res, err)
      deps.log.error(`API ${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
      sendError(res, new ApiError(500, API_ERR.INTERNAL, 'Internal server error'))
    })
  }

  async function handle(req: IncomingMessage, res: ServerResponse, routed: (template: string) => void): Promise<void> {
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
      if (rest.startsWith('/docs/')) {
        routed('/docs/{file}')
        if (await docsAssetRoute(ctx, rest.slice('/docs/'.length))) return
        routed('other')
      }
      const route = match(rest)
      if (!route) continue
      routed(route.template)
      if (req.method === 'OPTIONS') {
        res.writeHead(200, { ...CORS_HEADERS, 'Content-Length': 0 })
        res.end()
        return
      }
      if (route.kind === 'auth' || (route.kind === 'metrics' && !deps.metricsPublic)) checkApiKey(req, deps.manager.apiKey)
      await route.run(ctx)
      return
    }
    routed('dashboard')
    if (await dashboardRoute(req, res, path, deps.config.prefix)) return
    routed('other')
    notFoundPage(res)
  }
}
