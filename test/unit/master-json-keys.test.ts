// Duplicate-key detection in raw JSON text (JSON.parse keeps only the last duplicate).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { findDuplicateKeys } from '../../src/master/json-keys.js'
import { parseCheckpoint } from '../../src/master/ipc.js'

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

test('CHECK_POINT regex is unanchored and reads every figure', () => {
  const line = '2025-01-01 00:00:00.000  \x1b[36mEVENT\x1b[0m  CHECK_POINT|MODE=2|PING=12ms|POOL=7|TCPS=3|UDPS=1|TCPRX=100|TCPTX=200|UDPRX=30|UDPTX=40'
  assert.deepEqual(parseCheckpoint(line), { mode: 2, ping: 12, pool: 7, tcps: 3, udps: 1, tcprx: 100, tcptx: 200, udprx: 30, udptx: 40 })
  assert.equal(parseCheckpoint('CHECK_POINT|MODE=x'), undefined)
})
