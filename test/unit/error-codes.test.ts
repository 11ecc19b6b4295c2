// One error scheme: every code used in src/ is documented in docs/errors.md with the code's own hint, and every
// documented code is used somewhere (a code nothing throws would be a promise the program does not keep).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, resolve, sep } from 'node:path'
import { ERR, HINTS, NodePassError, REFINED_CODES, errorInfo, explainError, refineCode, type ErrorCode } from '../../src/errors.js'
import { API_ERR, ApiError } from '../../src/master/api-error.js'
import { ROOT } from '../helpers/proc.js'

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p))
    else if (name.endsWith('.ts')) out.push(p)
  }
  return out
}

/**
 * Codes thrown in src/ (`ERR.<NAME>` or `API_ERR.<NAME>` outside src/errors.ts, which only defines them), plus the
 * codes src/errors.ts derives from a cause's errno (REFINED_CODES, checked against those tables below).
 */
function usedCodes(): Map<ErrorCode, string[]> {
  const used = new Map<ErrorCode, string[]>(REFINED_CODES.map((c) => [c, ['src/errors.ts refineCode()']]))
  const tables: Record<string, Record<string, ErrorCode>> = { ERR, API_ERR }
  for (const file of sourceFiles(resolve(ROOT, 'src'))) {
    if (file.endsWith(`${sep}src${sep}errors.ts`)) continue
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/\b(API_ERR|ERR)\.([A-Z_]+)\b/g)) {
      const code = tables[m[1]!]![m[2]!]
      assert.ok(code, `${file}: ${m[0]} is not a code`)
      used.set(code, [...(used.get(code) ?? []), file.slice(ROOT.length + 1)])
    }
  }
  return used
}

