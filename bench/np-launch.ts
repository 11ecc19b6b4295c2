// Interim NodePass launcher for the benchmark, used only while bin/nodepass cannot run server:// / client:// URLs
// itself: it understands the few URL parts the benchmark writes (key@host:port/targets?mode&tls&type&log&min&max)
// and runs the tunnel core (runTunnel) in this process. Usage: node dist/bench/np-launch.js <url>
import { runTunnel } from '../src/tunnel/run.js'
import { createLogger, type LogLevel } from '../src/log.js'
import { readTunables } from '../src/env.js'
import { defaultTunnelKey } from '../src/tunnel/protocol.js'
import { POOL_KIND_BY_CODE, type HostPort, type TunnelConfig } from '../src/url/types.js'

function hostPort(s: string): HostPort {
  const i = s.lastIndexOf(':')
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) }
}

function parse(raw: string): TunnelConfig {
  const u = new URL(raw)
  const q = u.searchParams
  const role = u.protocol.replace(/:$/, '')
  if (role !== 'server' && role !== 'client') throw new Error(`unsupported scheme ${role}`)
  const tunnel = { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) }
  const key = decodeURIComponent(u.username)
  const m = Number(q.get('mode') ?? '0')
  if (m !== 0 && m !== 1 && m !== 2) throw new Error('mode must be 0, 1 or 2')
  const mode: 0 | 1 | 2 = m
  const common = {
    key: key !== '' ? key : defaultTunnelKey(u.port), keyIsDefault: key === '', tunnel,
    targets: decodeURIComponent(u.pathname.slice(1)).split(',').filter((t) => t !== '').map(hostPort),
    log: (q.get('log') ?? 'info') as LogLevel, dns: { ttlMs: 300000, servers: [] }, lbs: 'round-robin' as const,
    mode, dial: 'auto', readMs: 0, rate: 0, slot: Number(q.get('slot') ?? '65536'), proxy: false,
    block: { socks: false, http: false, tls: false }, notcp: false, noudp: false,
  }
  if (role === 'server') {
    const type = POOL_KIND_BY_CODE[Number(q.get('type') ?? '0')] ?? 'tcp'
    let tls = Number(q.get('tls') ?? '0')
    if ((type === 'quic' || type === 'h2') && tls === 0) tls = 1
    return { ...common, role, tls: tls === 1 ? { mode: 1 } : { mode: 0 }, max: Number(q.get('max') ?? '1024'), type }
  }
  return { ...common, role, sni: 'none', min: Number(q.get('min') ?? '64'), max: Number(q.get('max') ?? '1024') }
}

const env = readTunables(process.env)
if (!env.ok) {
  console.error(env.issues.join('\n'))
  process.exit(1)
}
let cfg: TunnelConfig
try {
  cfg = parse(process.argv[2] ?? '')
} catch (e) {
  console.error(`np-launch: ${(e as Error).message}`)
  process.exit(1)
}
const tunnel = runTunnel(cfg, { log: createLogger({ level: cfg.log, secrets: [cfg.key] }), tunables: env.tunables })
const stop = (): void => {
  const t = setTimeout(() => process.exit(0), 5000)
  void tunnel.close().then(() => { clearTimeout(t); process.exit(0) })
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
