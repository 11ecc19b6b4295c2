// startMaster(config, deps): the master:// mode — state, instances, the HTTP(S) API and the periodic tasks.
import type { Tunables } from '../env.js'
import { stripAnsi } from '../ansi.js'
import { colourWanted, createLogger, stdoutSink, type Logger } from '../log.js'
import type { MasterConfig } from '../url/types.js'
import { joinHostPort } from '../url/address.js'
import { tlsCode as tlsCodeOf } from '../wire.js'
import { apiBases, buildApp } from './app.js'
import { EventBus } from './events.js'
import { TrafficHistory } from './history.js'
import type { InstanceApi } from './instance-api.js'
import { InstanceManager } from './instances.js'
import { MasterMetrics } from './metrics.js'
import { createApiServer, listen, type ApiTimeouts } from './server.js'
import { StateStore } from './store.js'
import { VERSION } from '../version.js'

export interface MasterDeps {
  tunables: Tunables
  /** Directory of the state file (cli.ts: NP_STATE_DIR, else ${XDG_STATE_HOME:-~/.local/state}/nodepass). */
  stateDir: string
  log?: Logger
  /** Receives instance log lines as `<line> [<id>]`; default: stdout. */
  echo?: (line: string) => void
  /** Module exporting `runTunnel`; tests may substitute a stand-in. */
  tunnelModule?: string
  /** SSE queue bound per subscriber, in bytes beyond its initial burst (default 2 MiB). */
  sseQueueBytes?: number
  sseHeartbeatMs?: number
  /** NP_METRICS_PUBLIC=1 (read by cli.ts): GET /metrics answers without an API key. */
  metricsPublic?: boolean
  /** NP_HISTORY_FLUSH (read by cli.ts): how often the traffic history is written; default 60 s. */
  historyFlushMs?: number
  /** Header and whole-request time limits of the API (default 20 s and 60 s). */
  apiTimeouts?: ApiTimeouts
}

export interface RunningMaster {
  /** e.g. `http://127.0.0.1:9090/api/v1` */
  readonly apiUrl: string
  readonly docsUrl: string
  /** The built-in dashboard, e.g. `http://127.0.0.1:9090/` */
  readonly dashboardUrl: string
  readonly port: number
  readonly stateFile: string
  /** Set on a first start only (the key is shown once). */
  readonly newApiKey: string | undefined
  /** Set when the main state file was damaged or missing and the backup was loaded. */
  readonly loadedBackup: string | undefined
  readonly manager: InstanceApi
  close(): Promise<void>
}

export const DEFAULT_TUNNEL_MODULE = new URL('../tunnel/run.js', import.meta.url).href

export async function startMaster(config: MasterConfig, deps: MasterDeps): Promise<RunningMaster> {
  const log = deps.log ?? createLogger({ level: config.log })
  const version = VERSION
  const bus = new EventBus({
    ...(deps.sseQueueBytes !== undefined ? { queueBytes: deps.sseQueueBytes } : {}),
    ...(deps.sseHeartbeatMs !== undefined ? { heartbeatMs: deps.sseHeartbeatMs } : {}),
  })
  const tlsCode = tlsCodeOf(config.tls.mode)
  const history = new TrafficHistory(deps.stateDir)
  const manager = new InstanceManager({
    history,
    tunables: deps.tunables,
    log,
    bus,
    inherit: { log: config.logRaw, tls: tlsCode, crt: config.crtRaw, key: config.keyRaw },
    echo: deps.echo ?? (colourWanted() ? (line) => stdoutSink(line, 'info') : (line) => stdoutSink(stripAnsi(line), 'info')),
    tunnelModule: deps.tunnelModule ?? DEFAULT_TUNNEL_MODULE,
  })
  const store = new StateStore(deps.stateDir, () => manager.snapshot())
  manager.attachStore(store)
  const loaded = await store.load()
  if (loaded.fromBackup)
    log.error(`STATE RECOVERY: ${loaded.fromBackup}; loaded the backup ${store.backupFile} instead`)
  const { created } = manager.restore(loaded.state)
  await store.save()
  // A good state at start is also the first backup, so a file damaged before the first periodic backup is survivable.
  if (!loaded.fromBackup) await store.backup()

  const startedAt = Date.now()
  const metrics = new MasterMetrics()
  const app = buildApp({
    config, tunables: deps.tunables, log, manager, bus, version, tlsCode, startedAt, metrics, history,
    metricsPublic: deps.metricsPublic ?? false,
  })
  const api = await createApiServer(config.tls, app, {
    reloadIntervalMs: deps.tunables.reloadIntervalMs,
    log,
    ...(deps.apiTimeouts !== undefined ? { timeouts: deps.apiTimeouts } : {}),
  })
  const addr = await listen(api.server, config.listen.host, config.listen.port)
  const scheme = config.tls.mode === 0 ? 'http' : 'https'
  const host = config.listen.host === '' || config.listen.host === '0.0.0.0' ? '127.0.0.1' : config.listen.host
  const base = `${scheme}://${joinHostPort(host, addr.port)}`
  const [v1] = apiBases(config.prefix)
  log.info(`Master API listening: ${base}${v1} (TLS code ${tlsCode}, state ${store.file})`)

  const monitor = setInterval(() => manager.monitorTick(), deps.tunables.reportIntervalMs)
  const historyTimer = setInterval(() => void history.flush(), deps.historyFlushMs ?? 60_000)
  historyTimer.unref()
  const periodic = setInterval(() => {
    store.backup().then(
      () => log.info(`State backed up: ${store.backupFile}`),
      (err: unknown) => log.error(`State backup failed: ${err instanceof Error ? err.message : String(err)}`),
    )
    void manager.restartErrored()
  }, deps.tunables.reloadIntervalMs)
  void manager.startAutoRestart()

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(monitor)
      clearInterval(periodic)
      clearInterval(historyTimer)
      bus.close()
      await manager.close()
      await history.close().catch((err: unknown) => log.error(`History flush failed: ${err instanceof Error ? err.message : String(err)}`))
      await store.save().then(
        () => log.info(`Instances saved: ${store.file}`),
        (err: unknown) => log.error(`Final save failed: ${err instanceof Error ? err.message : String(err)}`),
      )
      await api.close()
      metrics.close()
    })()
    return closing
  }

  return {
    apiUrl: `${base}${v1}`,
    docsUrl: `${base}${config.prefix}/docs`,
    dashboardUrl: `${base}/`,
    port: addr.port,
    stateFile: store.file,
    newApiKey: created ? manager.apiKey : undefined,
    loadedBackup: loaded.fromBackup,
    manager,
    close,
  }
}
