// The only place that reads argv and env, prints banners and calls process.exit.
import { readTunables, type Tunables } from './env.js'
import { parseUrl } from './url/parse.js'
import type { AnyConfig } from './url/types.js'

const USAGE = `Usage: nodepass <url>
  nodepass "server://[key@]host:port/target[,target...]?params"
  nodepass "client://[key@]server:port/target[,target...]?params"
  nodepass "master://host:port[/prefix]?log=&tls=&crt=&key="
See README.md for every parameter.`

/** Everything a mode needs to start: the frozen config, the NP_* tunables and the parse warnings to log as WARN. */
export interface Startup {
  readonly config: AnyConfig
  readonly tunables: Tunables
  readonly warnings: readonly string[]
}

function fail(issues: readonly string[]): never {
  for (const issue of issues) console.error(`Error: ${issue}`)
  process.exit(1)
}

function main(argv: string[]): void {
  const env = readTunables(process.env)
  const envIssues = env.ok ? [] : env.issues
  if (argv.length !== 1) {
    for (const issue of envIssues) console.error(`Error: ${issue}`)
    console.error(USAGE)
    process.exit(1)
  }
  const parsed = parseUrl(argv[0]!)
  const issues = [...envIssues, ...(parsed.ok ? [] : parsed.issues)]
  if (issues.length > 0 || !env.ok || !parsed.ok) fail(issues)
  const startup: Startup = { config: parsed.config, tunables: env.tunables, warnings: parsed.warnings }
  dispatch(startup)
}

// TODO(dispatch): start the mode here — server/client (tunnel owners) and master (master owner) replace this stub.
// Each logs `startup.warnings` as WARN lines with its logger (secrets: [config.key]) before `Server started: ...`.
function dispatch(startup: Startup): void {
  fail([`${startup.config.role} mode is not implemented yet`])
}

main(process.argv.slice(2))
