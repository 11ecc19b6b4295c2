// The list's and the log's filters. Pure (no DOM): the unit tests compile it with the server's tsconfig.
import type { InstanceView } from '../../src/master/types.js'
import { stripAnsi } from '../../src/ansi.js'
import { lineLevel } from './format.js'

/** A tag as one filter value: key and value joined by NUL, which neither can hold in a text field. */
export const tagKey = (k: string, v: string): string => `${k}\u0000${v}`
/** `k=v`, what the tag filter shows for a tagKey. */
export const tagLabel = (key: string): string => key.replace('\u0000', '=')

export interface ListFilter {
  /** Lower-case text found in the id, alias, URL or a `k=v` tag; '' for any. */
  text: string
  status: string
  type: string
  /** A tagKey, or '' for any. */
  tag: string
}

export function instanceMatches(i: InstanceView, f: ListFilter): boolean {
  if (f.status !== '' && i.status !== f.status) return false
  if (f.type !== '' && i.type !== f.type) return false
  if (f.tag !== '') {
    const nul = f.tag.indexOf('\u0000')
    const k = f.tag.slice(0, nul)
    if (nul < 0 || !Object.hasOwn(i.meta.tags, k) || i.meta.tags[k] !== f.tag.slice(nul + 1)) return false
  }
  if (f.text === '') return true
  const hay = `${i.id} ${i.alias} ${i.url} ${Object.entries(i.meta.tags).map(([k, v]) => `${k}=${v}`).join(' ')}`.toLowerCase()
  return hay.includes(f.text)
}

/** The log lines of `level` ('' for all) that hold `text` (lower case, '' for any), colour codes ignored. */
export function logLines(lines: readonly string[], level: string, text: string): string[] {
  return lines.filter((l) => {
    const plain = stripAnsi(l)
    if (level !== '' && lineLevel(plain) !== level) return false
    return text === '' || plain.toLowerCase().includes(text)
  })
}
