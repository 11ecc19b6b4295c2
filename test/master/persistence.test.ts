// Persistence (D17) in real processes: kill -9 after a burst of 200 acknowledged writes loses nothing; a damaged
// state file falls back to the backup loudly; both damaged → refuse to start.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { until } from '../helpers/net.js'
import { BIN, makeApi, spawnLauncher, tempDir } from './helpers.js'

const SID = '550e8400-e29b-41d4-a716-446655440000'

test('kill -9 after 200 acknowledged writes: everything is back after a restart', async (t) => {
  const dir = await tempDir(t)
  const first = await spawnLauncher(t, dir)
  const api = makeApi(first.info.apiUrl, first.info.apiKey)
  const masterId = (await api.req('GET', '/instances/********')).json.config as string
  assert.match(masterId, /^[0-9a-f]{16}$/)

  // 20 creates + 180 patches, 10 in flight at a time
  const ids: string[] = []
  for (let i = 0; i < 20; i += 10) {
    const rs = await Promise.all(
      Array.from({ length: 10 }, (_, j) => api.req('POST', '/instances', { alias: `i${i + j}`, url: `server://127.0.0.1:${20000 + i + j}/127.0.0.1:8080` })),
    )
    for (const r of rs) {
      assert.equal(r.status, 201)
      ids.push(r.json.id)
    }
  }
  const expected = new Map<string, { alias: string; restart: boolean; tags: Record<string, string> }>()
  for (const [n, id] of ids.entries()) expected.set(id, { alias: `i${n}`, restart: true, tags: {} })
  const writes: (() => Promise<void>)[] = []
  for (let k = 0; k < 180; k++) {
    const id = ids[k % ids.length]!
    const e = expected.get(id)!
    const round = Math.floor(k / ids.length)
    const alias = `i${k % ids.length}-r${round}`
    const restart = (k % ids.length) % 3 !== 0
    const tags = { round: String(round), k: String(k) }
    e.alias = alias
    e.restart = restart
    e.tags = tags
    writes.push(async () => {
      const r = await api.req('PATCH', `/instances/${id}`, { alias, restart, meta: { peer: { sid: SID, type: '2' }, tags } })
      assert.equal(r.status, 200)
    })
  }
  for (let i = 0; i < writes.length; i += 10) await Promise.all(writes.slice(i, i + 10).map((w) => w()))
  await api.req('POST', '/info', { alias: 'persisted master' })

  // traffic totals: read one, then wait until the monitor has saved at least that much before the kill
  const probe = ids[1]!
  const seen = await until(async () => {
    const v = (await api.req('GET', `/instances/${probe}`)).json
    return v.tcprx > 0 ? (v.tcprx as number) : undefined
  }, 10_000, 'traffic on the probe')
  await until(async () => {
    const state = JSON.parse(await readFile(join(dir, 'nodepass.json'), 'utf8').catch(() => '{}')) as { instances?: any[] }
    return (state.instances?.find((r) => r.id === probe)?.totals.tcprx ?? 0) >= seen
  }, 10_000, 'traffic total saved')
  first.child.kill('SIGKILL')
  await first.exited

  const second = await spawnLauncher(t, dir)
  assert.equal(second.info.apiKey, first.info.apiKey, 'the API key is back')
  assert.equal(second.info.loadedBackup, null)
  const api2 = makeApi(second.info.apiUrl, second.info.apiKey)
  const key = (await api2.req('GET', '/instances/********')).json
  assert.equal(key.config, masterId, 'the master ID is back')
  assert.equal(key.alias, 'persisted master')
  const list = (await api2.req('GET', '/instances')).json as any[]
  assert.equal(list.length, 21)
  for (const [id, e] of expected) {
    const v = list.find((x) => x.id === id)
    assert.ok(v, `instance ${id} is back`)
    assert.equal(v.alias, e.alias)
    assert.equal(v.restart, e.restart)
    assert.deepEqual(v.meta, { peer: { sid: SID, type: '2', alias: '' }, tags: e.tags })
  }
  const probeNow = list.find((x) => x.id === probe)
  assert.ok(probeNow.tcprx >= seen, `traffic total kept (${probeNow.tcprx} ≥ ${seen})`)
  // restart:true instances run again; restart:false ones stay stopped
  await until(async () => {
    const l = (await api2.req('GET', '/instances')).json as any[]
    return l.filter((x) => x.id !== '********').every((x) => (x.restart ? x.status === 'running' : x.status === 'stopped'))
  }, 20_000, 'auto-restart instances running')
})

test('a damaged state file: the backup is loaded and a message says so; both damaged: refuse to start', async (t) => {
  const dir = await tempDir(t)
  const a = await spawnLauncher(t, dir)
  const api = makeApi(a.info.apiUrl, a.info.apiKey)
  const c = await api.req('POST', '/instances', { alias: 'kept', url: 'client://127.0.0.1:10101/127.0.0.1:8080' })
  a.child.kill('SIGTERM')
  assert.equal(await a.exited, 0)
  // restart once so the startup backup contains the instance
  const b = await spawnLauncher(t, dir)
  b.child.kill('SIGTERM')
  await b.exited
  const file = join(dir, 'nodepass.json')
  await writeFile(file, '{"version":1,"apiKey":"trunc')
  const c2 = await spawnLauncher(t, dir)
  assert.match(c2.info.loadedBackup ?? '', /state file .*nodepass\.json is damaged/)
  assert.ok(c2.out.some((l) => l.includes('STATE RECOVERY') && l.includes('nodepass.json.backup')), c2.out.join('\n'))
  assert.equal(c2.info.apiKey, a.info.apiKey)
  const api3 = makeApi(c2.info.apiUrl, c2.info.apiKey)
  assert.equal((await api3.req('GET', `/instances/${c.json.id}`)).json.alias, 'kept')
  c2.child.kill('SIGTERM')
  await c2.exited
  // the good state was written back; now damage both
  JSON.parse(await readFile(file, 'utf8'))
  await writeFile(file, 'garbage')
  await writeFile(file + '.backup', '{}')
  const stateDir = dir
  const child = spawn(process.execPath, [BIN, 'master://127.0.0.1:0/api'], { env: { ...process.env, NP_STATE_DIR: stateDir }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdout.resume()
  const code = await new Promise<number | null>((r) => child.once('exit', r))
  assert.equal(code, 1)
  assert.match(stderr, /^Error: state file .*nodepass\.json is damaged \(.*\) and its backup .*nodepass\.json\.backup is damaged \(not a NodePass state file \(version 1\)\); refusing to start with an empty state and a new API key/m)
  assert.equal(await readFile(file, 'utf8'), 'garbage', 'the damaged file is left for the operator')
})

test('the backup is refreshed every NP_RELOAD_INTERVAL', async (t) => {
  const dir = await tempDir(t)
  const m = await spawnLauncher(t, dir, { NP_RELOAD_INTERVAL: '300ms' })
  const api = makeApi(m.info.apiUrl, m.info.apiKey)
  const c = await api.req('POST', '/instances', { alias: 'later', url: 'client://127.0.0.1:10101/127.0.0.1:8080' })
  assert.equal(c.status, 201)
  await until(async () => {
    const text = await readFile(join(dir, 'nodepass.json.backup'), 'utf8').catch(() => '')
    return text.includes(c.json.id as string)
  }, 10_000, 'backup holds the new instance')
})
