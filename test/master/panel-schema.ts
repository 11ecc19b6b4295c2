// The panels' strict decoding rules as type-checking schemas, written from the facts of their sources (not their
// code): NodePassDash 4.0.5 decodes the master's replies with Go's encoding/json into the structs of
// internal/nodepass/client.go (InstanceResult, Meta, EndpointInfoResult, the tcping result) and internal/sse
// (SSEResp: type, time, instance, logs *string); models.Peer has three *string fields. Go fails the whole decode on a
// string where it wants a number, a fraction where it wants an integer, a number where it wants a string. On top of
// Go's rules we require what the panels assume without checking: every field present and non-null.
import assert from 'node:assert/strict'

export type Schema =
  | 'string'
  | 'int' // Go int / int64: an integer literal within ±2^53 (JSON.parse keeps those exact)
  | 'bool'
  | 'rfc3339' // a string time.Parse(time.RFC3339, …) accepts
  | { object: Record<string, Schema> }
  | { map: Schema }
  | { nullable: Schema }
  | { oneOf: readonly string[] }

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/

/** Throws (with the JSON path) unless `value` decodes into `schema` under the rules above. */
export function decodeStrict(value: unknown, schema: Schema, path = '$'): void {
  if (typeof schema === 'object' && 'nullable' in schema) {
    if (value === null) return
    return decodeStrict(value, schema.nullable, path)
  }
  assert.ok(value !== null && value !== undefined, `${path}: missing or null`)
  if (schema === 'string' || schema === 'rfc3339') {
    assert.equal(typeof value, 'string', `${path}: want a JSON string, got ${JSON.stringify(value)}`)
    if (schema === 'rfc3339') assert.match(value as string, RFC3339, `${path}: not RFC 3339`)
    return
  }
  if (schema === 'int') {
    assert.equal(typeof value, 'number', `${path}: want a JSON number, got ${JSON.stringify(value)}`)
    assert.ok(Number.isSafeInteger(value), `${path}: want an integer, got ${JSON.stringify(value)}`)
    return
  }
  if (schema === 'bool') {
    assert.equal(typeof value, 'boolean', `${path}: want true/false, got ${JSON.stringify(value)}`)
    return
  }
  if ('oneOf' in schema) {
    assert.ok(typeof value === 'string' && schema.oneOf.includes(value), `${path}: ${JSON.stringify(value)} not one of ${schema.oneOf.join('|')}`)
    return
  }
  assert.ok(typeof value === 'object' && !Array.isArray(value), `${path}: want a JSON object`)
  const obj = value as Record<string, unknown>
  if ('map' in schema) {
    for (const [k, v] of Object.entries(obj)) decodeStrict(v, schema.map, `${path}[${JSON.stringify(k)}]`)
    return
  }
  for (const [k, s] of Object.entries(schema.object)) decodeStrict(obj[k], s, `${path}.${k}`)
}

/**
 * Every number literal in a JSON text is an integer literal (`12`, not `12.0` or `1.2e1`): Go refuses a fraction or
 * an exponent for an int field, and JSON.parse would hide one that happens to be whole.
 */
export function assertIntegerLiterals(text: string, what: string): void {
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') {
      inString = true
      continue
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?\d+([.eE][-+\d.eE]*)?/.exec(text.slice(i, i + 40))!
      assert.equal(m[1], undefined, `${what}: non-integer number literal ${m[0]}`)
      i += m[0].length - 1
    }
  }
}

const PEER: Schema = { object: { sid: 'string', type: 'string', alias: 'string' } }

/** nodepass.InstanceResult (pointer fields included: the panel dereferences them). */
export const INSTANCE: Schema = {
  object: {
    id: 'string',
    type: 'string',
    status: 'string',
    url: 'string',
    tcprx: 'int',
    tcptx: 'int',
    udprx: 'int',
    udptx: 'int',
    pool: 'int',
    ping: 'int',
    alias: 'string',
    restart: 'bool',
    tcps: 'int',
    udps: 'int',
    mode: 'int',
    meta: { object: { peer: PEER, tags: { map: 'string' } } },
    config: 'string',
  },
}

/** nodepass.EndpointInfoResult (`cpu` is a Go int, the rest int64). */
export const INFO: Schema = {
  object: {
    os: 'string', arch: 'string', ver: 'string', name: 'string', log: 'string', tls: 'string', crt: 'string',
    key: 'string', alias: 'string', cpu: 'int', mem_used: 'int', mem_total: 'int', swap_used: 'int',
    swap_total: 'int', diskr: 'int', diskw: 'int', netrx: 'int', nettx: 'int', sysup: 'int', uptime: 'int',
  },
}

/** The single tcping result NodePassDash decodes five times per check (`error` may be null: Go leaves "" then). */
export const TCPING: Schema = {
  object: { target: 'string', connected: 'bool', latency: 'int', error: { nullable: 'string' } },
}

export const EVENT_TYPES = ['initial', 'create', 'update', 'delete', 'shutdown', 'log'] as const

/** sse.SSEResp: `instance` is decoded for every type but `shutdown` (null there); `logs` a *string, dereferenced. */
export function decodeSseData(data: unknown, path: string): void {
  decodeStrict(data, { object: { type: { oneOf: EVENT_TYPES }, time: 'rfc3339', logs: 'string' } }, path)
  const d = data as { type: string; instance: unknown; logs: string }
  if (d.type === 'shutdown') assert.equal(d.instance, null, `${path}.instance: null on shutdown`)
  else decodeStrict(d.instance, INSTANCE, `${path}.instance`)
  if (d.type === 'log') assert.ok(d.logs.length > 0, `${path}.logs: a log event carries its line`)
}

/** NodePassDash's version gate (internal/api/sse.go compareVersion): an optional `v`, then numeric dot parts. */
export function versionAtLeast(actual: string, required: string): boolean {
  const a = actual.replace(/^v/, '').split('.')
  const r = required.replace(/^v/, '').split('.')
  while (a.length < r.length) a.push('0')
  while (r.length < a.length) r.push('0')
  for (let i = 0; i < a.length; i++) {
    const x = parseInt(a[i]!, 10) || 0
    const y = parseInt(r[i]!, 10) || 0
    if (x !== y) return x > y
  }
  return true
}
