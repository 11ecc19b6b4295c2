// PATCH is validated whole before anything changes (D13): each bad request → 400 and GET proves nothing changed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startInProcess } from './helpers.js'

const SID = '550e8400-e29b-41d4-a716-446655440000'

test('PATCH validation rejects the whole request and changes nothing', async (t) => {
  const { api } = await startInProcess(t)
  const c = await api.req('POST', '/instances', { alias: 'orig', url: 'client://127.0.0.1:10101/127.0.0.1:8080' })
  const id = c.json.id as string
  const setup = await api.req('PATCH', `/instances/${id}`, {
    restart: false,
    meta: { peer: { sid: SID, type: '1', alias: 'peer-a' }, tags: { env: 'prod', team: 'a' } },
  })
  assert.equal(setup.status, 200)
  const strip = (v: any): unknown => ({ alias: v.alias, restart: v.restart, meta: v.meta, url: v.url, config: v.config })
  const before = strip((await api.req('GET', `/instances/${id}`)).json)

  const cases: [string, string, string][] = [
    ['bad UUID', JSON.stringify({ alias: 'changed', restart: true, meta: { peer: { sid: 'not-a-uuid' } } }), 'Meta peer.sid must be a UUID such as 550e8400-e29b-41d4-a716-446655440000'],
    ['bad peer type', JSON.stringify({ alias: 'changed', meta: { peer: { type: '8' } } }), 'Meta peer.type must be one of "0" to "7"'],
    ['non-digit peer type', JSON.stringify({ alias: 'changed', meta: { peer: { type: 'tcp' } } }), 'Meta peer.type must be one of "0" to "7"'],
    ['257-char alias', JSON.stringify({ restart: true, alias: 'a'.repeat(257) }), 'Instance alias exceeds maximum length 256'],
    ['257-char peer.alias', JSON.stringify({ alias: 'changed', meta: { peer: { alias: 'p'.repeat(257) } } }), 'Meta peer.alias exceeds maximum length 256'],
    ['257-char peer.sid', JSON.stringify({ alias: 'changed', meta: { peer: { sid: 's'.repeat(257) } } }), 'Meta peer.sid exceeds maximum length 256'],
    ['257-char tag key', JSON.stringify({ alias: 'changed', meta: { tags: { ['k'.repeat(257)]: 'v' } } }), 'Meta tag key exceeds maximum length 256'],
    ['257-char tag value', JSON.stringify({ alias: 'changed', meta: { tags: { k: 'v'.repeat(257) } } }), 'Meta tag value exceeds maximum length 256'],
    ['duplicate tag keys', '{"alias":"changed","restart":true,"meta":{"tags":{"env":"a","env":"b"}}}', 'Duplicate meta tag key: env'],
    ['duplicate escaped tag keys', '{"alias":"changed","meta":{"tags":{"e\\u006ev":"a","env":"b"}}}', 'Duplicate meta tag key: env'],
    ['bad action after good fields', JSON.stringify({ alias: 'changed', restart: true, action: 'fly' }), 'Invalid action: fly'],
    ['non-string tag value', JSON.stringify({ alias: 'changed', meta: { tags: { k: 1 } } }), 'Invalid request body'],
    ['bad JSON', '{"alias":"changed",', 'Invalid request body'],
  ]
  for (const [name, body, message] of cases) {
    const r = await api.req('PATCH', `/instances/${id}`, body)
    assert.equal(r.status, 400, name)
    assert.equal(r.json.error, message, name)
    assert.deepEqual(strip((await api.req('GET', `/instances/${id}`)).json), before, `${name}: state changed`)
  }

  // valid requests: `peer: {}` keeps the peer; `tags: {}` beside a non-empty peer keeps the tags (the seed's setPeerInfo)
  const keep = await api.req('PATCH', `/instances/${id}`, { meta: { peer: { type: '7' }, tags: {} } })
  assert.deepEqual(keep.json.meta, { peer: { sid: SID, type: '7', alias: 'peer-a' }, tags: { env: 'prod', team: 'a' } })
  const keepPeer = await api.req('PATCH', `/instances/${id}`, { meta: { peer: {} } })
  assert.deepEqual(keepPeer.json.meta, keep.json.meta)
  const upd = await api.req('PATCH', `/instances/${id}`, { meta: { peer: { alias: 'peer-b' }, tags: { only: 'this' } } })
  assert.deepEqual(upd.json.meta, { peer: { sid: SID, type: '7', alias: 'peer-b' }, tags: { only: 'this' } })
  const proto = await api.req('PATCH', `/instances/${id}`, { meta: { tags: { __proto__x: '1' } } })
  assert.equal(proto.status, 200)
  const p2 = await api.req('PATCH', `/instances/${id}`, '{"meta":{"tags":{"__proto__":"1"}}}')
  assert.equal(p2.status, 200)
  assert.deepEqual((await api.req('GET', `/instances/${id}`)).json.meta.tags, JSON.parse('{"__proto__":"1"}'))
  // `tags: {}` alone (NodePassDash removing the last tag) or beside `peer: {}` clears the map, as Go does
  const cleared = await api.req('PATCH', `/instances/${id}`, { meta: { tags: {} } })
  assert.equal(cleared.status, 200)
  assert.deepEqual(cleared.json.meta.tags, {})
  assert.deepEqual((await api.req('GET', `/instances/${id}`)).json.meta.tags, {})
  await api.req('PATCH', `/instances/${id}`, { meta: { tags: { again: '1' } } })
  const cleared2 = await api.req('PATCH', `/instances/${id}`, { meta: { peer: {}, tags: {} } })
  assert.deepEqual(cleared2.json.meta, { peer: { sid: SID, type: '7', alias: 'peer-b' }, tags: {} })
  for (const type of ['0', '1', '2', '3', '4', '5', '6', '7', ''])
    assert.equal((await api.req('PATCH', `/instances/${id}`, { meta: { peer: { type } } })).json.meta.peer.type, type)
  const clearSid = await api.req('PATCH', `/instances/${id}`, { meta: { peer: { sid: '', type: '' } } })
  assert.deepEqual(clearSid.json.meta.peer, { sid: '', type: '', alias: 'peer-b' })
  // 256 bytes exactly is allowed
  const max = await api.req('PATCH', `/instances/${id}`, { alias: 'a'.repeat(256) })
  assert.equal(max.status, 200)
  assert.equal(max.json.alias, 'a'.repeat(256))
})
