// Runs the compiled test files (dist/test/**/*.test.js) with the Node that runs this script, one file at a time.
//
// `node --test dist/test/` only works on Node 20: Node 22 and later read a --test argument as a file or a glob
// pattern, not a directory, and Node 20 does not expand glob patterns. Listing the files here works on every
// release. Arguments are passed on to `node --test` (e.g. `--test-reporter=tap`); arguments naming files or
// directories under dist/test narrow the run to them.
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

// Compiled to dist/scripts/run-tests.js: the project root is two levels up.
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const testDir = join(root, 'dist', 'test')

/** Every *.test.js below `dir`, sorted so that runs are in the same order on every machine. */
function testFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name)
      if (entry.isDirectory()) walk(p)
      else if (entry.isFile() && entry.name.endsWith('.test.js')) out.push(p)
    }
  }
  walk(dir)
  return out.sort()
}

const flags: string[] = []
const picks: string[] = []
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith('-')) flags.push(arg)
  else picks.push(resolve(arg))
}
if (statSync(testDir, { throwIfNoEntry: false })?.isDirectory() !== true) {
  console.error(`run-tests: ${relative(process.cwd(), testDir) || testDir} is missing; run \`npm run build\` first`)
  process.exit(1)
}
let files = testFiles(testDir)
if (picks.length > 0) files = files.filter((f) => picks.some((p) => f === p || f.startsWith(p + '/')))
if (files.length === 0) {
  console.error(`run-tests: no test file matches ${picks.join(' ')}`)
  process.exit(1)
}
console.log(`run-tests: ${files.length} files with Node ${process.version} (${process.execPath})`)
const child = spawn(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-timeout=300000', ...flags, ...files.map((f) => relative(root, f))],
  { cwd: root, stdio: 'inherit' },
)
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig))
child.on('exit', (code, signal) => {
  if (signal) {
    console.error(`run-tests: node --test ended by ${signal}`)
    process.exit(1)
  }
  process.exit(code ?? 1)
})
