// The import graph of src/ and web/src/ runs one way and has no circle (docs/architecture.md, "Layers").
// Every `import … from`, `export … from` and `import(…)` with a relative specifier counts, type-only ones included:
// a type import is still a dependency a reader has to follow.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { ROOT } from '../helpers/bad-urls.js'
import { sourceFiles } from '../helpers/source-files.js'

/** Layers from the bottom up; a module may import its own layer's directory and anything below it. */
const LAYERS: readonly (readonly string[])[] = [
  ['src/errors.ts', 'src/log.ts', 'src/duration.ts', 'src/env.ts', 'src/version.ts', 'src/wire.ts', 'src/ignore.ts', 'src/ansi.ts', 'src/checkpoint.ts', 'src/embedded.ts'],
  ['src/url/'],
  ['src/net/'],
  ['src/tls/'],
  ['src/transport/'],
  ['src/tunnel/'],
  ['src/master/'],
  ['src/cli.ts', 'src/index.ts'],
]
/** The dashboard may take these from src/ (pure data and types), nothing else. */
const WEB_MAY_IMPORT = [/^src\/url\/params\.ts$/, /^src\/master\/types\.ts$/, /^src\/ansi\.ts$/]

const SPECIFIER = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g

/** Relative imports of one file, resolved to repository paths (`.js` → the `.ts`/`.tsx` source). */
export function importsOf(file: string, text: string, exists: (p: string) => boolean): string[] {
  const out = new Set<string>()
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = (m[1] ?? m[2])!
    if (!spec.startsWith('.')) continue
    const base = relative(ROOT, resolve(ROOT, dirname(file), spec)).replaceAll('\\', '/')
    const stem = base.replace(/\.(js|ts|tsx|jsx)$/, '')
    const hit = [`${stem}.ts`, `${stem}.tsx`, `${stem}/index.ts`, base].find(exists)
    out.add(hit ?? base)
  }
  return [...out]
}

function layerOf(file: string): number {
  return LAYERS.findIndex((l) => l.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p)))
}

function dirOf(file: string): string {
  const l = LAYERS[layerOf(file)]!
  return l.find((p) => p.endsWith('/') && file.startsWith(p)) ?? 'base'
}

/** Every cycle's members (strongly connected components with more than one file, or a self-import). */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let n = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const on = new Set<string>()
  const out: string[][] = []
  const visit = (v: string): void => {
    index.set(v, n)
    low.set(v, n++)
    stack.push(v)
    on.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = []
      for (let w = stack.pop()!; ; w = stack.pop()!) {
        on.delete(w)
        scc.push(w)
        if (w === v) break
      }
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort())
    }
  }
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v)
  return out
}

function graphOf(dirs: readonly string[]): Map<string, string[]> {
  const g = new Map<string, string[]>()
  for (const f of dirs.flatMap(sourceFiles)) g.set(f, importsOf(f, readFileSync(resolve(ROOT, f), 'utf8'), (p) => existsSync(resolve(ROOT, p))))
  return g
}

test('every file of src/ belongs to a layer', () => {
  const orphans = sourceFiles('src').filter((f) => layerOf(f) < 0)
  assert.deepEqual(orphans, [], 'add these files to LAYERS here and to docs/architecture.md')
})

test('src/ imports point down the layers, never up or sideways into another directory of the same layer', () => {
  const bad: string[] = []
  for (const [from, tos] of graphOf(['src'])) {
    for (const to of tos) {
      if (!to.startsWith('src/')) continue
      const a = layerOf(from)
      const b = layerOf(to)
      if (b > a || (b === a && dirOf(from) !== dirOf(to))) bad.push(`${from} → ${to}`)
    }
  }
  assert.deepEqual(bad, [])
})

test('src/ and web/src/ have no import circle', () => {
  assert.deepEqual(cycles(graphOf(['src', 'web/src'])), [])
})

test('web/src/ takes only pure data and types from src/', () => {
  const bad: string[] = []
  for (const [from, tos] of graphOf(['web/src'])) {
    for (const to of tos) if (to.startsWith('src/') && !WEB_MAY_IMPORT.some((r) => r.test(to))) bad.push(`${from} → ${to}`)
  }
  assert.deepEqual(bad, [])
})

test('the checker itself finds a circle and resolves .js specifiers to sources', () => {
  const g = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', ['a.ts']],
    ['d.ts', ['a.ts']],
  ])
  assert.deepEqual(cycles(g), [['a.ts', 'b.ts', 'c.ts']])
  const text = "import type { X } from './x.js'\nexport { y } from '../y/index.js'\nconst z = () => import('./z.js')\nimport 'node:fs'"
  assert.deepEqual(
    importsOf('src/tunnel/f.ts', text, (p) => ['src/tunnel/x.ts', 'src/y/index.ts', 'src/tunnel/z.ts'].includes(p)),
    ['src/tunnel/x.ts', 'src/y/index.ts', 'src/tunnel/z.ts'],
  )
})
