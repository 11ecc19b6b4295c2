// Runs bin/nodepass as a real child process and collects its exit code and output (bounded by a timeout).
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { ROOT } from './bad-urls.js'

export const BIN = resolve(ROOT, 'bin/nodepass')

export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** The environment without any NP_* variable, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NP_')) env[k] = v
  return { ...env, ...extra }
}

/** Every child started by runCli that has not exited yet (for t.after cleanup). */
export const liveChildren = new Set<ChildProcess>()

export function runCli(args: readonly string[], env = cleanEnv(), timeoutMs = 20_000): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    liveChildren.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`nodepass ${JSON.stringify(args)} did not exit within ${timeoutMs} ms`))
    }, timeoutMs)
    child.on('error', (err) => {
      clearTimeout(timer)
      liveChildren.delete(child)
      reject(err)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      liveChildren.delete(child)
      resolvePromise({ code, signal, stdout, stderr })
    })
  })
}

/** Maps `items` through `fn` with at most `limit` in flight, keeping the order of results. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
