// The built-in dashboard in a real browser (Debian's chromium via playwright-core) against a real master
// process with real server+client instances: sign-in, create through the form, traffic, logs, stop/delete, key
// regeneration. Needs /usr/bin/chromium (.ci/run installs it).
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { freePort, sha256, tcpEcho, tcpRoundTrip, until } from '../helpers/net.js'
import { ROOT } from '../helpers/proc.js'
import { HINTS } from '../../src/errors.js'
import { PROVOKED, ZERO_RATE, launchBrowser, relay, signIn, startDashboardMaster } from '../helpers/dashboard.js'

test('dashboard: sign in, create a pair, traffic, logs, stop, delete, regenerate the key', { timeout: 180_000 }, async (t) => {
  const master = await startDashboardMaster(t)
  const { dashUrl, key } = master
  const apiUrl = `${dashUrl}api/v1`
  assert.match(key, /^[0-9a-f]{32}$/)

  const echo = await tcpEcho()
  t.after(() => echo.close())
  const tunnelPort = await freePort()
  const localPort = await freePort()

  await mkdir(join(ROOT, 'test-artifacts'), { recursive: true })
  const ctx = await launchBrowser(t, { viewport: { width: 1400, height: 900 } })
  const page = ctx.pages()[0] ?? (await ctx.newPage())
  page.setDefaultTimeout(20_000)
  const consoleErrors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text())
  })
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`))

  // The page, its assets and the 404 for anything else.
  const res = await page.goto(dashUrl)
  assert.equal(res?.status(), 200)
  assert.equal(res?.headers()['content-type'], 'text/html; charset=utf-8')

  // A wrong key is refused with the API's message.
  await signIn(page, 'not-the-key')
  assert.equal(await page.textContent('[data-testid=signin-error]'), 'Wrong API key: Unauthorized: Invalid API key')
  await signIn(page, key)
  await page.waitForSelector('[data-testid=link-state]:text("live")')
  await page.waitForSelector('text=No instances yet')

  // Create the server through the form; a bad parameter first shows the API's issue next to its field.
  await page.click('text=New instance')
  await page.fill('#c-alias', 'web-server')
  await page.fill('#c-tunnel', `127.0.0.1:${tunnelPort}`)
  await page.fill('#c-target', `127.0.0.1:${echo.port}`)
  await page.fill('#c-tkey', 'sesame')
  await page.click('summary:text("Parameters")')
  await page.fill('#param-rate', 'fast')
  await page.click('button:text("Create")')
  assert.equal(await page.textContent('[data-testid=issue-rate]'), 'rate: must be an integer from 0 to 1000000, got "fast"')
  const createError = (await page.textContent('[data-testid=create-error]')) ?? ''
  assert.match(createError, /^Invalid URL format: rate: must be an integer/)
  assert.ok(createError.endsWith(` [NP_ERR_CONFIG_INVALID] — ${HINTS.NP_ERR_CONFIG_INVALID}`), createError)
  await page.screenshot({ path: join(ROOT, 'test-artifacts/dashboard-create.png') })
  await page.fill('#param-rate', '')
  assert.equal(await page.textContent('[data-testid=url-preview]'), `server://***@127.0.0.1:${tunnelPort}/127.0.0.1:${echo.port}`)
  await page.click('button:text("Create")')
  await page.waitForSelector('[data-testid=detail-status]:text("running")')

  // The client, dual-end (mode=2), chosen from the parameter list.
  await page.click('a[aria-label=Close]')
  await page.click('text=New instance')
  await page.fill('#c-alias', 'web-client')
  await page.check('input[name=role][value=client]')
  await page.fill('#c-tunnel', `127.0.0.1:${tunnelPort}`)
  await page.fill('#c-target', `127.0.0.1:${localPort}`)
  await page.fill('#c-tkey', 'sesame')
  await page.click('summary:text("Parameters")')
  await page.selectOption('#param-mode', '2')
  await page.click('button:text("Create")')
  await page.waitForSelector('[data-testid=detail-status]:text("running")')
  await page.click('a[aria-label=Close]')
  await page.waitForFunction("document.querySelectorAll('[data-testid=instance-row]').length === 2")

  // Traffic through the pair: bytes compared, then the rate and total cells move.
  const serverRow = page.locator('[data-testid=instance-row]', { hasText: 'web-server' })
  let sent = 0
  let rateText = ''
  for (let i = 0; i < 100; i++) {
    const payload = randomBytes(256 * 1024)
    const back = await tcpRoundTrip(localPort, payload)
    assert.equal(sha256(back), sha256(payload))
    sent += payload.length
    rateText = (await serverRow.locator('[data-testid=rate]').textContent()) ?? ''
    if (!ZERO_RATE.test(rateText)) break
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.ok(sent > 0)
  assert.match(rateText, /^↓ [0-9.]+ (B|KiB|MiB)\/s ↑ [0-9.]+ (B|KiB|MiB)\/s$/)
  assert.doesNotMatch(rateText, ZERO_RATE)
  await page.waitForFunction(`[...document.querySelectorAll('[data-testid=instance-row]')]
    .some((r) => r.textContent.includes('web-server') && !/^↓ 0 B/.test(r.querySelector('[data-testid=total]').textContent))`)
  await page.screenshot({ path: join(ROOT, 'test-artifacts/dashboard.png') })

  // The server's detail: a log line, the chart, then stop and delete.
  await serverRow.locator('a.name').click()
  await page.waitForSelector('[data-testid=chart] canvas')
  await page.waitForSelector('[data-testid=log] div')
  assert.match((await page.textContent('[data-testid=log]')) ?? '', /INFO/)
  await page.screenshot({ path: join(ROOT, 'test-artifacts/dashboard-detail.png') })

  // Edit: a tag, then the tag filter narrows the list; a phone-sized view of it.
  await page.fill('#d-tags', 'env=test')
  await page.click('button:text("Save settings")')
  assert.equal(await page.textContent('[data-testid=settings-msg]'), 'Settings: saved')
  await page.click('a[aria-label=Close]')
  await serverRow.locator('.tag:text("env=test")').waitFor()
  await page.selectOption('select[aria-label=Tag]', { label: 'env=test' })
  await page.waitForSelector('[data-testid=count]:text("1 of 2")')
  await page.setViewportSize({ width: 390, height: 844 })
  await page.selectOption('select[aria-label=Tag]', '')
  await page.screenshot({ path: join(ROOT, 'test-artifacts/dashboard-phone.png') })
  await page.setViewportSize({ width: 1400, height: 900 })
  await serverRow.locator('a.name').click()
  await page.click('[data-testid=detail] button:text-is("Stop")')
  await page.waitForSelector('[data-testid=detail-status]:text("stopped")')
  page.once('dialog', (d) => void d.accept())
  await page.click('[data-testid=detail] button:text-is("Delete")')
  await page.waitForFunction("document.querySelectorAll('[data-testid=instance-row]').length === 1")
  const list = (await (await fetch(`${apiUrl}/instances`, { headers: { 'X-API-Key': key } })).json()) as { alias: string }[]
  assert.deepEqual(list.map((i) => i.alias).sort(), ['', 'web-client'])

  // An instance in error shows its code and hint next to it, in the list and on its page (typed state over SSE).
  const deadPort = await freePort()
  const broken = await fetch(`${apiUrl}/instances`, {
    method: 'POST',
    headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
    body: JSON.stringify({ alias: 'web-broken', url: `client://k@127.0.0.1:${deadPort}/127.0.0.1:${localPort}?mode=2` }),
  })
  assert.equal(broken.status, 201)
  const brokenRow = page.locator('[data-testid=instance-row]', { hasText: 'web-broken' })
  await brokenRow.locator('[data-testid=error-code]:text("NP_ERR_TARGET_REFUSED")').waitFor()
  assert.equal(await brokenRow.locator('[data-testid=status]').textContent(), 'error')
  assert.equal(await brokenRow.locator('[data-testid=error-hint]').textContent(), HINTS.NP_ERR_TARGET_REFUSED)
  await brokenRow.locator('a.name').click()
  assert.equal(await page.textContent('[data-testid=detail-error-code]'), 'NP_ERR_TARGET_REFUSED')
  assert.match((await page.textContent('[data-testid=detail-error]')) ?? '', new RegExp(`tunnelHandshake: connect ECONNREFUSED 127\\.0\\.0\\.1:${deadPort}`))
  assert.equal(await page.textContent('[data-testid=detail-error-hint]'), `Hint: ${HINTS.NP_ERR_TARGET_REFUSED}`)
  await page.screenshot({ path: join(ROOT, 'test-artifacts/dashboard-error.png') })
  await page.click('a[aria-label=Close]')

  // Master panel, then a regenerated key signs this page out and shows the new key once.
  await page.click('a:text-is("Master")')
  await page.waitForSelector('[data-testid=master-ver]')
  await page.screenshot({ path: join(ROOT, 'test-artifacts/dashboard-master.png') })
  await page.fill('#m-alias', 'edge-1')
  await page.click('[data-testid=master] button:text-is("Save")')
  assert.equal(await page.textContent('[data-testid=master-msg]'), 'Alias saved')
  const info = (await (await fetch(`${apiUrl}/info`, { headers: { 'X-API-Key': key } })).json()) as { alias: string }
  assert.equal(info.alias, 'edge-1')
  await page.fill('input[aria-label="host:port"]', `127.0.0.1:${echo.port}`)
  await page.click('button:text-is("Ping")')
  assert.match((await page.textContent('[data-testid=tcping-result]')) ?? '', new RegExp(`^127\\.0\\.0\\.1:${echo.port}: connected in \\d+ ms$`))
  page.once('dialog', (d) => void d.accept())
  await page.click('button:text("Regenerate API key")')
  const notice = (await page.textContent('[data-testid=notice]')) ?? ''
  const newKey = /New key \(copy it now\): ([0-9a-f]{32})$/.exec(notice)?.[1]
  assert.ok(newKey, notice)
  assert.notEqual(newKey, key)
  assert.equal((await fetch(`${apiUrl}/info`, { headers: { 'X-API-Key': key } })).status, 401)
  assert.equal((await fetch(`${apiUrl}/info`, { headers: { 'X-API-Key': newKey } })).status, 200)
  assert.equal(await page.evaluate("sessionStorage.getItem('np-api-key')"), null)

  const unexpected = consoleErrors.filter((e) => !PROVOKED.test(e))
  assert.deepEqual(unexpected, [])
})

