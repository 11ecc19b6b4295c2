// The dashboard tests' browser and master: a headless Debian Chromium (playwright-core), a master process with its
// own state directory, sign-in, and a TCP relay that can cut the browser off the master.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { startNodePass, testEnv, type NodePassProc } from './proc.js'

const CHROMIUM = process.env.NP_CHROMIUM ?? '/usr/bin/chromium'
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run']
/**
 * Chromium logs every non-2xx fetch as a console error; the test provokes these itself: 401 (wrong key, and the
 * stream after the key changed) and 400 (the bad `rate`). Anything else is a failure.
 */
export const PROVOKED = /^Failed to load resource: the server responded with a status of 40[01] \((Unauthorized|Bad Request)\)$/

export const ZERO_RATE = /^↓ 0 B\/s ↑ 0 B\/s$/

/**
 * A headless Chromium with its own profile directory. One after-hook closes the browser and only then removes the
 * profile: removing it while Chromium still writes there failed with ENOTEMPTY, and a browser left open kept the
 * test file from ever finishing.
 */
export async function launchBrowser(t: { after(fn: () => unknown): void }, extra: { viewport?: { width: number; height: number } } = {}): Promise<BrowserContext> {
  const profile = await mkdtemp(join(tmpdir(), 'np-chromium-'))
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, ...extra })
  t.after(async () => {
    await ctx.close()
    await rm(profile, { recursive: true, force: true })
  })
  return ctx
}

export interface DashboardMaster {
  /** The running master; restart() replaces it, and the after-hook stops whichever runs then. */
  proc: NodePassProc
  stateDir: string
  /** `http://127.0.0.1:<port>/`, from the master's Dashboard line. */
  dashUrl: string
  port: number
  /** The API key, from the first-start banner. */
  key: string
  /** Starts the master again on the same port and state directory (after proc.stop()). */
  restart(): Promise<void>
}

/** A master with its own state directory and NP_REPORT_INTERVAL=500ms plus `env`; stopped and removed after `t`. */
export async function startDashboardMaster(t: { after(fn: () => unknown): void }, env: Record<string, string> = {}): Promise<DashboardMaster> {
  const stateDir = await mkdtemp(join(tmpdir(), 'np-web-'))
  const fullEnv = testEnv({ NP_STATE_DIR: stateDir, NP_REPORT_INTERVAL: '500ms', ...env })
  const m: DashboardMaster = {
    proc: startNodePass('master://127.0.0.1:0/api?log=info', fullEnv, 'master '),
    stateDir,
    dashUrl: '',
    port: 0,
    key: '',
    async restart() {
      m.proc = startNodePass(`master://127.0.0.1:${m.port}/api?log=info`, fullEnv, 'master2 ')
      await m.proc.waitFor(/Dashboard: http/)
    },
  }
  t.after(async () => {
    await m.proc.stop()
    await rm(stateDir, { recursive: true, force: true })
  })
  m.dashUrl = (await m.proc.waitFor(/Dashboard: http/)).replace(/^.*Dashboard: /, '').trim()
  m.key = (await m.proc.waitFor(/API key \(first start/)).replace(/^.*X-API-Key\): /, '').trim()
  m.port = Number(new URL(m.dashUrl).port)
  return m
}

export async function signIn(page: Page, key: string): Promise<void> {
  await page.fill('#apikey', key)
  await page.click('button[type=submit]')
}

/** A TCP relay in front of the master, so a test can cut the browser's connections and refuse new ones for a while. */
export async function relay(target: number): Promise<{ port: number; cut(): Promise<void>; open(): Promise<void>; close(): Promise<void> }> {
  const socks = new Set<Socket>()
  const make = (): NetServer =>
    createNetServer((a) => {
      const b = connect(target, '127.0.0.1')
      socks.add(a).add(b)
      a.on('close', () => socks.delete(a))
      b.on('close', () => socks.delete(b))
      a.on('error', () => b.destroy())
      b.on('error', () => a.destroy())
      a.pipe(b).pipe(a)
    })
  let srv = make()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as AddressInfo).port
  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((r) => srv.close(() => r()))
    for (const s of socks) s.destroy()
    await closed
  }
  return {
    port,
    cut: stop,
    open: async () => {
      srv = make()
      await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r))
    },
    close: () => (srv.listening ? stop() : Promise.resolve()),
  }
}
