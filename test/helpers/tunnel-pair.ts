// Starts in-process tunnels (runTunnel) for end-to-end parameter tests and waits until they carry traffic.
import type { TestContext } from 'node:test'
import { runTunnel } from '../../src/tunnel/run.js'
import type { RunningTunnel, TunnelState } from '../../src/tunnel/types.js'
import type { ClientConfig, ServerConfig } from '../../src/url/types.js'
import type { Tunables } from '../../src/env.js'
import type { LogLevel } from '../../src/log.js'
import { memLogger, testTunables } from './config.js'
import { until } from './net.js'

export interface Running {
  readonly tunnel: RunningTunnel
  readonly lines: string[]
  /** Every typed state the tunnel reported, in order. */
  readonly states: TunnelState[]
}

export function start(t: TestContext, cfg: ServerConfig | ClientConfig, tunables?: Partial<Tunables>, level: LogLevel = 'debug'): Running {
  const log = memLogger(level, cfg.role === 'server' ? 'S ' : 'C ')
  const states: TunnelState[] = []
  const tunnel = runTunnel(cfg, { log, tunables: testTunables(tunables), onState: (s) => states.push(s) })
  t.after(() => tunnel.close())
  return { tunnel, lines: log.lines, states }
}

/** Whether the tunnel serves users now (typed state ready or degraded). */
export const isReady = (r: Running): boolean => ['ready', 'degraded'].includes(r.tunnel.state().state)

/** A server and a client; resolves once both ends serve (after the fingerprint check with TLS). */
export async function startPair(
  t: TestContext,
  server: ServerConfig,
  client: ClientConfig,
  tunables?: Partial<Tunables>,
): Promise<{ server: Running; client: Running }> {
  const s = start(t, server, tunables)
  const c = start(t, client, tunables)
  await until(() => isReady(s) && isReady(c), 15_000, 'tunnel ready')
  return { server: s, client: c }
}

/** A single-end client (mode 1); resolves once it serves. */
export async function startSingle(t: TestContext, client: ClientConfig, tunables?: Partial<Tunables>): Promise<Running> {
  const c = start(t, { ...client, mode: 1 }, tunables)
  await until(() => isReady(c), 15_000, 'single-end ready')
  return c
}
