// NP_METRICS_ADDR for a standalone server:// or client:// (no master): GET /metrics on that address with the same
// per-tunnel families the master reports (labels `type` and `mode`), plus the process figures. Off by default.
import { createServer, type Server } from 'node:http'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { TunnelStats } from '../tunnel/types.js'
import { writeProcessMetrics, writeTunnelMetrics } from './metrics.js'
import { Exposition, PROM_CONTENT_TYPE } from './prom.js'
import { listen } from './server.js'

export interface StandaloneMetrics {
  readonly port: number
  close(): Promise<void>
}

export async function serveTunnelMetrics(
  addr: { host: string; port: number },
  type: 'server' | 'client',
  stats: () => TunnelStats,
): Promise<StandaloneMetrics> {
  const eld = monitorEventLoopDelay({ resolution: 20 })
  eld.enable()
  const start = Math.floor(Date.now() / 1000 - process.uptime())
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
      res.end('404 page not found\n')
      return
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET' })
      res.end('Method not allowed\n')
      return
    }
    const s = stats()
    const exp = new Exposition()
    writeTunnelMetrics(exp, [{ labels: { type, mode: s.mode }, stats: s }])
    writeProcessMetrics(exp, eld, start)
    const text = exp.text()
    res.writeHead(200, { 'Content-Type': PROM_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) })
    res.end(text)
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  const info = await listen(server, addr.host, addr.port)
  return {
    port: info.port,
    close: () =>
      new Promise<void>((resolve) => {
        eld.disable()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
