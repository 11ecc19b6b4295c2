// Colours only on a terminal, and never with NO_COLOR (https://no-color.org): bin/nodepass run with its stdout on a
// pipe, and on a pseudo-terminal made by util-linux `script`, with and without NO_COLOR. Short tunnel keys are masked.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { stripAnsi } from '../../src/ansi.js'
import { createLogger, secretMasker } from '../../src/log.js'
import { freePort } from '../helpers/net.js'

const BIN = new URL('../../../bin/nodepass', import.meta.url).pathname
const HAVE_SCRIPT = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0

/** Runs a server for 2 s (coreutils `timeout` sends SIGTERM), on a pipe or a pty; resolves with everything it printed. */
async function run(pty: boolean, env: Record<string, string | undefined>): Promise<string> {
  const url = `server://k@127.0.0.1:${await freePort()}/127.0.0.1:${await freePort()}`
  const cmd = ['timeout', '-s', 'TERM', '2', process.execPath, BIN, url]
  const fullEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) fullEnv[k] = v
  const [file, args] = pty
    ? ['script', ['-qfec', cmd.map((a) => `'${a}'`).join(' '), '/dev/null']]
    : [cmd[0]!, cmd.slice(1)]
  const child = spawn(file, args, { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  await new Promise((r) => child.once('close', r))
  clearTimeout(killer)
  assert.match(stripAnsi(out), /INFO {2}Server started: server:\/\/\*\*\*@127\.0\.0\.1:/, out)
  return out
}

const ESC = '\x1b['

test('log colours: none on a pipe; on a terminal unless NO_COLOR is set (an empty NO_COLOR counts as unset)', { skip: !HAVE_SCRIPT && 'util-linux script is not installed' }, async () => {
  const [pipe, tty, ttyNoColor, ttyEmpty] = await Promise.all([
    run(false, { NO_COLOR: undefined }),
    run(true, { NO_COLOR: undefined }),
    run(true, { NO_COLOR: '1' }),
    run(true, { NO_COLOR: '' }),
  ])
  assert.ok(!pipe.includes(ESC), JSON.stringify(pipe))
  assert.ok(tty.includes(`${ESC}32mINFO${ESC}0m`), JSON.stringify(tty))
  assert.ok(!ttyNoColor.includes(ESC), JSON.stringify(ttyNoColor))
  assert.ok(ttyEmpty.includes(`${ESC}32mINFO${ESC}0m`), JSON.stringify(ttyEmpty))
})

test('a logger colours only when told to; masters keep colours in instance lines for SSE', () => {
  const lines: string[] = []
  createLogger({ level: 'info', colour: false, sink: (l) => lines.push(l) }).info('plain')
  createLogger({ level: 'info', colour: true, sink: (l) => lines.push(l) }).warn('coloured')
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} {2}INFO {2}plain$/)
  assert.ok(lines[1]!.endsWith(`  ${ESC}33mWARN${ESC}0m  coloured`), JSON.stringify(lines[1]))
})

test('every tunnel key is masked, however short; digits and words around it survive', () => {
  const lines: string[] = []
  const log = createLogger({ level: 'info', colour: false, secrets: ['k'], sink: (l) => lines.push(l.slice(25)) })
  log.info('dial client://k@127.0.0.1:10101/127.0.0.1:8080 refused')
  log.warn('tunnel key: got "k"')
  log.error('key k (rejected), kept: keep 1 k')
  assert.deepEqual(lines, [
    'INFO  dial client://***@127.0.0.1:10101/127.0.0.1:8080 refused',
    'WARN  tunnel key: got "***"',
    'ERROR  key *** (rejected), kept: keep 1 ***',
  ])
  const one = secretMasker(['1'])
  assert.equal(one('CHECK_POINT|MODE=1|PING=1ms|POOL=1 from 127.0.0.1:1'), 'CHECK_POINT|MODE=1|PING=1ms|POOL=1 from 127.0.0.1:1')
  assert.equal(one('server://1@[::1]:10101'), 'server://***@[::1]:10101')
  assert.equal(secretMasker(['ab', 's3cr3t'])('ab@x about xs3cr3tx'), '***@x about x***x')
  assert.equal(secretMasker([''])('nothing to hide'), 'nothing to hide')
})
