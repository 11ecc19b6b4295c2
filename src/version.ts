// Two versions: our own release (package.json; banner, `--version`, certificates, /info `release`) and the Go NodePass
// API level we implement (/info `ver`, which the panels compare against their minimums). docs/master.md explains both.
import { readFileSync } from 'node:fs'
import { ASSET, embeddedText } from './embedded.js'

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown }
    return typeof pkg.version === 'string' ? pkg.version : 'dev'
  } catch {
    return 'dev'
  }
}

/** This implementation's release version, e.g. `0.1.0` (the single executable carries it as an asset). */
export const VERSION = embeddedText(ASSET.version) ?? readVersion()

/**
 * The Go NodePass release whose master API, URL syntax and wire protocol we implement, in Go's own `ver` format.
 * NodePassDash refuses to add a master below v1.10.0 and hides features below v1.4.0/v1.6.0.
 */
export const API_VERSION = 'v1.14.0'

/** One line for `nodepass --version` and the master's banner. */
export function versionLine(): string {
  return `nodepass ${VERSION} (NodePass API ${API_VERSION}, Node.js ${process.version})`
}
