// The seed document's JavaScript examples, adapted only where they read the `{success,data}` envelope (the API
// returns raw bodies): create, alias, auto-restart policy, control, metadata, master ID, key regeneration, SSE.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { until } from '../helpers/net.js'
import { startInProcess } from './helpers.js'

test("the seed's fetch examples work against the master", async (t) => {
  const { master } = await startInProcess(t)
  const API_URL = master.apiUrl.replace(/\/v1$/, '') // the seed's examples use <prefix> without /v1 (D10)
  let apiKey = master.manager.apiKey
  const apiKeyID = '********'

  async function createNodePassInstance(config: { port: number; target: string; tls: number }): Promise<any> {
    const response = await fetch(`${API_URL}/instances`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey },
      body: JSON.stringify({ url: `server://127.0.0.1:${config.port}/${config.target}?tls=${config.tls}` }),
    })
    assert.equal(response.status, 201)
    return response.json() // adapted: raw instance instead of data.data
  }
  async function patch(id: string, body: unknown): Promise<boolean> {
    const response = await fetch(`${API_URL}/instances/${id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey },
      body: JSON.stringify(body),
    })
    return response.ok // adapted: data.success → response.ok
  }
  const inst = await createNodePassInstance({ port: 10101, target: '127.0.0.1:3000', tls: 0 })
  assert.equal(await patch(inst.id, { restart: true }), true) // setAutoStartPolicy
  assert.equal(await patch(inst.id, { alias: 'server-default-10101' }), true) // updateInstanceAlias
  assert.equal(await patch(inst.id, { action: 'restart' }), true) // controlInstance
  assert.equal(await patch(inst.id, { meta: { peer: { sid: crypto.randomUUID(), type: '1', alias: 'Web Server' }, tags: {} } }), true) // setPeerInfo
  assert.equal(await patch(inst.id, { meta: { peer: {}, tags: { environment: 'staging', updated_at: new Date().toISOString() } } }), true) // updateInstanceTags
  const got: any = await (await fetch(`${API_URL}/instances/${inst.id}`, { headers: { 'X-API-Key': apiKey } })).json()
  assert.equal(got.alias, 'server-default-10101')
  assert.equal(got.meta.peer.alias, 'Web Server')
  assert.equal(got.meta.peer.type, '1')
  assert.equal(got.meta.tags.environment, 'staging')
  // findInstanceByAlias / findInstancesByTags (adapted: the list is the body)
  const list = (await (await fetch(`${API_URL}/instances`, { headers: { 'X-API-Key': apiKey } })).json()) as any[]
  assert.equal(list.find((i) => i.alias === 'server-default-10101')?.id, inst.id)
  assert.deepEqual(list.filter((i) => i.meta?.tags?.environment === 'staging').map((i) => i.id), [inst.id])
  await until(async () => ((await (await fetch(`${API_URL}/instances/${inst.id}`, { headers: { 'X-API-Key': apiKey } })).json()) as any).status === 'running', 10_000, 'running')

  // getMasterID: result.config (adapted from result.data.config)
  const masterId = ((await (await fetch(`${API_URL}/instances/${apiKeyID}`, { headers: { "X-API-Key": apiKey } })).json()) as any).config
  assert.match(masterId, /^[0-9a-f]{16}$/)
  // getSystemInfo + POST /info
  const info: any = await (await fetch(`${API_URL}/info`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey }, body: JSON.stringify({ alias: 'My NodePass Server' }) })).json()
  assert.equal(info.alias, 'My NodePass Server')
  assert.equal(info.mid, masterId)

  // connectToEventSourceWithApiKey: fetch + reader, split on blank lines, `event:` and `data:` lines
  const response = await fetch(`${API_URL}/events`, { method: 'GET', headers: { 'X-API-Key': apiKey, 'Cache-Control': 'no-cache' } })
  assert.ok(response.ok)
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  const seen: any[] = []
  for (let i = 0; i < 50 && !seen.some((d) => d.type === 'initial' && d.instance.id === inst.id); i++) {
    const { value, done } = await reader.read()
    if (done) break
    buffer += decoder.decode(value, { stream: true })
    const lines = buffer.split('\n\n')
    buffer = lines.pop() ?? ''
    for (const line of lines) {
      const eventMatch = /^event: (.+)$/m.exec(line)
      const dataMatch = /^data: (.+)$/m.exec(line)
      if (eventMatch && dataMatch) {
        assert.equal(eventMatch[1], 'instance')
        seen.push(JSON.parse(dataMatch[1]!))
      }
    }
  }
  assert.ok(seen.some((d) => d.type === 'initial' && d.instance.id === apiKeyID))
  await reader.cancel()

  // regenerateApiKey: result.url is the new key
  const regen = await fetch(`${API_URL}/instances/${apiKeyID}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey }, body: JSON.stringify({ action: 'restart' }) })
  const result: any = await regen.json()
  assert.notEqual(result.url, apiKey)
  apiKey = result.url
  assert.equal((await fetch(`${API_URL}/instances`, { headers: { 'X-API-Key': apiKey } })).status, 200)
  // delete: 204
  assert.equal((await fetch(`${API_URL}/instances/${inst.id}`, { method: 'DELETE', headers: { 'X-API-Key': apiKey } })).status, 204)
})
