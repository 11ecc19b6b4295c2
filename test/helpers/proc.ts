// Long-running `bin/nodepass` child processes for integration tests: collect output lines, await a line, stop.
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stripAnsi } from '../../src/ansi.js'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
export const BIN = resolve(ROOT, 'bin/nodepass')
export const TLS_DIR = resolve(ROOT, 'test/fixtures/tls')

export interface NodePassProc {
  readonly child: ChildProcess
  /** Output lines so far (stdout and stderr, colour codes removed). */
  readonly lines: string[]
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<string>
  /** Resolves with the exit code / signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** The environment without NP_* variables, plus `extra` (short cooldown and report interval by default). */
export function testEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NP_') && k !== 'NODE_TEST_CONTEXT') env[k] = v
  return { ...env, NP_SERVICE_COOLDOWN: '200ms', NP_REPORT_INTERVAL: '1s', ...extra }
}

/** `prefix` runs the process under a wrapper command, e.g. `['prlimit', '--nofile=64:64']`. */
export function startNodePass(url: string, env: NodeJS.ProcessEnv = testEnv(), name = '', prefix: string[] = []): NodePassProc {
  return startProcess([...prefix, process.execPath, BIN, url], env, name)
}

/** Any command (e.g. an installed `nodepass` or the single executable) as a NodePassProc, run in `cwd`. */
export function startProcess(argv: readonly string[], env: NodeJS.ProcessEnv = testEnv(), name = '', cwd = ROOT): NodePassProc {
  const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  const watchers = new Set<() => void>()
  let partial = ''
  const onData = (d: string): void => {
    partial += d
    const parts = partial.split('\n')
    partial = parts.pop()!
    for (const p of parts) {
      const line = stripAnsi(p)
      lines.push(line)
      if (process.env.NP_TEST_LOG) process.stderr.write(`${name}${line}\n`)
    }
    for (const w of watchers) w()
  }
  child.stdout.setEncoding('utf8').on('data', onData)
  child.stderr.setEncoding('utf8').on('data', onData)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => {
      for (const w of watchers) w()
      r({ code, signal })
    }),
  )
  const proc: NodePassProc = {
    child,
    lines,
    exited,
    waitFor(pattern, timeoutMs = 15_000, from = 0) {
      return new Promise((resolveWait, reject) => {
        const check = (): void => {
          const hit = lines.slice(from).find((l) => pattern.test(l))
          if (hit !== undefined) {
            done()
            resolveWait(hit)
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done()
            reject(new Error(`${name}process exited before ${pattern}; output:\n${lines.join('\n')}`))
          }
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`${name}no line matching ${pattern} within ${timeoutMs}ms; output:\n${lines.slice(-30).join('\n')}`))
        }, timeoutMs)
        const done = (): void => {
          clearTimeout(timer)
          watchers.delete(check)
        }
        watchers.add(check)
        check()
      })
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
      const r = await exited
      clearTimeout(t)
      return r
    },
  }
  return proc
}
