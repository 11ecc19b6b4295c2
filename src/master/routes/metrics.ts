// /metrics: the Prometheus text exposition (docs/metrics.md).
import { methodNotAllowed } from '../api-error.js'
import type { RouteContext } from '../context.js'
import { CORS_HEADERS } from '../http-util.js'
import { PROM_CONTENT_TYPE } from '../prom.js'

export function metricsRoute(ctx: RouteContext): void {
  const { req, res, deps } = ctx
  if (req.method !== 'GET') throw methodNotAllowed()
  const text = deps.metrics.render({ rows: deps.manager.metricsRows(), sseSubscribers: deps.bus.size })
  res.writeHead(200, { ...CORS_HEADERS, 'Content-Type': PROM_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}
