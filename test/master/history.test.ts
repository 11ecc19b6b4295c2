// Traffic history: the ring files (resolutions, wrap, torn records, fixed size, restart continuity) with a
// controlled clock; the /traffic routes (exact errors, reset keeps history, delete removes the file); and a real
// master process killed with -9 that keeps every point flushed before the kill.
import assert from 'node:assert/strict'
import { HINTS } from '../../src/errors.js'
import { open, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { until } from '../helpers/net.js'
import { FILE_BYTES, HEADER_BYTES, RECORD_BYTES, TrafficHistory } from '../../src/master/history.js'
import { makeApi, spawnLauncher, startInProcess, tempDir } from './helpers.js'

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0) // a Saturday noon, on a day boundary's safe side
const totals = (n: number): { tcprx: number; tcptx: number; udprx: number; udptx: number } => ({ tcprx: n, tcptx: 2 * n, udprx: 0, udptx: 0 })
const sum = (pts: { tcprx: number }[]): number => pts.reduce((a, p) => a + p.tcprx, 0)

test('history rings: minute, hour and day points; restart continues the open periods; wrap; torn records; fixed size', async (t) => {
  const dir = await tempDir(t)
  let now = T0
  const h = new TrafficHistory(dir, () => now)
  h.track('a1', totals(0))
  // 3 minutes: 100 B/min, peaks 1, 5, 2
  for (const [i, c] of [1, 5, 2].entries()) {
    now = T0 + i * 60_000 + 1000
    h.observe('a1', totals(100 * (i + 1)), c, 0)
  }
  await h.flush()
  const s = T0 / 1000
  const mins = await h.query('a1', 0, s, s + 179, 60)
  assert.deepEqual(mins.map((p) => [p.t - s, p.tcprx, p.tcptx, p.peak_tcps]), [[0, 100, 200, 1], [60, 100, 200, 5], [120, 100, 200, 2]])
  const hour = await h.query('a1', 1, s, s + 10, 3600)
  assert.deepEqual([hour[0]!.tcprx, hour[0]!.peak_tcps], [300, 5])
  assert.equal((await stat(join(dir, 'history', 'a1.bin'))).size, FILE_BYTES)
  assert.equal(FILE_BYTES, HEADER_BYTES + (2880 + 2160 + 731) * RECORD_BYTES)
  await h.close()

  // A restart within the same hour adds to the hour instead of overwriting it; prev totals come from the state.
  now = T0 + 10 * 60_000
  const h2 = new TrafficHistory(dir, () => now)
  h2.track('a1', totals(300))
  h2.observe('a1', totals(350), 0, 0)
  await h2.flush()
  assert.equal(sum(await h2.query('a1', 1, s, s + 3599, 3600)), 350)
  assert.equal(sum(await h2.query('a1', 2, s, s + 10, 86_400)), 350)
  // a drop without rebase (totals zeroed) counts what is there now; rebase() makes the next figures count from 0
  h2.observe('a1', totals(20), 0, 0)
  h2.rebase('a1')
  h2.observe('a1', totals(30), 0, 0)
  assert.equal(sum(await h2.query('a1', 1, s, s + 3599, 3600)), 400)
  await h2.close()

  // Tear the record of minute 0 on disk: it reads as empty, its neighbours stay.
  const fh = await open(join(dir, 'history', 'a1.bin'), 'r+')
  await fh.write(Buffer.from([0xff]), 0, 1, HEADER_BYTES + ((s / 60) % 2880) * RECORD_BYTES + 20)
  await fh.close()
  now = T0 + 49 * 3600_000
  const h3 = new TrafficHistory(dir, () => now)
  h3.track('a1', totals(30))
  assert.deepEqual((await h3.query('a1', 0, s, s + 179, 60)).map((p) => p.tcprx), [0, 100, 100])
  // 49 h later the minute ring has wrapped past T0: those slots now hold newer periods (or nothing), never T0's.
  h3.observe('a1', totals(31), 0, 0)
  await h3.flush()
  const back = await h3.query('a1', 0, s + 49 * 3600, s + 49 * 3600 + 59, 60)
  assert.equal(back[0]!.tcprx, 1)
  assert.equal(sum(await h3.query('a1', 1, s, s + 3599, 3600)), 400, 'the hour point outlives the minute points')
  await h3.remove('a1')
  assert.deepEqual(await readdir(join(dir, 'history')), [])
  await h3.close()
})

