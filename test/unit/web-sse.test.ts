// The dashboard's event stream reader: blocks out of the byte stream, and frames out of their data.
import { test } from 'node:test'
import assert from 'node:assert/strict'
// web/src's pure modules compile with this tsconfig too (to dist/web/src, no DOM lib: a DOM use fails the build).
import { parseBlocks, parseFrame } from '../../web/src/sse-frames.js'

function blocks(buf: string): { got: [string, string | undefined][]; rest: string } {
  const got: [string, string | undefined][] = []
  const rest = parseBlocks(buf, (data, id) => got.push([data, id]))
  return { got, rest }
}

test('parseBlocks: complete blocks out, the incomplete rest back; id: optional; comments and empty blocks skipped', () => {
  assert.deepEqual(blocks('event: instance\ndata: {"a":1}\nid: 7\n\n: heartbeat\n\ndata:x\ndata: y\n\ndata: part'), {
    got: [['{"a":1}', '7'], ['x\ny', undefined]],
    rest: 'data: part',
  })
  assert.deepEqual(blocks(''), { got: [], rest: '' })
  assert.deepEqual(blocks('\n\n\n\n'), { got: [], rest: '' })
  assert.deepEqual(blocks('id:9\ndata:  two spaces\n\n'), { got: [[' two spaces', '9']], rest: '' })
})

test('parseBlocks: a block split anywhere gives the same frames', () => {
  const text = 'data: {"type":"log"}\nid: 1\n\ndata: {"type":"update"}\nid: 2\n\n'
  for (let cut = 0; cut <= text.length; cut++) {
    const got: [string, string | undefined][] = []
    const rest = parseBlocks(text.slice(0, cut), (d, id) => got.push([d, id]))
    parseBlocks(rest + text.slice(cut), (d, id) => got.push([d, id]))
    assert.deepEqual(got, [['{"type":"log"}', '1'], ['{"type":"update"}', '2']], `cut at ${cut}`)
  }
})

test('parseFrame: a frame with a known type; bad JSON, other shapes and unknown types are undefined', () => {
  const inst = { id: 'abc', alias: 'x' }
  assert.deepEqual(parseFrame(JSON.stringify({ type: 'update', time: 't', instance: inst, logs: '' })), {
    type: 'update', time: 't', instance: inst, logs: '',
  })
  assert.deepEqual(parseFrame('{"type":"shutdown"}'), { type: 'shutdown', time: '', instance: null, logs: '' })
  assert.deepEqual(parseFrame('{"type":"log","instance":{"id":7},"logs":5}'), { type: 'log', time: '', instance: null, logs: '' })
  assert.deepEqual(parseFrame('{"type":"log","instance":"abc","logs":"l"}'), { type: 'log', time: '', instance: null, logs: 'l' })
  for (const bad of ['', '{', 'null', '42', '"update"', '[]', '{}', '{"type":"hello"}', '{"type":1}', '{"type":"__proto__"}'])
    assert.equal(parseFrame(bad), undefined, bad)
})
