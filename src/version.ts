// The version reported in logs, certificates and the master's /info.
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

export const VERSION = embeddedText(ASSET.version) ?? readVersion()
