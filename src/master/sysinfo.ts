// /info system figures (docs/master.md, /info): pure parsers of /proc text, and the reader that samples them on Linux.
import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'

export interface CpuSample {
  total: number
  idle: number
}

const fields = (line: string): string[] => line.trim().split(/\s+/)

/** The `cpu ` line of /proc/stat: total = sum of every field, idle = the 4th field only. */
export function parseCpuLine(stat: string): CpuSample | undefined {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '))
  if (!line) return undefined
  const nums = fields(line).slice(1).map(Number)
  if (nums.length < 4 || nums.some((n) => !Number.isFinite(n))) return undefined
  return { total: nums.reduce((a, b) => a + b, 0), idle: nums[3]! }
}

/** min(100, floor((Δt−Δi)·100/Δt)); −1 when Δt is 0 or a sample is missing. */
export function cpuPercent(a: CpuSample | undefined, b: CpuSample | undefined): number {
  if (!a || !b) return -1
  const dt = b.total - a.total
  const di = b.idle - a.idle
  if (dt <= 0) return -1
  return Math.min(100, Math.floor(((dt - di) * 100) / dt))
}

export interface MemInfo {
  mem_total: number
  mem_used: number
  swap_total: number
  swap_used: number
}

export function parseMeminfo(text: string): MemInfo {
  const kb = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)/.exec(line)
    if (m) kb.set(m[1]!, Number(m[2]) * 1024)
  }
  const g = (k: string): number => kb.get(k) ?? 0
  return {
    mem_total: g('MemTotal'),
    mem_used: g('MemTotal') - g('MemAvailable'),
    swap_total: g('SwapTotal'),
    swap_used: g('SwapTotal') - g('SwapFree'),
  }
}

const VIRTUAL_NETS = ['lo', 'veth', 'docker', 'podman', 'br-', 'virbr']

/** /proc/net/dev from line 3 on; rx = field 1, tx = field 9; virtual interfaces skipped. */
export function parseNetDev(text: string): { netrx: number; nettx: number } {
  let netrx = 0
  let nettx = 0
  for (const line of text.split('\n').slice(2)) {
    // `eth0:123` (no space after the colon) is one field in upstream's split; keep that behaviour.
    const f = fields(line)
    if (f.length < 10) continue
    const name = f[0]!.replace(/:$/, '')
    if (VIRTUAL_NETS.some((p) => name.startsWith(p))) continue
    netrx += Number(f[1]) || 0
    nettx += Number(f[9]) || 0
  }
  return { netrx, nettx }
}

/** /proc/diskstats lines with ≥14 fields; whole physical disks only; sectors × 512. */
export function parseDiskstats(text: string): { diskr: number; diskw: number } {
  let diskr = 0
  let diskw = 0
  for (const line of text.split('\n')) {
    const f = fields(line)
    if (f.length < 14) continue
    const name = f[2]!
    if (name.includes('loop') || name.includes('ram') || name.startsWith('dm-') || name.startsWith('md')) continue
    if (/\d$/.test(name)) continue
    diskr += (Number(f[5]) || 0) * 512
    diskw += (Number(f[9]) || 0) * 512
  }
  return { diskr, diskw }
}

export function parseUptime(text: string): number {
  const v = Number(fields(text)[0])
  return Number.isFinite(v) ? Math.floor(v) : 0
}

export interface SysFigures extends MemInfo {
  cpu: number
  netrx: number
  nettx: number
  diskr: number
  diskw: number
  sysup: number
}

const read = (p: string): Promise<string> => readFile(p, 'utf8').catch(() => '')

/** Reads the figures (cpu sampled twice, 100 ms apart). Off Linux: cpu −1 and zeros. */
export async function readSysFigures(platform: string = process.platform): Promise<SysFigures> {
  if (platform !== 'linux')
    return { cpu: -1, mem_total: 0, mem_used: 0, swap_total: 0, swap_used: 0, netrx: 0, nettx: 0, diskr: 0, diskw: 0, sysup: 0 }
  const a = parseCpuLine(await read('/proc/stat'))
  await sleep(100)
  const b = parseCpuLine(await read('/proc/stat'))
  const [mem, net, disk, up] = await Promise.all([
    read('/proc/meminfo'),
    read('/proc/net/dev'),
    read('/proc/diskstats'),
    read('/proc/uptime'),
  ])
  return {
    cpu: cpuPercent(a, b),
    ...parseMeminfo(mem),
    ...parseNetDev(net),
    ...parseDiskstats(disk),
    sysup: parseUptime(up),
  }
}

export function goArch(arch: string = process.arch): string {
  return ({ x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64' } as Record<string, string>)[arch] ?? arch
}

export function goOs(platform: string = process.platform): string {
  return platform === 'win32' ? 'windows' : platform
}
