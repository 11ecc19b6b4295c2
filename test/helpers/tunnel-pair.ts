// Starts in-process tunnels (runTunnel) for end-to-end parameter tests and waits until they carry traffic.
import type { TestContext } from 'node:test'
import { runTunnel } from '../../src/tunnel/run.js'
import type { RunningTunnel } from '../../src/tunnel/types.js'
import type { ClientConfig, ServerConfig } from '../../src/url/types.js'
import type { Tunables } from '../../src/env.js'
import type { LogLevel } from '../../src/log.js'
import { memLogger, testTunables } from './config.js'
import { until } from './net.js'

export interface Running {
  readonly tunnel: RunningTunnel
  readonly lines: string[]
}

export function start(t: TestContext, cfg: ServerConfig | ClientConfig, tunables?: Partial<Tunables>, level: LogLevel = 'debug'): Running {
  const log = memLogger(level, cfg.role === 'server' ? 'S ' : 'C ')
  const tunnel = runTunnel(cfg, { log, tunables: testTunables(tunables) })
  t.after(() => tunnel.close())
  return { tunnel, lines: log.lines }
}

/** A server and a client; resolves once both ends completed the handshake. */
export async function startPair(
  t: TestContext,
  server: ServerConfig,
  client: ClientConfig,
  tunables?: Partial<Tunables>,
): Promise<{ server: Running; client: Running }> {
  const s = start(t, server, tunables)
  const c = start(t, client, tunables)
  const done = (r: Running): boolean => r.lines.some((l) => l.includes('Marking tunnel handshake as complete'))
  await until(() => done(s) && done(c), 15_000, 'tunnel handshake')
  return { server: s, client: c }
}

/** A single-end client (mode 1); resolves once it serves (its first CHECK_POINT). */
export async function startSingle(t: TestContext, client: ClientConfig, tunables?: Partial<Tunables>): Promise<Running> {
  const c = start(t, { ...client, mode: 1 }, tunables)
  await until(() => c.lines.some((l) => l.includes('CHECK_POINT')), 15_000, 'single-end ready')
  return c
}
