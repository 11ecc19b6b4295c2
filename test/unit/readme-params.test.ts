// The README's parameter table is exactly the one rendered from src/url/params.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { renderParamTable } from '../../src/url/params-doc.js'
import { PARAMS } from '../../src/url/params.js'
import { ROOT } from '../helpers/bad-urls.js'

test('README parameter table matches params.ts', () => {
  const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8')
  const m = /<!-- params:start[^>]*-->\n([\s\S]*?)\n<!-- params:end -->/.exec(readme)
  assert.ok(m, 'README has no params:start/params:end block')
  assert.equal(m[1], renderParamTable())
})

test('the table lists every parameter of the seed (D4) once', () => {
  const names = 'log tls crt key dns sni lbs min max mode type dial read rate slot proxy block notcp noudp'.split(' ')
  assert.deepEqual(PARAMS.map((p) => p.name), names)
})
