// The dashboard's tag editor text: parsed to the map the API takes, and written back.
import { test } from 'node:test'
import assert from 'node:assert/strict'
// web/src's pure modules compile with this tsconfig too (to dist/web/src, no DOM lib: a DOM use fails the build).
import { parseTags, tagsText } from '../../web/src/tags.js'

test('parseTags: k=v per line or comma, trimmed, blank lines skipped, no = means an empty value', () => {
  assert.deepEqual(parseTags('env=prod\n  region = eu-west ,team=a=b\n\n,solo'), {
    tags: { env: 'prod', region: 'eu-west', team: 'a=b', solo: '' },
  })
  assert.deepEqual(parseTags(''), { tags: {} })
  assert.deepEqual(parseTags(' \n , \n'), { tags: {} })
  // An empty key goes to the API, which refuses it with its own message.
  assert.deepEqual(parseTags('=v'), { tags: { '': 'v' } })
})

test('parseTags: a repeated key is refused, naming it', () => {
  assert.deepEqual(parseTags('a=1\nb=2\n a =3'), { error: 'Duplicate tag key: a' })
  assert.deepEqual(parseTags('x,x'), { error: 'Duplicate tag key: x' })
})

test('parseTags: __proto__ is an ordinary key of the map', () => {
  const r = parseTags('__proto__=x')
  assert.ok('tags' in r)
  assert.deepEqual(Object.keys(r.tags), ['__proto__'])
  assert.equal(Object.getPrototypeOf(r.tags), Object.prototype)
  assert.equal(JSON.stringify(r.tags), '{"__proto__":"x"}')
})

test('tagsText writes what parseTags reads', () => {
  assert.equal(tagsText({}), '')
  assert.equal(tagsText({ env: 'prod', team: 'a=b' }), 'env=prod\nteam=a=b')
  assert.deepEqual(parseTags(tagsText({ env: 'prod', team: 'a=b', solo: '' })), { tags: { env: 'prod', team: 'a=b', solo: '' } })
})
