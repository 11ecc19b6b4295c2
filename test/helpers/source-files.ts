// The TypeScript sources below a repository folder, as repository-relative paths (for tests that read the code).
import { readdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { ROOT } from './bad-urls.js'

export function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(resolve(ROOT, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`
    if (e.isDirectory()) out.push(...sourceFiles(p))
    else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p)
  }
  return out
}
