// Builds tunnel configs in code for in-process tests (the URL grammar has its own tests).
import type { ClientConfig, ServerConfig, HostPort } from '../../src/url/types.js'
import { createLogger, type Logger, type LogLevel } from '../../src/log.js'
import { DEFAULT_TUNABLES, type Tunables } from '../../src/env.js'
import { stripAnsi } from '../../src/ansi.js'

const hp = (port: number, host = '127.0.0.1'): HostPort => ({ host, port })

const common = {
  key: 'test-key', keyIsDefault: false, log: 'info' as LogLevel, dns: { ttlMs: 300000, servers: [] },
  lbs: 'round-robin' as const, mode: 0 as const, dial: 'auto', readMs: 0, rate: 0, slot: 65536, proxy: false,
  block: { socks: false, http: false, tls: false }, notcp: false, noudp: false,
}

export function serverCfg(tunnelPort: number, targets: number[], extra: Partial<ServerConfig> = {}): ServerConfig {
  return { ...common, role: 'server', tunnel: hp(tunnelPort), targets: targets.map((p) => hp(p)), tls: { mode: 0 }, max: 1024, type: 'tcp', ...extra }
}

export function clientCfg(tunnelPort: number, targets: number[], extra: Partial<ClientConfig> = {}): ClientConfig {
  return { ...common, role: 'client', tunnel: hp(tunnelPort), targets: targets.map((p) => hp(p)), sni: 'none', min: 8, max: 1024, mode: 2, ...extra }
}

export function testTunables(over: Partial<Tunables> = {}): Tunables {
  return { ...DEFAULT_TUNABLES, serviceCooldownMs: 200, reportIntervalMs: 1000, ...over }
}

/** A logger that keeps lines (colour stripped) for assertions, and prints them when NP_TEST_LOG is set. */
export function memLogger(level: LogLevel = 'debug', prefix = ''): Logger & { lines: string[] } {
  const lines: string[] = []
  const log = createLogger({
    level,
    sink: (line) => {
      lines.push(stripAnsi(line))
      if (process.env.NP_TEST_LOG) process.stderr.write(prefix + line + '\n')
    },
  })
  return Object.assign(log, { lines })
}
