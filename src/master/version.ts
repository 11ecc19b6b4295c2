// The version reported by /info and the OpenAPI document: package.json's, else `dev`.
import { readFileSync } from 'node:fs'

let cached: string | undefined
export function nodepassVersion(): string {
  if (cached !== undefined) return cached
  cached = 'dev'
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'nodepass' && typeof pkg.version === 'string') {
        cached = pkg.version
        break
      }
    } catch {
      // try the next location
    }
  }
  return cached
}
