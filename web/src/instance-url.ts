// Instance URLs in the dashboard: built from the create form's fields, split for display, the key hidden, and the
// API's `issues` mapped back to the form's fields. Pure (no DOM): the unit tests compile it with the server's tsconfig.
import { PARAMS } from '../../src/url/params.js'
import type { InstanceView } from '../../src/master/types.js'

export type Role = Exclude<InstanceView['type'], ''>

/** `role://[key@]tunnel/target?p=v&…`: the key and values URL-encoded, parameters of other roles and empty ones left out. */
export function buildUrl(role: Role, tkey: string, tunnel: string, target: string, params: Readonly<Record<string, string>>): string {
  const q = PARAMS.filter((p) => p.scopes.includes(role) && (params[p.name] ?? '') !== '')
    .map((p) => `${p.name}=${encodeURIComponent(params[p.name] ?? '')}`)
    .join('&')
  const auth = tkey === '' ? '' : `${encodeURIComponent(tkey)}@`
  return `${role}://${auth}${tunnel.trim()}/${target.trim()}${q === '' ? '' : `?${q}`}`
}

export interface UrlParts {
  scheme: string
  key: string
  tunnel: string
  target: string
  query: string
}

/** `scheme://[key@]tunnel/target?query` split without URL() (which rejects some tunnel forms); anything else is all tunnel. */
export function splitUrl(url: string): UrlParts {
  const m = /^([a-z]+):\/\/([^/?]*)(\/[^?]*)?(?:\?(.*))?$/i.exec(url)
  if (!m) return { scheme: '', key: '', tunnel: url, target: '', query: '' }
  const auth = m[2] ?? ''
  const at = auth.lastIndexOf('@')
  return {
    scheme: m[1] ?? '',
    key: at >= 0 ? auth.slice(0, at) : '',
    tunnel: at >= 0 ? auth.slice(at + 1) : auth,
    target: (m[3] ?? '').slice(1),
    query: m[4] ?? '',
  }
}

/** The URL with its tunnel key shown as `***` (what the page displays). */
export const hideKey = (url: string): string => url.replace(/^([a-z]+:\/\/)[^@/]*@/, '$1***@')

/** The API's names for the form's own fields, as its `issues` start (`<name>: <problem>`). */
const FIELD_OF_ISSUE: Readonly<Record<string, string>> = {
  'tunnel address': 'tunnel',
  'tunnel key': 'tkey',
  targets: 'target',
  target: 'target',
}

/** A 400's `issues` by form field (tunnel, tkey, target or a parameter name); issues naming no field are left out. */
export function issueFields(issues: readonly string[]): Record<string, string> {
  const map = new Map<string, string>()
  for (const issue of issues) {
    const c = issue.indexOf(':')
    const name = c > 0 ? issue.slice(0, c) : ''
    const field = Object.hasOwn(FIELD_OF_ISSUE, name) ? FIELD_OF_ISSUE[name]! : PARAMS.some((p) => p.name === name) ? name : ''
    if (field === '') continue
    const before = map.get(field)
    map.set(field, before === undefined ? issue : `${before}; ${issue}`)
  }
  return Object.fromEntries(map)
}
