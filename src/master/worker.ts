// Entry of an instance worker thread: parses the instance URL, runs the tunnel, reports its typed state, stats and
// log lines (each as its own typed message: nothing is read back out of the log text).
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { ConfigError, errorInfo } from '../errors.js'
import { createLogger } from '../log.js'
import type { TunnelDeps, RunningTunnel } from '../tunnel/types.js'
import type { TunnelConfig } from '../url/types.js'
import { parseTunnelUrl } from '../url/parse.js'
import { isSingleExecutable } from '../embedded.js'
import type { FromWorker, ToWorker, WorkerInit } from './ipc.js'

type RunTunnel = (config: TunnelConfig, deps: TunnelDeps) => RunningTunnel

function requirePort(): MessagePort {
  if (!parentPort) throw new Error('worker.ts must run in a worker thread')
  return parentPort
}
const port = requirePort()
const init = workerData as WorkerInit
const post = (m: FromWorker): void => port.postMessage(m)

async function main(): Promise<void> {
  const parsed = parseTunnelUrl(init.url, { checkFiles: true })
  if (!parsed.ok) {
    post({ t: 'fatal', error: new ConfigError(parsed.issues, parsed.code).toJSON() })
    return
  }
  const config = parsed.config
  const log = createLogger({
    level: config.log,
    secrets: [config.key],
    // upstream's coloured lines in SSE `log` events (panels render them); the master strips them for a plain stdout
    colour: true,
    sink: (line, level) => post({ t: 'log', line, level }),
  })
  for (const w of parsed.warnings) log.warn(w)
  // The single executable's worker bundle carries the tunnel core inside (src/embedded.ts).
  const mod = (isSingleExecutable() ? await import('../tunnel/run.js') : await import(init.tunnelModule)) as { runTunnel: RunTunnel }
  const tunnel = mod.runTunnel(config, {
    log,
    tunables: init.tunables,
    // CHECK_POINT figures travel as typed `stats` messages; no CHECK_POINT line is logged (none is echoed or streamed).
    checkpointLines: false,
    onCheckpoint: (stats) => post({ t: 'stats', stats: { ...stats } }),
    onState: (state) => post({ t: 'state', state }),
  })
  post({ t: 'running' })
  port.on('message', (m: ToWorker) => {
    if (m.t === 'stop') {
      tunnel
        .close()
        .catch(() => undefined)
        .finally(() => {
          post({ t: 'stopped' })
          port.close()
        })
    }
  })
}

main().catch((err: unknown) => {
  post({ t: 'fatal', error: errorInfo(err) })
})
