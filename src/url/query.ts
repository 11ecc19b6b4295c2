// Query strings the way Go's net/url reads them (url.ParseQuery) — but strict: a `;` pair or a bad escape is an
// issue here instead of being dropped silently (D5).
import { percentDecode, quote } from './address.js'

export interface ParsedQuery {
  /** Values in order of appearance, per decoded name (insertion order = first appearance). */
  readonly values: Map<string, string[]>
  readonly issues: string[]
}

/** Lenient Go `url.ParseQuery`: skips empty segments, drops pairs with `;` or a bad escape. */
export function parseQueryLenient(raw: string): Map<string, string[]> {
  return readQuery(raw).values
}

/** Strict reading: the same values plus an issue for every pair Go would drop. */
export function readQuery(raw: string): ParsedQuery {
  const values = new Map<string, string[]>()
  const issues: string[] = []
  for (const pair of raw.split('&')) {
    if (pair === '') continue
    if (pair.includes(';')) {
      issues.push(`query: ";" is not a separator (use "&"), got ${quote(pair)}`)
      continue
    }
    const eq = pair.indexOf('=')
    const rawName = eq === -1 ? pair : pair.slice(0, eq)
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1)
    const name = percentDecode(rawName, true)
    const value = percentDecode(rawValue, true)
    if (name === undefined || value === undefined) {
      issues.push(`query: bad percent-encoding, got ${quote(pair)}`)
      continue
    }
    const list = values.get(name)
    if (list === undefined) values.set(name, [value])
    else list.push(value)
  }
  return { values, issues }
}
