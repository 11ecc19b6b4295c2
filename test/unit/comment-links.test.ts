// Comments point only at things a reader of this repository can open: docs/ and other files in the repository, and
// decisions by the numbers docs/decisions.md defines — never at notes, specs or trackers outside it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import ts from 'typescript'
import { ROOT } from '../helpers/bad-urls.js'
import { sourceFiles } from '../helpers/source-files.js'

/** Names of documents that live outside the repository, and paths that lead out of it. */
const OUTSIDE = [
  /tunnel-protocol\.md/i,
  /master-api\.md/i,
  /quic-notes/i,
  /golden-vectors/i,
  /\bDECISIONS\b/,
  /bench-notes/i,
  /shared\/spec/i,
  /\.\.\/shared\b/,
  /\/work\//,
  /\bresearch\/anchors/i,
]
/** Tracker numbers and bare section marks (`§3`, of a document not named) lead outside too. */
const TRACKER = /\bissue #?\d+|(?<![\w.]\.md )(?<!RFC \d+ )§\d+/i

/** Every comment of a TypeScript source, with its line number (the compiler's scanner: strings are not comments). */
export function commentsOf(text: string, jsx: boolean): { line: number; text: string }[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, jsx ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard, text)
  const out: { line: number; text: string }[] = []
  const lineOf = (pos: number): number => text.slice(0, pos).split('\n').length
  for (let kind = scanner.scan(), n = 0; kind !== ts.SyntaxKind.EndOfFileToken && n < 1_000_000; kind = scanner.scan(), n++) {
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia)
      out.push({ line: lineOf(scanner.getTokenStart()), text: scanner.getTokenText() })
  }
  return out
}

function decisionIds(): Set<string> {
  const md = readFileSync(resolve(ROOT, 'docs/decisions.md'), 'utf8')
  return new Set([...md.matchAll(/^- \*\*(D\d+)\b/gm)].map((m) => m[1]!))
}

const SELF = 'test/unit/comment-links.test.ts'

test('no comment in src/, web/src/, test/, bench/ or scripts/ points at a document or tracker outside the repository', () => {
  const bad: string[] = []
  for (const f of ['src', 'web/src', 'test', 'bench', 'scripts'].flatMap(sourceFiles)) {
    if (f === SELF) continue
    for (const c of commentsOf(readFileSync(resolve(ROOT, f), 'utf8'), f.endsWith('.tsx'))) {
      const hit = OUTSIDE.find((r) => r.test(c.text)) ?? (TRACKER.test(c.text) ? TRACKER : undefined)
      if (hit) bad.push(`${f}:${c.line}: ${hit.exec(c.text)![0]}`)
    }
  }
  assert.deepEqual(bad, [])
})

test('every decision number a comment in src/ cites (D1, D13, …) is defined in docs/decisions.md', () => {
  const ids = decisionIds()
  assert.ok(ids.size >= 19, `docs/decisions.md defines ${ids.size} decisions`)
  const bad: string[] = []
  for (const f of ['src', 'web/src'].flatMap(sourceFiles)) {
    for (const c of commentsOf(readFileSync(resolve(ROOT, f), 'utf8'), f.endsWith('.tsx'))) {
      for (const m of c.text.matchAll(/\bD(\d+)(?:[–-]D?(\d+))?\b/g)) {
        const from = Number(m[1])
        const to = m[2] !== undefined ? Number(m[2]) : from
        for (let d = from; d <= to && d - from < 100; d++) if (!ids.has(`D${d}`)) bad.push(`${f}:${c.line}: D${d}`)
      }
    }
  }
  assert.deepEqual(bad, [])
})

test('the comment scanner sees comments, not strings that look like them', () => {
  const text = "const a = '// not a comment tunnel-protocol.md'\n// one\n/* two\n three */ const b = `/* no */`\n"
  assert.deepEqual(commentsOf(text, false), [
    { line: 2, text: '// one' },
    { line: 3, text: '/* two\n three */' },
  ])
})
