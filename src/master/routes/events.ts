// /events: the SSE stream (D14).
import { methodNotAllowed } from '../api-error.js'
import type { RouteContext } from '../context.js'
import { CORS_HEADERS } from '../http-util.js'

export function eventsRoute(ctx: RouteContext): void {
  if (ctx.req.method !== 'GET') throw methodNotAllowed()
  ctx.deps.bus.subscribe(ctx.res, CORS_HEADERS, ctx.deps.manager.list())
}
