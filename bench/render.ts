// node dist/bench/render.js [results.json] — rewrites BENCHMARKS.md from a result file (default: the newest one).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { renderBenchmarksMd } from './markdown.js'
import { checkResultShape, type BenchResult } from './results.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

function newest(): string | undefined {
  const dir = join(ROOT, 'bench', 'results')
  let files: string[] = []
  try { files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort() } catch { return undefined }
  const last = files[files.length - 1]
  return last === undefined ? undefined : join(dir, last)
}

const file = process.argv[2] ?? newest()
if (file === undefined) {
  console.error('render: no result file given and none in bench/results/')
  process.exit(1)
}
const doc: unknown = JSON.parse(readFileSync(file, 'utf8'))
const problems = checkResultShape(doc)
if (problems.length > 0) {
  console.error(`render: ${file}: ${problems.join('; ')}`)
  process.exit(1)
}
writeFileSync(join(ROOT, 'BENCHMARKS.md'), renderBenchmarksMd(doc as BenchResult))
console.error(`render: BENCHMARKS.md written from ${file}`)
