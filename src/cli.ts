// The only place that reads argv and env, prints banners and calls process.exit.
import { homedir } from 'node:os'
import { join } from 'node:path'
import { readTunables, type Tunables } from './env.js'
import { describeError } from './errors.js'
import { startMaster } from './master/index.js'
import { parseUrl } from './url/parse.js'
import type { MasterConfig } from './url/types.js'

const USAGE = `Usage: nodepass <url>
  nodepass "server://[key@]host:port/target[,target...]?params"
  nodepass "client://[key@]server:port/target[,target...]?params"
  nodepass "master://host:port[/prefix]?log=&tls=&crt=&key="
See README.md for every parameter.`

/** NP_STATE_DIR, else ${XDG_STATE_HOME:-$HOME/.local/state}/nodepass (independent of the working directory). */
export function stateDirFrom(env: NodeJS.ProcessEnv): string {
  if (env.NP_STATE_DIR) return env.NP_STATE_DIR
  const xdg = env.XDG_STATE_HOME
  return join(xdg ? xdg : join(env.HOME ?? homedir(), '.local', 'state'), 'nodepass')
}

async function runMaster(config: MasterConfig, tunables: Tunables): Promise<void> {
  const master = await startMaster(config, { tunables, stateDir: stateDirFrom(process.env) })
  const lines = [
    'NodePass master is running',
    `  API:   ${master.apiUrl}  (also without /v1)`,
    `  Docs:  ${master.docsUrl}`,
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

async function main(argv: string[]): Promise<void> {
  const env = readTunables(process.env)
  if (!env.ok) {
    for (const issue of env.issues) console.error(`Error: ${issue}`)
    process.exit(1)
  }
  if (argv.length !== 1) {
    console.error(USAGE)
    process.exit(1)
  }
  const parsed = parseUrl(argv[0]!, { checkFiles: true })
  if (!parsed.ok) {
    for (const issue of parsed.issues) console.error(`Error: ${issue}`)
    process.exit(1)
  }
  for (const w of parsed.warnings) console.error(`Warning: ${w}`)
  if (parsed.config.role === 'master') {
    try {
      await runMaster(parsed.config, env.tunables)
    } catch (err) {
      console.error(`Error: ${describeError(err)}`)
      process.exit(1)
    }
  }
}

void main(process.argv.slice(2))