/** `### NP_ERR_X` headings of docs/errors.md with the `**Hint:** …` line under each. */
function documented(): Map<string, string | undefined> {
  const text = readFileSync(resolve(ROOT, 'docs/errors.md'), 'utf8')
  const out = new Map<string, string | undefined>()
  const sections = text.split(/^### /m).slice(1)
  for (const s of sections) {
    const code = s.split('\n', 1)[0]!.trim()
    assert.ok(!out.has(code), `${code} documented twice`)
    out.set(code, /^\*\*Hint:\*\* (.+)$/m.exec(s)?.[1])
  }
  return out
}

test('every code used in src/ is documented, and every documented code is used', () => {
  const used = usedCodes()
  const docs = documented()
  const all = new Set<string>(Object.values(ERR))
  assert.deepEqual([...used.keys()].filter((c) => !docs.has(c)), [], 'used in src/ but not in docs/errors.md')
  assert.deepEqual([...docs.keys()].filter((c) => !used.has(c as ErrorCode)), [], 'documented but never used in src/')
  assert.deepEqual([...docs.keys()].filter((c) => !all.has(c)), [], 'documented but not in ERR')
  assert.deepEqual([...all].filter((c) => !docs.has(c)), [], 'in ERR but not documented')
})

test('each documented hint is the code\'s own, one line, and every code has one', () => {
  const docs = documented()
  for (const code of Object.values(ERR)) {
    const hint = HINTS[code]
    assert.ok(hint.length > 10 && hint.length <= 120 && !hint.includes('\n'), `${code}: hint must be one short line`)
    assert.equal(docs.get(code), hint, `${code}: docs/errors.md hint differs from src/errors.ts`)
  }
})

test('README and src/errors.ts point at docs/errors.md', () => {
  assert.match(readFileSync(resolve(ROOT, 'README.md'), 'utf8'), /\(docs\/errors\.md\)/)
  assert.match(readFileSync(resolve(ROOT, 'src/errors.ts'), 'utf8'), /docs\/errors\.md/)
})

test('a generic code becomes the specific one its cause shows; others stay', () => {
  const errno = (code: string, message = code): Error => Object.assign(new Error(message), { code })
  const dial = (cause: unknown): ErrorCode => new NodePassError(ERR.DIAL_FAILED, 'dial x', { cause }).code
  assert.equal(dial(errno('ECONNREFUSED')), ERR.TARGET_REFUSED)
  assert.equal(dial(errno('EHOSTUNREACH')), ERR.TARGET_UNREACHABLE)
  assert.equal(dial(errno('ENETUNREACH')), ERR.TARGET_UNREACHABLE)
  assert.equal(dial(errno('ETIMEDOUT')), ERR.TARGET_TIMEOUT)
  assert.equal(dial(errno('ENOTFOUND')), ERR.DNS_FAILED)
  assert.equal(dial(errno('EMFILE')), ERR.FD_LIMIT)
  assert.equal(dial(errno('DEPTH_ZERO_SELF_SIGNED_CERT')), ERR.TLS_UNTRUSTED)
  assert.equal(dial(errno('ERR_TLS_CERT_ALTNAME_INVALID')), ERR.TLS_NAME_MISMATCH)
  assert.equal(dial(errno('HPE_INVALID_CONSTANT')), ERR.PROTOCOL_MISMATCH)
  assert.equal(dial(errno('ECONNRESET')), ERR.DIAL_FAILED)
  assert.equal(dial(undefined), ERR.DIAL_FAILED)
  // through a chain of wrappers, and context decides what an errno means
  assert.equal(dial(new Error('outer', { cause: errno('ECONNREFUSED') })), ERR.TARGET_REFUSED)
  assert.equal(new NodePassError(ERR.BIND_FAILED, 'bind', { cause: errno('EADDRINUSE') }).code, ERR.PORT_IN_USE)
  assert.equal(new NodePassError(ERR.BIND_FAILED, 'bind', { cause: errno('EACCES') }).code, ERR.BIND_DENIED)
  assert.equal(new NodePassError(ERR.BIND_FAILED, 'bind', { cause: errno('EADDRNOTAVAIL') }).code, ERR.BIND_FAILED)
  // a specific code is kept, and a specific inner NodePassError wins over a generic outer one
  assert.equal(new NodePassError(ERR.AUTH_FAILED, 'x', { cause: errno('ECONNREFUSED') }).code, ERR.AUTH_FAILED)
  assert.equal(dial(new NodePassError(ERR.TLS_FINGERPRINT_MISMATCH, 'fp')), ERR.TLS_FINGERPRINT_MISMATCH)
  assert.equal(refineCode(ERR.INTERNAL, errno('EMFILE')), ERR.FD_LIMIT)
  // REFINED_CODES (which the docs test counts as used) are exactly what refinement can produce
  const produced = new Set<ErrorCode>()
  for (const e of ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN',
    'EAI_FAIL', 'EAI_NONAME', 'EMFILE', 'ENFILE', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'HPE_INVALID_CONSTANT'])
    produced.add(dial(errno(e)))
  for (const e of ['EADDRINUSE', 'EACCES', 'EPERM']) produced.add(new NodePassError(ERR.BIND_FAILED, 'bind', { cause: errno(e) }).code)
  assert.deepEqual([...produced].sort(), [...REFINED_CODES].sort())
})

test('errorInfo, the log text and the API error share one shape', () => {
  const e = new NodePassError(ERR.DIAL_FAILED, 'dial 127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9', {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
  })
  const info = { code: 'NP_ERR_TARGET_REFUSED', message: 'dial 127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9', hint: HINTS.NP_ERR_TARGET_REFUSED }
  assert.deepEqual(e.toJSON(), info)
  assert.deepEqual(errorInfo(e), info)
  assert.equal(explainError(e), `dial 127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9 [NP_ERR_TARGET_REFUSED] hint: ${HINTS.NP_ERR_TARGET_REFUSED}`)
  // a foreign error is classified by its errno, else internal
  assert.equal(errorInfo(Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' })).code, ERR.FD_LIMIT)
  assert.equal(errorInfo(new Error('boom')).code, ERR.INTERNAL)
  // the master's ApiError is the same scheme with an HTTP status
  const api = new ApiError(404, API_ERR.NOT_FOUND, 'Instance not found')
  assert.ok(api instanceof NodePassError)
  assert.deepEqual([api.status, api.code, api.hint], [404, 'NP_ERR_INSTANCE_NOT_FOUND', HINTS.NP_ERR_INSTANCE_NOT_FOUND])
  assert.equal(new NodePassError(ERR.TLS_FILES, 'crt').status, 400)
  assert.equal(new NodePassError(ERR.TARGET_REFUSED, 'x').status, 500)
})
