// TEMPORARY SHIM (master branch): replaced by the URL helper's formatter when it lands on main.
export interface Inherit {
  log: string
  tls: string
  crt: string
  key: string
}

const SAFE = /[A-Za-z0-9\-_.~]/
function esc(s: string): string {
  let out = ''
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b)
    out += SAFE.test(c) ? c : c === ' ' ? '+' : '%' + b.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

export function formatQuery(q: URLSearchParams): string {
  const keys = [...new Set(q.keys())].sort()
  const parts: string[] = []
  for (const k of keys) for (const v of q.getAll(k)) parts.push(`${esc(k)}=${esc(v)}`)
  return parts.join('&')
}

function split(url: string): { base: string; q: URLSearchParams; scheme: string } {
  const i = url.indexOf('?')
  const base = i < 0 ? url : url.slice(0, i)
  const q = new URLSearchParams(i < 0 ? '' : url.slice(i + 1))
  return { base, q, scheme: base.slice(0, base.indexOf(':')).toLowerCase() }
}
function fill(q: URLSearchParams, k: string, v: string): void {
  if ((q.get(k) ?? '') === '') q.set(k, v)
}
function inherit(scheme: string, q: URLSearchParams, m: Inherit): void {
  if (m.log !== '') fill(q, 'log', m.log)
  if (scheme === 'server' && m.tls !== '0') {
    fill(q, 'tls', m.tls)
    if (m.tls === '2') {
      if (m.crt !== '') fill(q, 'crt', m.crt)
      if (m.key !== '') fill(q, 'key', m.key)
    }
  }
}
function join(base: string, q: URLSearchParams): string {
  const s = formatQuery(q)
  return s === '' ? base : `${base}?${s}`
}

export function enhanceUrl(url: string, m: Inherit): string {
  const { base, q, scheme } = split(url)
  inherit(scheme, q, m)
  return join(base, q)
}

export function configUrl(url: string, m: Inherit): string {
  const { base, q, scheme } = split(url)
  inherit(scheme, q, m)
  const d: Record<string, string> =
    scheme === 'client'
      ? { dns: '5m0s', sni: 'none', min: '64', mode: '0', proxy: '0', block: '0', notcp: '0', noudp: '0', dial: 'auto', read: '0s', rate: '0', slot: '65536' }
      : { dns: '5m0s', max: '1024', type: '0', mode: '0', proxy: '0', block: '0', notcp: '0', noudp: '0', dial: 'auto', read: '0s', rate: '0', slot: '65536' }
  for (const [k, v] of Object.entries(d)) fill(q, k, v)
  return join(base, q)
}
