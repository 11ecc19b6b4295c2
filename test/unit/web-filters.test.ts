// The dashboard's list filter (text, status, type, tag) and log filter (level, text).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { InstanceView } from '../../src/master/types.js'
// web/src's pure modules compile with this tsconfig too (to dist/web/src, no DOM lib: a DOM use fails the build).
import { instanceMatches, logLines, tagKey, tagLabel, type ListFilter } from '../../web/src/filters.js'

const inst = (over: Partial<InstanceView>): InstanceView => ({
  id: 'a1b2', alias: 'Web Edge', type: 'server', status: 'running', url: 'server://:10101/127.0.0.1:8080', config: '',
  restart: true, meta: { peer: { sid: '', type: '', alias: '' }, tags: { env: 'prod', team: 'a=b' } }, state: 'ready',
  errorCode: '', errorMessage: '', errorHint: '', mode: 1, ping: 0, pool: 0, tcps: 0, udps: 0, tcprx: 0, tcptx: 0,
  udprx: 0, udptx: 0, ...over,
})
const any: ListFilter = { text: '', status: '', type: '', tag: '' }
const ids = (list: InstanceView[], f: Partial<ListFilter>): string[] => list.filter((i) => instanceMatches(i, { ...any, ...f })).map((i) => i.id)

test('instanceMatches: status, type, tag and text (id, alias, URL, k=v), all of them at once', () => {
  const list = [
    inst({}),
    inst({ id: 'c3', alias: 'db', type: 'client', status: 'stopped', url: 'client://s:1/127.0.0.1:5432', meta: { peer: { sid: '', type: '', alias: '' }, tags: {} } }),
    inst({ id: 'e5', alias: 'edge-2', status: 'error', meta: { peer: { sid: '', type: '', alias: '' }, tags: { env: 'dev' } } }),
  ]
  assert.deepEqual(ids(list, {}), ['a1b2', 'c3', 'e5'])
  assert.deepEqual(ids(list, { status: 'stopped' }), ['c3'])
  assert.deepEqual(ids(list, { type: 'server' }), ['a1b2', 'e5'])
  assert.deepEqual(ids(list, { tag: tagKey('env', 'prod') }), ['a1b2'])
  assert.deepEqual(ids(list, { tag: tagKey('team', 'a=b') }), ['a1b2'])
  assert.deepEqual(ids(list, { text: 'edge' }), ['a1b2', 'e5'])
  assert.deepEqual(ids(list, { text: '5432' }), ['c3'])
  assert.deepEqual(ids(list, { text: 'env=dev' }), ['e5'])
  assert.deepEqual(ids(list, { text: 'edge', status: 'error', type: 'server', tag: tagKey('env', 'dev') }), ['e5'])
  assert.deepEqual(ids(list, { text: 'nothing' }), [])
})

test('instanceMatches: a tag filter without its separator, or naming an inherited key, matches nothing', () => {
  const list = [inst({})]
  assert.deepEqual(ids(list, { tag: 'env' }), [])
  assert.deepEqual(ids(list, { tag: tagKey('constructor', '') }), [])
  assert.deepEqual(ids(list, { tag: tagKey('env', '') }), [])
})

test('tagLabel shows a tagKey as k=v', () => {
  assert.equal(tagLabel(tagKey('team', 'a=b')), 'team=a=b')
  assert.equal(tagLabel(tagKey('', '')), '=')
})

test('logLines: by level word and by text, colour codes ignored, order kept', () => {
  const lines = [
    '2025-01-01 00:00:00.000 \x1b[32mINFO\x1b[0m  Server started',
    '2025-01-01 00:00:01.000 \x1b[33mWARN\x1b[0m  slow target 127.0.0.1:8080',
    '2025-01-01 00:00:02.000 \x1b[31mERROR\x1b[0m Target unreachable',
    'no level at all',
  ]
  assert.deepEqual(logLines(lines, '', ''), lines)
  assert.deepEqual(logLines(lines, 'WARN', ''), [lines[1]])
  assert.deepEqual(logLines(lines, '', 'target'), [lines[1], lines[2]])
  assert.deepEqual(logLines(lines, 'ERROR', 'target'), [lines[2]])
  // The text is matched against the line without its colour codes.
  assert.deepEqual(logLines(lines, '', '[32m'), [])
  assert.deepEqual(logLines(lines, 'DEBUG', ''), [])
  assert.deepEqual(logLines([], 'INFO', 'x'), [])
})
