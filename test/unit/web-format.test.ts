// The dashboard's formatters (sizes, rates, durations, modes, ANSI log lines), error texts and chart numbers.
import { test } from 'node:test'
import assert from 'node:assert/strict'
// web/src's pure modules compile with this tsconfig too (to dist/web/src, no DOM lib: a DOM use fails the build).
import { ApiError, apiErrorOf, errorText, isUnauthorized } from '../../web/src/api-error.js'
import { chartData } from '../../web/src/chart-data.js'
import { ansiSpans, bytes, duration, lineLevel, modeName, rate } from '../../web/src/format.js'

test('bytes and rate: binary units, two decimals under 10, one above; bad numbers are a dash', () => {
  const cases: [number, string][] = [
    [0, '0 B'], [1023, '1023 B'], [1024, '1.00 KiB'], [1536, '1.50 KiB'], [10 * 1024, '10.0 KiB'],
    [5 * 1024 ** 3, '5.00 GiB'], [3 * 1024 ** 5, '3072.0 TiB'], [-1, '–'], [NaN, '–'], [Infinity, '–'],
  ]
  for (const [n, text] of cases) assert.equal(bytes(n), text, String(n))
  assert.equal(rate(2048), '2.00 KiB/s')
  assert.equal(rate(-5), '–/s')
})

test('duration: the two largest units, floored; negative is 0s', () => {
  const cases: [number, string][] = [[0, '0s'], [59.9, '59s'], [61, '1m 1s'], [3600, '1h 0m'], [90061, '1d 1h 1m'], [-3, '0s']]
  for (const [s, text] of cases) assert.equal(duration(s), text, String(s))
})

test('modeName: the name of a known mode, the number otherwise', () => {
  assert.equal(modeName('server', 1), 'reverse')
  assert.equal(modeName('client', 2), 'dual-end')
  assert.equal(modeName('client', 9), '9')
  assert.equal(modeName('', 0), '0')
})

test('ansiSpans: SGR colours and bold become classes, other escapes vanish', () => {
  assert.deepEqual(ansiSpans('plain'), [{ text: 'plain', cls: '' }])
  assert.deepEqual(ansiSpans('\x1b[32mINFO\x1b[0m ok \x1b[1;91mbad\x1b[22m!\x1b[39m.\x1b[2K'), [
    { text: 'INFO', cls: 'a-green' },
    { text: ' ok ', cls: '' },
    { text: 'bad', cls: 'a-red a-bold' },
    { text: '!', cls: 'a-red' },
    { text: '.', cls: '' },
  ])
  assert.deepEqual(ansiSpans('\x1b[mx\x1b[38;5;1my'), [{ text: 'x', cls: '' }, { text: 'y', cls: '' }])
  // Extended colours are not shown, and their numbers are not read as other codes (the 1 of 38;5;1 is not bold).
  assert.deepEqual(ansiSpans('\x1b[38;5;1;32mg\x1b[0;48;2;1;2;3;1mb'), [{ text: 'g', cls: 'a-green' }, { text: 'b', cls: 'a-bold' }])
  assert.deepEqual(ansiSpans(''), [])
  assert.deepEqual(ansiSpans('\x1b[31'), [{ text: '\x1b[31', cls: '' }])
})

test('lineLevel: the level word near the start of a line', () => {
  assert.equal(lineLevel('2025-01-01 00:00:00.000 INFO  Server started'), 'INFO')
  assert.equal(lineLevel('2025-01-01 00:00:00.000 WARN  x ERROR later'), 'WARN')
  assert.equal(lineLevel(`${'x'.repeat(60)} ERROR`), '')
  assert.equal(lineLevel('INFORMATION'), '')
})

test('apiErrorOf: the error body of docs/errors.md, or the raw text, or the status text', () => {
  const e = apiErrorOf(400, 'Bad Request', '{"error":"Invalid URL","code":"NP_ERR_CONFIG_INVALID","hint":"fix it","issues":["rate: bad",7]}')
  assert.deepEqual([e.status, e.message, e.code, e.hint, e.issues], [400, 'Invalid URL', 'NP_ERR_CONFIG_INVALID', 'fix it', ['rate: bad']])
  const plain = apiErrorOf(502, 'Bad Gateway', '  upstream down \n')
  assert.deepEqual([plain.status, plain.message, plain.code, plain.hint, plain.issues], [502, 'upstream down', '', '', []])
  assert.equal(apiErrorOf(500, 'Internal Server Error', '').message, 'Internal Server Error')
  assert.equal(apiErrorOf(500, 'Internal Server Error', 'null').message, 'null')
  assert.equal(apiErrorOf(404, 'Not Found', '{"error":5,"code":["x"]}').message, '{"error":5,"code":["x"]}')
  assert.equal(apiErrorOf(404, 'Not Found', '{"error":5,"code":["x"]}').code, '')
})

test('errorText: message [CODE] — hint for the API, the message for anything else', () => {
  assert.equal(errorText(new ApiError(400, 'Invalid URL', 'NP_ERR_CONFIG_INVALID', [], 'fix it')), 'Invalid URL [NP_ERR_CONFIG_INVALID] — fix it')
  assert.equal(errorText(new ApiError(409, 'Busy', 'NP_ERR_CONFLICT', [])), 'Busy [NP_ERR_CONFLICT]')
  assert.equal(errorText(new ApiError(400, 'No code', '', [], 'ignored')), 'No code')
  assert.equal(errorText(new ApiError(0, 'Network error: offline', 'NETWORK', [])), 'Network error: offline')
  assert.equal(errorText(new TypeError('Failed to fetch')), 'Failed to fetch')
  assert.equal(errorText('text'), 'text')
  assert.equal(errorText(undefined), 'undefined')
  assert.equal(errorText({ message: 'not an Error' }), '[object Object]')
})

test('isUnauthorized: a 401 from the API only', () => {
  assert.equal(isUnauthorized(new ApiError(401, 'Unauthorized', 'NP_ERR_UNAUTHORIZED', [])), true)
  assert.equal(isUnauthorized(new ApiError(403, 'Forbidden', 'NP_ERR_FORBIDDEN', [])), false)
  assert.equal(isUnauthorized(Object.assign(new Error('x'), { status: 401 })), false)
})

test('chartData: history as rates per step, live samples after the fetch added, nothing before it counted twice', () => {
  const pt = (t: number, tcprx: number, tcptx: number) => ({ t, tcprx, tcptx, udprx: 0, udptx: 0, peak_tcps: 0, peak_udps: 0 })
  assert.deepEqual(chartData(undefined, []), { t: [], rx: [], tx: [], rxBytes: 0, txBytes: 0 })
  const h = { step: 60, to: 1200, points: [pt(1080, 600, 60), pt(1140, 0, 120)] }
  // Samples in ms: the first straddles the fetch (only what it added after 1,200 s counts), one is in a new step.
  const samples = [{ t: 1_190_000, rx: 100, tx: 0 }, { t: 1_210_000, rx: 160, tx: 30 }, { t: 1_260_000, rx: 280, tx: 30 }, { t: 1_261_000, rx: 270, tx: 30 }]
  assert.deepEqual(chartData(h, samples), { t: [1080, 1140, 1200, 1260], rx: [10, 0, 1, 2], tx: [1, 2, 0.5, 0], rxBytes: 780, txBytes: 210 })
})
