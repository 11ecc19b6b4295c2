// /metrics: the Prometheus text exposition (docs/metrics.md).
import { methodNotAllowed } from '../api-error.js'
import type { RouteContext } from '../context.js'
import { CORS_HEADERS } from '../http-util.js'
import { PROM_CONTENT_TYPE } from '../prom.js'

export function metricsRoute(ctx: RouteContext): void {
  const { req, res, deps } = ctx
  if (req.method !== 'GET') throw methodNotAllowed()
  const h = deps.history
  const text = deps.metrics.render({
    rows: deps.manager.metricsRows(),
    sseSubscribers: deps.bus.size,
    extra: (exp) => {
      exp.family('nodepass_sse_resumes_total', 'counter',
        'Event-stream reconnects with Last-Event-ID: answered from the journal (replayed), or with an initial burst.')
      exp.sample('nodepass_sse_resumes_total', { result: 'replayed' }, deps.bus.resumes.replayed)
      exp.sample('nodepass_sse_resumes_total', { result: 'initial' }, deps.bus.resumes.initial)
      exp.family('nodepass_history_record_writes_total', 'counter', 'Traffic-history records written to disk.')
      exp.sample('nodepass_history_record_writes_total', undefined, h.stats.writes)
      exp.family('nodepass_history_flushes_total', 'counter', 'Background traffic-history flushes.')
      exp.sample('nodepass_history_flushes_total', undefined, h.stats.flushes)
      exp.family('nodepass_history_flush_seconds_total', 'counter', 'Time spent in traffic-history flushes.')
      exp.sample('nodepass_history_flush_seconds_total', undefined, h.stats.flushSeconds)
      exp.family('nodepass_history_disk_bytes', 'gauge', 'Size of the traffic-history files (fixed per instance).')
      exp.sample('nodepass_history_disk_bytes', undefined, h.diskBytes())
    },
  })
  res.writeHead(200, { ...CORS_HEADERS, 'Content-Type': PROM_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}
