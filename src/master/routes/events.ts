// /events: the SSE stream (D14).
import { methodNotAllowed } from '../api-error.js'
import type { RouteContext } from '../context.js'
import { CORS_HEADERS } from '../http-util.js'

export function eventsRoute(ctx: RouteContext): void {
  if (ctx.req.method !== 'GET') throw methodNotAllowed()
  const last = ctx.req.headers['last-event-id']
  ctx.deps.bus.subscribe(ctx.res, CORS_HEADERS, () => ctx.deps.manager.list(), Array.isArray(last) ? last[0] : last)
}