test('dashboard: reconnects after a master restart and the fresh initial burst replaces the list', { timeout: 120_000 }, async (t) => {
  const master = await startDashboardMaster(t)
  const { dashUrl, key } = master
  const create = async (alias: string): Promise<void> => {
    const res = await fetch(`${dashUrl}api/v1/instances`, {
      method: 'POST',
      headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
      body: JSON.stringify({ alias, url: `server://127.0.0.1:${await freePort()}/127.0.0.1:${await freePort()}` }),
    })
    assert.equal(res.status, 201)
  }
  await create('keep-me')
  await create('drop-me')

  const ctx = await launchBrowser(t)
  const page = ctx.pages()[0] ?? (await ctx.newPage())
  page.setDefaultTimeout(30_000)
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await page.goto(dashUrl)
  await signIn(page, key)
  await page.waitForSelector('[data-testid=count]:text("2 of 2")')

  // Master down: the page says so and keeps retrying; one instance disappears from the state meanwhile.
  await master.proc.stop('SIGTERM')
  await page.waitForSelector('[data-testid=link-state]:text("reconnecting")')
  const file = join(master.stateDir, 'nodepass.json')
  const state = JSON.parse(await readFile(file, 'utf8')) as { instances: { alias: string }[] }
  state.instances = state.instances.filter((i) => i.alias !== 'drop-me')
  await writeFile(file, JSON.stringify(state))
  await master.restart()

  await page.waitForSelector('[data-testid=link-state]:text("live")')
  await page.waitForSelector('[data-testid=count]:text("1 of 1")')
  assert.equal(await page.textContent('[data-testid=instance-row] a.name'), 'keep-me')
  assert.deepEqual(pageErrors, [])
})

