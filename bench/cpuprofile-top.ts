// node dist/bench/cpuprofile-top.js <file.cpuprofile> [n] — the functions with the most self time in a V8 CPU
// profile (from `node --cpu-prof`), to find the tunnel's hot spots without a flame-graph viewer.
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}
interface Profile { nodes: ProfileNode[]; samples?: number[]; startTime: number; endTime: number }

export function topSelfTime(p: Profile, n: number): Array<{ name: string; percent: number }> {
  const byId = new Map(p.nodes.map((x) => [x.id, x]))
  const hits = new Map<number, number>()
  if (p.samples !== undefined) for (const s of p.samples) hits.set(s, (hits.get(s) ?? 0) + 1)
  else for (const x of p.nodes) hits.set(x.id, x.hitCount ?? 0)
  const agg = new Map<string, number>()
  let total = 0
  for (const [id, h] of hits) {
    const node = byId.get(id)
    if (node === undefined) continue
    const f = node.callFrame
    const file = f.url.replace(/^.*\/(node_modules|dist)\//, '$1/').replace(/^node:/, '')
    const name = `${f.functionName || '(anonymous)'} ${file}${file ? ':' + (f.lineNumber + 1) : ''}`
    agg.set(name, (agg.get(name) ?? 0) + h)
    total += h
  }
  return [...agg].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, h]) => ({ name, percent: (100 * h) / Math.max(1, total) }))
}

if (process.argv[1]?.endsWith('cpuprofile-top.js') === true) {
  const file = process.argv[2]
  if (file === undefined) {
    console.error('usage: cpuprofile-top.js <file.cpuprofile> [n]')
    process.exit(2)
  }
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
  for (const r of topSelfTime(p, Number(process.argv[3] ?? 25))) console.log(`${r.percent.toFixed(1).padStart(5)} %  ${r.name}`)
}