test('/traffic routes: exact errors, dense points, reset keeps history, delete removes the file', async (t) => {
  const { api, stateDir } = await startInProcess(t, { historyFlushMs: 200 })
  const a = await api.req('POST', '/instances', { url: 'server://127.0.0.1:10101/127.0.0.1:8080' })
  const id = a.json.id as string
  await until(async () => (await api.req('GET', `/instances/${id}`)).json.tcprx >= 3000, 10_000, 'traffic')

  const bad: [string, string][] = [
    ['range=5x', 'Invalid range: "5x" (use a number and m, h or d, e.g. 24h)'],
    ['range=0h', 'Invalid range: "0h" (use a number and m, h or d, e.g. 24h)'],
    ['range=800d', 'Invalid range: 800d exceeds the 731d kept'],
    ['range=7d&step=1m', 'Step 1m is finer than the history kept for range 7d (1m points cover 48h, 1h points 90d, 1d points 731d)'],
    ['range=24h&step=90s', 'Invalid step: "90s" (use a number and m, h or d, e.g. 24h)'],
    ['range=731d&step=1h', 'Step 1h is finer than the history kept for range 731d (1m points cover 48h, 1h points 90d, 1d points 731d)'],
  ]
  for (const [q, msg] of bad) {
    const r = await api.req('GET', `/instances/${id}/traffic?${q}`)
    assert.equal(r.status, 400, q)
    assert.deepEqual(r.json, { error: msg, code: 'NP_ERR_BAD_REQUEST', hint: HINTS.NP_ERR_BAD_REQUEST }, q)
  }
  assert.equal((await api.req('GET', '/instances/deadbeef/traffic')).status, 404)
  assert.equal((await api.req('GET', '/instances/********/traffic')).status, 404)
  assert.equal((await api.req('POST', `/instances/${id}/traffic`, {})).status, 405)
  assert.equal((await api.req('GET', `/instances/${id}/traffic`, undefined, { 'X-API-Key': '' })).status, 401)

  const one = await api.req('GET', `/instances/${id}/traffic?range=1h&step=1m`)
  assert.equal(one.status, 200)
  assert.equal(one.json.step, 60)
  assert.equal(one.json.range, 3600)
  assert.ok(one.json.points.length === 61 || one.json.points.length === 62, `${one.json.points.length} points`)
  assert.deepEqual(Object.keys(one.json.points[0]), ['t', 'tcprx', 'tcptx', 'udprx', 'udptx', 'peak_tcps', 'peak_udps'])
  const defaults = await api.req('GET', `/instances/${id}/traffic`)
  assert.equal(defaults.json.range, 86_400)
  assert.equal(defaults.json.step, 60)
  assert.equal((await api.req('GET', `/instances/${id}/traffic?range=90d`)).json.step, 3600)

  // reset zeroes the totals, not the history
  const before = await until(async () => {
    const h = sum((await api.req('GET', `/instances/${id}/traffic?range=1h&step=1h`)).json.points)
    return h >= 10_000 ? h : undefined
  }, 20_000, 'ten checkpoints in the history')
  // the reply is made after the save: a checkpoint may have arrived meanwhile, counting from 0 again
  const reset = await api.req('PATCH', `/instances/${id}`, { action: 'reset' })
  assert.ok(reset.json.tcprx < before, `totals after reset ${reset.json.tcprx} < ${before}`)
  const after = await until(async () => {
    const inst = (await api.req('GET', `/instances/${id}`)).json
    const h = sum((await api.req('GET', `/instances/${id}/traffic?range=1h&step=1h`)).json.points)
    return inst.tcprx >= 2000 && h >= before + 2000 ? { inst, h } : undefined
  }, 10_000, 'history grows after reset')
  assert.ok(after.h <= before + after.inst.tcprx + 2000, `history ${after.h} ≤ before ${before} + since reset ${after.inst.tcprx} (+2 steps)`)

  const all = await api.req('GET', '/traffic?range=24h&step=1h')
  assert.equal(all.status, 200)
  assert.deepEqual(all.json.instances.map((i: { id: string }) => i.id), [id])
  assert.ok(all.json.instances[0].points.length >= 25)

  await until(async () => (await readdir(join(stateDir, 'history'))).includes(`${id}.bin`), 10_000, 'history file')
  assert.equal((await api.req('DELETE', `/instances/${id}`)).status, 204)
  assert.deepEqual(await readdir(join(stateDir, 'history')), [])
})

test('kill -9: every point flushed before the kill is back after a restart, without double counting', async (t) => {
  const dir = await tempDir(t)
  const env = { NP_HISTORY_FLUSH: '200ms' }
  const first = await spawnLauncher(t, dir, env)
  const api = makeApi(first.info.apiUrl, first.info.apiKey)
  const id = (await api.req('POST', '/instances', { url: 'server://127.0.0.1:10101/127.0.0.1:8080' })).json.id as string
  const flushes = async (a = api): Promise<number> =>
    Number(/^nodepass_history_flushes_total (\d+)$/m.exec((await a.req('GET', '/metrics')).text)![1])
  const seen = await until(async () => {
    const v = (await api.req('GET', `/instances/${id}`)).json.tcprx as number
    return v >= 5000 ? v : undefined
  }, 10_000, 'traffic')
  // two more flushes: one that started after `seen` was observed has finished
  const f0 = await flushes()
  await until(async () => (await flushes()) >= f0 + 2, 10_000, 'two flushes')
  first.child.kill('SIGKILL')
  await first.exited

  const second = await spawnLauncher(t, dir, env)
  const api2 = makeApi(second.info.apiUrl, second.info.apiKey)
  const kept = sum((await api2.req('GET', `/instances/${id}/traffic?range=1h&step=1m`)).json.points)
  const stored = (await api2.req('GET', `/instances/${id}`)).json.tcprx as number
  assert.ok(kept >= seen, `history after kill -9 (${kept}) has everything seen before the flushes (${seen})`)
  // the history never has more than the totals did, and keeps growing from them without double counting
  const grown = await until(async () => {
    const inst = (await api2.req('GET', `/instances/${id}`)).json
    const h = sum((await api2.req('GET', `/instances/${id}/traffic?range=1h&step=1m`)).json.points)
    return inst.tcprx >= stored + 3000 && h >= kept + 3000 ? { total: inst.tcprx as number, h } : undefined
  }, 10_000, 'history continues')
  assert.ok(grown.h <= grown.total + 3000, `history ${grown.h} ≤ totals ${grown.total} (+3 steps: the state file may trail the history by a save)`)
  const st = await stat(join(dir, 'history', `${id}.bin`))
  assert.equal(st.size, FILE_BYTES)
})
