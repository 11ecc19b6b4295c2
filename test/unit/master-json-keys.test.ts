// Duplicate-key detection in raw JSON text (JSON.parse keeps only the last duplicate).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { findDuplicateKeys } from '../../src/master/json-keys.js'

test('finds duplicates with their path, through escapes, nesting and arrays', () => {
  assert.deepEqual(findDuplicateKeys('{"a":1,"b":2}'), [])
  assert.deepEqual(findDuplicateKeys('{"meta":{"tags":{"x":"1","x":"2"}}}'), [{ path: ['meta', 'tags'], key: 'x' }])
  assert.deepEqual(findDuplicateKeys('{"a":"}\\"{","a":[{"b":1,"b":2}]}'), [
    { path: [], key: 'a' },
    { path: ['a'], key: 'b' },
  ])
  assert.deepEqual(findDuplicateKeys(' { "k\\u0041" : 1 , "kA" : 2 } '), [{ path: [], key: 'kA' }])
  assert.deepEqual(findDuplicateKeys('[1, {"t": true, "t": null}, "x"]'), [{ path: [], key: 't' }])
  assert.deepEqual(findDuplicateKeys('{}'), [])
})