test('dashboard: history chart and sparklines from the master; the event stream resumes without losing a log line', { timeout: 180_000 }, async (t) => {
  const master = await startDashboardMaster(t, { NP_HISTORY_FLUSH: '200ms' })
  const { dashUrl, key, port: mport } = master
  const api = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${dashUrl}api/v1${path}`, {
      method,
      headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    return text === '' ? undefined : JSON.parse(text)
  }
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const tunnelPort = await freePort()
  const publicPort = await freePort()
  const srv = await api('POST', '/instances', { alias: 'hist-srv', url: `server://127.0.0.1:${tunnelPort}/127.0.0.1:${publicPort}` })
  const cli = await api('POST', '/instances', { alias: 'hist-cli', url: `client://127.0.0.1:${tunnelPort}/127.0.0.1:${echo.port}?mode=2` })
  const N = 3 * 1024 * 1024
  await until(async () => (await api('GET', `/instances/${srv.id}`)).mode > 0, 30_000, 'server up')
  const payload = randomBytes(N)
  assert.equal(sha256(await tcpRoundTrip(publicPort, payload)), sha256(payload))
  await until(async () => {
    const v = await api('GET', `/instances/${srv.id}`)
    return v.tcprx === N && v.tcptx === N
  }, 30_000, 'tcprx = tcptx = N')

  // A master restart: the history comes from disk, not from what a page saw.
  await master.proc.stop('SIGTERM')
  await master.restart()
  await until(async () => (await api('GET', `/instances/${srv.id}`)).mode > 0, 30_000, 'server up again')

  const proxy = await relay(mport)
  t.after(() => proxy.close())
  const ctx = await launchBrowser(t, { viewport: { width: 1400, height: 900 } })
  const page = ctx.pages()[0] ?? (await ctx.newPage())
  page.setDefaultTimeout(30_000)
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await page.goto(`http://127.0.0.1:${proxy.port}/`)
  await signIn(page, key)
  await page.waitForSelector('[data-testid=count]:text("2 of 2")')

  // The sparkline of the server: its 24 hours hold the N bytes in and N out.
  const row = page.locator('[data-testid=instance-row]', { hasText: 'hist-srv' })
  const sparkSum = async (): Promise<number> => Number(await row.locator('[data-testid=spark]').getAttribute('data-sum'))
  await until(async () => (await sparkSum()) >= 2 * N, 30_000, `the sparkline's 24 hours (${await sparkSum()} of ${2 * N})`)

  // The chart reads history at every range, and extends it live.
  await row.locator('a.name').click()
  const rxShown = async (): Promise<number> => Number(await page.getAttribute('[data-testid=chart-total]', 'data-rx'))
  for (const label of ['1 h', '24 h', '7 d', '30 d', '90 d']) {
    await page.click(`[data-testid=chart-range]:text("${label}")`)
    await page.waitForFunction(`Number(document.querySelector('[data-testid=chart-total]').dataset.rx) >= ${N}`)
    assert.ok((await rxShown()) < 2 * N, `${label}: the history counted once`)
  }
  await page.click('[data-testid=chart-range]:text("1 h")')
  await page.waitForFunction(`Number(document.querySelector('[data-testid=chart-total]').dataset.rx) >= ${N}`)
  const more = randomBytes(N)
  assert.equal(sha256(await tcpRoundTrip(publicPort, more)), sha256(more))
  await page.waitForFunction(`Number(document.querySelector('[data-testid=chart-total]').dataset.rx) >= ${2 * N}`)

  // Cut the page's connections and refuse new ones; meanwhile the client restarts (log lines) and gets renamed.
  const refAbort = new AbortController()
  t.after(() => refAbort.abort())
  const reference = await fetch(`${dashUrl}api/v1/events`, { headers: { 'X-API-Key': key }, signal: refAbort.signal })
  const refLines: string[] = []
  const refDone = (async () => {
    const dec = new TextDecoder()
    let buf = ''
    for await (const chunk of reference.body as unknown as AsyncIterable<Uint8Array>) {
      buf += dec.decode(chunk, { stream: true })
      let i
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const data = buf.slice(0, i).split('\n').find((l) => l.startsWith('data: '))
        buf = buf.slice(i + 2)
        const f = data ? JSON.parse(data.slice(6)) : undefined
        if (f?.type === 'log' && f.instance.id === cli.id) refLines.push(f.logs)
      }
    }
  })().catch(() => undefined)
  await proxy.cut()
  await page.waitForSelector('[data-testid=link-state]:text("reconnecting")')
  await api('PATCH', `/instances/${cli.id}`, { action: 'restart' })
  await api('PATCH', `/instances/${cli.id}`, { alias: 'hist-cli-renamed' })
  await until(() => refLines.length >= 2, 30_000, 'log lines of the restart')
  const missed = [...refLines]
  await proxy.open()
  await page.waitForSelector('[data-testid=link-state]:text("live")')
  await page.waitForSelector('[data-testid=instance-row] a.name:text("hist-cli-renamed")')
  await page.click('a[aria-label=Close]')
  await page.locator('[data-testid=instance-row]', { hasText: 'hist-cli-renamed' }).locator('a.name').click()
  const logText = async (): Promise<string> => (await page.textContent('[data-testid=log]')) ?? ''
  await until(async () => {
    const text = await logText()
    // eslint-disable-next-line no-control-regex
    return missed.every((l) => text.includes(l.replace(/\x1b\[[0-9;]*m/g, '')))
  }, 30_000, `every log line sent while disconnected (${missed.length}) on the page`)
  const metrics = await (await fetch(`${dashUrl}api/v1/metrics`, { headers: { Authorization: `Bearer ${key}` } })).text()
  assert.match(metrics, /^nodepass_sse_resumes_total\{result="replayed"\} [1-9]\d*$/m, 'the page resumed from the journal')
  refAbort.abort()
  await refDone
  assert.deepEqual(pageErrors, [])
})
