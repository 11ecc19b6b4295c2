// bin/nodepass as a real process: every bad URL → exactly its `Error: <issue>` lines on stderr and exit code 1.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BAD_URLS } from '../helpers/bad-urls.js'
import { cleanEnv, liveChildren, mapBounded, runCli } from '../helpers/run-cli.js'
import { HINTS, type ErrorCode } from '../../src/errors.js'
import { parseUrl } from '../../src/url/parse.js'

const USAGE = `Usage: nodepass <url>
  nodepass "server://[key@]host:port/target[,target...]?params"
  nodepass "client://[key@]server:port/target[,target...]?params"
  nodepass "master://host:port[/prefix]?log=&tls=&crt=&key="
  nodepass --version
See README.md for every parameter.
`

// Every second case plus the many-problems one (the unit test covers all of them; spawning ~90 Node processes on a
// shared 2-core machine is too slow).
const CLI_CASES = BAD_URLS.filter((_, i) => i % 2 === 0 || i === BAD_URLS.length - 1)

const errors = (issues: readonly string[], code = 'NP_ERR_CONFIG_INVALID'): string =>
  issues.map((i) => `Error: ${i}\n`).join('') + `[${code}] hint: ${HINTS[code as ErrorCode]}\n`
const ENV_HINT = `[NP_ERR_ENV_INVALID] hint: ${HINTS.NP_ERR_ENV_INVALID}\n`

test('every bad URL of the table: exit 1 and its exact issue list on stderr', async (t) => {
  t.after(() => { for (const child of liveChildren) child.kill('SIGKILL') })
  assert.ok(CLI_CASES.length >= 40, `only ${CLI_CASES.length} cases`)
  const results = await mapBounded(CLI_CASES, 4, (bad) => runCli([bad.url]))
  CLI_CASES.forEach((bad, i) => {
    const r = results[i]!
    assert.deepEqual({ url: bad.url, code: r.code, stdout: r.stdout, stderr: r.stderr },
      { url: bad.url, code: 1, stdout: '', stderr: errors(bad.issues, (parseUrl(bad.url) as { code?: string }).code) })
  })
})

test('a bad NP_* variable: exit 1 with its message, reported together with URL problems', async (t) => {
  t.after(() => { for (const child of liveChildren) child.kill('SIGKILL') })
  const [env, both, range, huge] = await Promise.all([
    runCli(['server://:10101/127.0.0.1:8080'], cleanEnv({ NP_TCP_DATA_BUF_SIZE: 'abc' })),
    runCli(['server://:10101/127.0.0.1:8080?min=1'], cleanEnv({ NP_SERVICE_COOLDOWN: '3' })),
    runCli(['server://:10101/127.0.0.1:8080'], cleanEnv({ NP_MIN_POOL_INTERVAL: '2s', NP_MAX_POOL_INTERVAL: '1s' })),
    runCli(['server://:10101/127.0.0.1:8080'], cleanEnv({ NP_REPORT_INTERVAL: '9999999999999h', NP_RELOAD_INTERVAL: '600h' })),
  ])
  // beyond Go's duration limit, or beyond what a Node timer holds (24.8 days): refused, never truncated with a warning
  assert.deepEqual(huge, { code: 1, signal: null, stdout: '',
    stderr: 'Error: NP_REPORT_INTERVAL="9999999999999h": must be a duration such as 500ms or 5s\n' +
      'Error: NP_RELOAD_INTERVAL="600h": must be between 1 and 2147483647 ms\n' + ENV_HINT })
  assert.deepEqual(env, { code: 1, signal: null, stdout: '',
    stderr: 'Error: NP_TCP_DATA_BUF_SIZE="abc": must be an integer\n' + ENV_HINT })
  assert.deepEqual(both, { code: 1, signal: null, stdout: '',
    stderr: 'Error: NP_SERVICE_COOLDOWN="3": must be a duration such as 500ms or 5s\n' +
      'Error: min: not allowed on server://, got "1"\n' + ENV_HINT + errors([]) })
  assert.deepEqual(range, { code: 1, signal: null, stdout: '',
    stderr: 'Error: NP_MIN_POOL_INTERVAL must not exceed NP_MAX_POOL_INTERVAL\n' + ENV_HINT })
})

test('no argument or two arguments: usage on stderr and exit 1', async (t) => {
  t.after(() => { for (const child of liveChildren) child.kill('SIGKILL') })
  const [none, two] = await Promise.all([runCli([]), runCli(['server://:1/:2', 'client://:1/:2'])])
  assert.deepEqual(none, { code: 1, signal: null, stdout: '', stderr: USAGE })
  assert.deepEqual(two, { code: 1, signal: null, stdout: '', stderr: USAGE })
  // A bad NP_* variable is reported with its code and hint before the usage, whichever reader found it.
  const [tunable, observability] = await Promise.all([
    runCli([], cleanEnv({ NP_POOL_GET_TIMEOUT: 'abc' })),
    runCli([], cleanEnv({ NP_HISTORY_FLUSH: 'abc' })),
  ])
  assert.deepEqual(tunable, { code: 1, signal: null, stdout: '',
    stderr: 'Error: NP_POOL_GET_TIMEOUT="abc": must be a duration such as 500ms or 5s\n' + ENV_HINT + USAGE })
  assert.deepEqual(observability, { code: 1, signal: null, stdout: '',
    stderr: 'Error: NP_HISTORY_FLUSH="abc": must be a duration between 100ms and 1m\n' + ENV_HINT + USAGE })
})
