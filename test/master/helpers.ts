// Shared helpers for master tests: in-process masters, spawned masters, HTTP and SSE clients.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { TestContext } from 'node:test'
import { DEFAULT_TUNABLES, type Tunables } from '../../src/env.js'
import { createLogger } from '../../src/log.js'
import { startMaster, type MasterDeps, type RunningMaster } from '../../src/master/index.js'
import { parseUrl } from '../../src/url/parse.js'
import type { MasterConfig } from '../../src/url/types.js'

export const FAKE_TUNNEL = new URL('../fixtures/master/fake-tunnel.js', import.meta.url).href
export const LAUNCHER = new URL('../fixtures/master/launcher.js', import.meta.url).pathname
export const BIN = new URL('../../../bin/nodepass', import.meta.url).pathname

export async function tempDir(t: TestContext, name = 'np-master-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), name))
  // Retries: a master that is still stopping may write its state file while the directory is being removed.
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }))
  return dir
}

export function masterConfig(url = 'master://127.0.0.1:0/api?log=info'): MasterConfig {
  const r = parseUrl(url)
  if (!r.ok || r.config.role !== 'master') throw new Error(`bad master url ${url}`)
  return r.config
}

export interface Api {
  base: string
  key: string
  req(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>
}
export interface Reply {
  status: number
  headers: Headers
  text: string
  json: any
}

export function makeApi(base: string, key: string): Api {
  return {
    base,
    key,
    async req(method, path, body, headers = {}) {
      const init: RequestInit = {
        method,
        headers: { 'X-API-Key': key, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      }
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body)
      const res = await fetch(base + path, init)
      const text = await res.text()
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
      return { status: res.status, headers: res.headers, text, json }
    },
  }
}

export interface InProc {
  master: RunningMaster
  api: Api
  stateDir: string
  lines: string[]
}

export async function startInProcess(
  t: TestContext,
  opts: Omit<Partial<MasterDeps>, 'tunables'> & { url?: string; tunables?: Partial<Tunables>; stateDir?: string } = {},
): Promise<InProc> {
  const stateDir = opts.stateDir ?? (await tempDir(t))
  const lines: string[] = []
  const master = await startMaster(masterConfig(opts.url), {
    tunables: { ...DEFAULT_TUNABLES, reportIntervalMs: 200, ...opts.tunables },
    stateDir,
    tunnelModule: opts.tunnelModule ?? FAKE_TUNNEL,
    log: createLogger({ level: 'info', sink: (l) => lines.push(l) }),
    echo: (l) => lines.push(l),
    ...(opts.sseQueueBytes !== undefined ? { sseQueueBytes: opts.sseQueueBytes } : {}),
    ...(opts.sseHeartbeatMs !== undefined ? { sseHeartbeatMs: opts.sseHeartbeatMs } : {}),
    ...(opts.metricsPublic !== undefined ? { metricsPublic: opts.metricsPublic } : {}),
    ...(opts.historyFlushMs !== undefined ? { historyFlushMs: opts.historyFlushMs } : {}),
    ...(opts.apiTimeouts !== undefined ? { apiTimeouts: opts.apiTimeouts } : {}),
  })
  t.after(() => master.close())
  return { master, api: makeApi(master.apiUrl, master.manager.apiKey), stateDir, lines }
}

export interface SseFrame {
  type: string
  instance: any
  logs: string
  time: string
}

/** An SSE reader over fetch: collects frames; `next(pred)` waits for the next matching frame. */
export class SseClient {
  readonly frames: SseFrame[] = []
  raw = ''
  ended = false
  status = 0
  #waiters: (() => void)[] = []
  #abort = new AbortController()

  static async open(t: TestContext, api: Api, headers: Record<string, string> = {}): Promise<SseClient> {
    const c = new SseClient()
    const res = await fetch(api.base + '/events', {
      headers: { 'X-API-Key': api.key, ...headers },
      signal: c.#abort.signal,
    })
    c.status = res.status
    t.after(() => c.close())
    if (!res.body) throw new Error('no body')
    void c.#pump(res.body)
    return c
  }

  async #pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const dec = new TextDecoder()
    let buf = ''
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        const text = dec.decode(chunk, { stream: true })
        this.raw += text
        buf += text
        let i
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const data = block.split('\n').find((l) => l.startsWith('data: '))
          if (data) this.frames.push(JSON.parse(data.slice(6)) as SseFrame)
        }
        this.#wake()
      }
    } catch {
      // aborted
    }
    this.ended = true
    this.#wake()
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w()
  }

  async waitFrame(what: string, pred: (f: SseFrame, i: number) => boolean, ms = 10_000, from = 0): Promise<SseFrame> {
    const deadline = Date.now() + ms
    for (let round = 0; round < 100_000; round++) {
      const i = this.frames.findIndex((f, idx) => idx >= from && pred(f, idx))
      if (i >= 0) return this.frames[i]!
      if (this.ended) throw new Error(`stream ended before ${what}`)
      const left = deadline - Date.now()
      if (left <= 0) break
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    throw new Error(`timed out waiting for SSE ${what}`)
  }

  async waitEnd(ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('SSE stream did not end')
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  close(): void {
    this.#abort.abort()
  }
}

export interface Spawned {
  child: ChildProcess
  out: string[]
  info: { apiUrl: string; port: number; apiKey: string; loadedBackup: string | null }
  exited: Promise<number | null>
}

/** Spawns the fake-tunnel launcher as a real process and waits for its ready line. */
export async function spawnLauncher(
  t: TestContext,
  stateDir: string,
  env: Record<string, string> = {},
  port = 0,
): Promise<Spawned> {
  const child = spawn(process.execPath, [LAUNCHER, stateDir, String(port)], {
    env: { ...process.env, NP_REPORT_INTERVAL: '200ms', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    return exited.then(() => undefined)
  })
  const out: string[] = []
  const err: string[] = []
  createInterface({ input: child.stderr }).on('line', (l) => err.push(l))
  const info = await new Promise<Spawned['info']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`launcher not ready: ${err.join('\n')}`)), 15_000)
    createInterface({ input: child.stdout }).on('line', (l) => {
      out.push(l)
      if (l.startsWith('{"ready"')) {
        clearTimeout(timer)
        resolve(JSON.parse(l) as Spawned['info'])
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`launcher exited ${code}: ${err.join('\n')}`))
    })
  })
  return { child, out, info, exited }
}
