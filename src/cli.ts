// The only place that reads argv and env, prints banners and calls process.exit.
import { readObservabilityEnv, readTunables, type ObservabilityEnv, type Tunables } from './env.js'
import { parseUrl } from './url/parse.js'
import { joinHostPort } from './url/address.js'
import type { AnyConfig, TunnelConfig } from './url/types.js'
import { createLogger } from './log.js'
import { ERR, HINTS, describeError, errorInfo, type ErrorCode } from './errors.js'
import { runTunnel } from './tunnel/run.js'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { MasterConfig } from './url/types.js'
import { API_VERSION, VERSION, versionLine } from './version.js'

const USAGE = `Usage: nodepass <url>
  nodepass "server://[key@]host:port/target[,target...]?params"
  nodepass "client://[key@]server:port/target[,target...]?params"
  nodepass "master://host:port[/prefix]?log=&tls=&crt=&key="
  nodepass --version
See README.md for every parameter.`

/** Everything a mode needs to start: the frozen config, the NP_* tunables and the parse warnings to log as WARN. */
export interface Startup {
  readonly config: AnyConfig
  readonly tunables: Tunables
  readonly warnings: readonly string[]
  readonly obs: ObservabilityEnv
}

/** Prints every problem, then the code and hint of each kind of problem (docs/errors.md), and exits 1. */
function fail(issues: readonly string[], codes: readonly ErrorCode[] = []): never {
  for (const issue of issues) console.error(`Error: ${issue}`)
  for (const code of codes) console.error(`[${code}] hint: ${HINTS[code]}`)
  process.exit(1)
}

function main(argv: string[]): void {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    console.log(versionLine())
    process.exit(0)
  }
  const env = readTunables(process.env)
  const obs = readObservabilityEnv(process.env)
  const envIssues = [...(env.ok ? [] : env.issues), ...(obs.ok ? [] : obs.issues)]
  if (argv.length !== 1) {
    for (const issue of envIssues) console.error(`Error: ${issue}`)
    if (envIssues.length > 0) console.error(`[${ERR.ENV_INVALID}] hint: ${HINTS[ERR.ENV_INVALID]}`)
    console.error(USAGE)
    process.exit(1)
  }
  const parsed = parseUrl(argv[0]!)
  const issues = [...envIssues, ...(parsed.ok ? [] : parsed.issues)]
  const codes: ErrorCode[] = [...(env.ok && obs.ok ? [] : [ERR.ENV_INVALID]), ...(parsed.ok ? [] : [parsed.code])]
  if (issues.length > 0 || !env.ok || !obs.ok || !parsed.ok) fail(issues, codes)
  const startup: Startup = { config: parsed.config, tunables: env.tunables, warnings: parsed.warnings, obs: obs.obs }
  dispatch(startup)
}

function dispatch(startup: Startup): void {
  const { config } = startup
  switch (config.role) {
    case 'server':
    case 'client':
      return runTunnelProcess(config, startup)
    case 'master':
      runMaster(config, startup).catch((err: unknown) => fail([describeError(err)], [errorInfo(err).code]))
      return
  }
}

/** NP_STATE_DIR, else ${XDG_STATE_HOME:-$HOME/.local/state}/nodepass (independent of the working directory). */
export function stateDirFrom(env: NodeJS.ProcessEnv): string {
  if (env.NP_STATE_DIR) return env.NP_STATE_DIR
  const xdg = env.XDG_STATE_HOME
  return join(xdg ? xdg : join(env.HOME ?? homedir(), '.local', 'state'), 'nodepass')
}

/** A master:// process: banner (API, docs, state file, and the API key on a first start only), graceful shutdown. */
async function runMaster(config: MasterConfig, startup: Startup): Promise<void> {
  const tunables = startup.tunables
  for (const w of startup.warnings) console.error(`Warning: ${w}`)
  // Loaded only for master:// (HTTP API, worker threads, store): a tunnel process never pays for it.
  const { startMaster } = await import('./master/index.js')
  const master = await startMaster(config, {
    tunables,
    stateDir: stateDirFrom(process.env),
    metricsPublic: startup.obs.metricsPublic,
    historyFlushMs: startup.obs.historyFlushMs,
  })
  const lines = [
    'NodePass master is running',
    `  Version: ${VERSION} (NodePass API ${API_VERSION}; /info reports ver=${API_VERSION}, release=${VERSION})`,
    `  API:   ${master.apiUrl}  (also without /v1)`,
    `  Docs:  ${master.docsUrl}`,
    `  Dashboard: ${master.dashboardUrl}`,
    `  State: ${master.stateFile}`,
  ]
  if (master.loadedBackup) lines.push(`  WARNING: ${master.loadedBackup}; the backup was loaded`)
  if (master.newApiKey !== undefined)
    lines.push(`  API key (first start; shown only this once, send it as X-API-Key): ${master.newApiKey}`)
  console.log(lines.join('\n'))
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    const timer = setTimeout(() => {
      console.error(`Master shutdown error: timed out after ${tunables.shutdownTimeoutMs} ms (${signal})`)
      process.exit(1)
    }, tunables.shutdownTimeoutMs)
    timer.unref()
    master.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`Master shutdown error: ${describeError(err)}`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

/** A server:// or client:// process: run the tunnel, stop cleanly on SIGINT/SIGTERM within NP_SHUTDOWN_TIMEOUT. */
function runTunnelProcess(config: TunnelConfig, startup: Startup): void {
  const log = createLogger({ level: config.log, secrets: [config.key] })
  if (config.log !== 'info' && config.log !== 'none') log[config.log](`Init log level: ${config.log.toUpperCase()}`)
  for (const w of startup.warnings) log.warn(w)
  const tunnel = runTunnel(config, { log, tunables: startup.tunables })
  const Role = config.role === 'server' ? 'Server' : 'Client'
  const metricsAddr = startup.obs.metricsAddr
  if (metricsAddr) {
    // Loaded only when asked for: a tunnel process without NP_METRICS_ADDR never pays for it.
    import('./master/standalone-metrics.js')
      .then(({ serveTunnelMetrics }) => serveTunnelMetrics(metricsAddr, config.role, () => tunnel.stats()))
      .then(
        (m) => log.info(`Metrics listening: http://${joinHostPort(metricsAddr.host || '0.0.0.0', m.port)}/metrics`),
        (err: unknown) => log.error(`Metrics listener failed: ${describeError(err)}`),
      )
  }
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info(`${Role} shutting down (${signal})`)
    const timer = setTimeout(() => {
      log.error(`${Role} shutdown error: timeout after ${startup.tunables.shutdownTimeoutMs}ms`)
      process.exit(1)
    }, startup.tunables.shutdownTimeoutMs)
    timer.unref()
    tunnel.close().then(
      () => {
        log.info(`${Role} shutdown complete`)
        process.exit(0)
      },
      (err: unknown) => {
        log.error(`${Role} shutdown error: ${describeError(err)}`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('uncaughtException', (err) => {
    log.error(`${Role} internal error: ${describeError(err)}${err.stack ? `\n${err.stack}` : ''}`)
    process.exit(1)
  })
}

main(process.argv.slice(2))
