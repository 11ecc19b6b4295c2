// The only place that reads argv and env, prints banners and calls process.exit.
import { readTunables } from './env.js'

const USAGE = `Usage: nodepass <url>
  nodepass "server://[key@]host:port/target[,target...]?params"
  nodepass "client://[key@]server:port/target[,target...]?params"
  nodepass "master://host:port[/prefix]?log=&tls=&crt=&key="
See README.md for every parameter.`

function main(argv: string[]): void {
  const env = readTunables(process.env)
  if (!env.ok) {
    for (const issue of env.issues) console.error(`Error: ${issue}`)
    process.exit(1)
  }
  if (argv.length !== 1) {
    console.error(USAGE)
    process.exit(1)
  }
}

main(process.argv.slice(2))
