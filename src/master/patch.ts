// PATCH /instances/{id} body validation (D13): the whole request is checked before anything is applied.
import { ApiError, badRequest, invalidBody } from './api-error.js'
import { optBool, optObject, optString } from './http-util.js'
import { findDuplicateKeys } from './json-keys.js'
import type { Meta, Peer } from './types.js'

export const MAX_META_BYTES = 256
export const ACTIONS = ['start', 'stop', 'restart', 'reset'] as const
export type Action = (typeof ACTIONS)[number]
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** NodePassDash sends "0"–"7"; Go checks nothing. */
export const PEER_TYPES = ['0', '1', '2', '3', '4', '5', '6', '7']

export interface PatchPlan {
  alias?: string
  action?: Action
  restart?: boolean
  peer?: Peer
  tags?: Record<string, string>
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8')

/** Checks the whole body against the instance's current meta; returns what to change, or throws a 400. */
export function planPatch(body: Record<string, unknown>, text: string, current: Meta, currentAlias: string): PatchPlan {
  const plan: PatchPlan = {}
  const alias = optString(body, 'alias')
  if (alias !== undefined && alias !== '' && alias !== currentAlias) {
    if (bytes(alias) > MAX_META_BYTES) throw badRequest('Instance alias exceeds maximum length 256')
    plan.alias = alias
  }
  const action = optString(body, 'action')
  if (action !== undefined && action !== '') {
    if (!(ACTIONS as readonly string[]).includes(action)) throw badRequest(`Invalid action: ${action}`)
    plan.action = action as Action
  }
  const restart = optBool(body, 'restart')
  if (restart !== undefined) plan.restart = restart
  const meta = optObject(body, 'meta')
  if (meta !== undefined) {
    const peer = optObject(meta, 'peer')
    if (peer !== undefined && Object.keys(peer).length > 0) plan.peer = planPeer(peer, current.peer)
    const tags = optObject(meta, 'tags')
    // An empty `tags` clears the map (NodePassDash removes the last tag that way, as Go does), except beside a
    // non-empty `peer`: the seed's setPeerInfo example sends `tags: {}` there to mean "keep" (D13).
    if (tags !== undefined && Object.keys(tags).length > 0) plan.tags = planTags(tags, text)
    else if (tags !== undefined && plan.peer === undefined && Object.keys(current.tags).length > 0)
      plan.tags = Object.create(null) as Record<string, string>
  }
  return plan
}

function planPeer(peer: Record<string, unknown>, current: Peer): Peer {
  const next: Peer = { ...current }
  for (const field of ['sid', 'type', 'alias'] as const) {
    const v = optString(peer, field)
    if (v === undefined) continue
    if (bytes(v) > MAX_META_BYTES) throw badRequest(`Meta peer.${field} exceeds maximum length 256`)
    next[field] = v
  }
  const sid = optString(peer, 'sid')
  if (sid !== undefined && sid !== '' && !UUID_RE.test(sid))
    throw badRequest('Meta peer.sid must be a UUID such as 550e8400-e29b-41d4-a716-446655440000')
  const type = optString(peer, 'type')
  if (type !== undefined && type !== '' && !PEER_TYPES.includes(type))
    throw badRequest('Meta peer.type must be one of "0" to "7"')
  return next
}

function planTags(tags: Record<string, unknown>, text: string): Record<string, string> {
  let dups
  try {
    dups = findDuplicateKeys(text)
  } catch {
    throw invalidBody()
  }
  const dup = dups.find((d) => d.path.length === 2 && d.path[0] === 'meta' && d.path[1] === 'tags')
  if (dup) throw badRequest(`Duplicate meta tag key: ${dup.key}`)
  // A null-prototype map, so a tag named `__proto__` stays an ordinary key.
  const out = Object.create(null) as Record<string, string>
  for (const [k, v] of Object.entries(tags)) {
    if (typeof v !== 'string') throw invalidBody()
    if (bytes(k) > MAX_META_BYTES) throw badRequest('Meta tag key exceeds maximum length 256')
    if (bytes(v) > MAX_META_BYTES) throw badRequest('Meta tag value exceeds maximum length 256')
    out[k] = v
  }
  return out
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError
}
