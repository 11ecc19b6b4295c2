// The machine a run happened on: CPU model and cores, memory, OS, kernel, Node.js, tool versions, fd limit.
import { readFileSync } from 'node:fs'
import { cpus, release, totalmem } from 'node:os'
import { runCapture } from './procs.js'
import type { MachineInfo } from './results.js'

function firstMatch(text: string, re: RegExp): string {
  return re.exec(text)?.[1]?.trim() ?? 'unknown'
}

/** The 1-minute load average (other work on the machine during a run shows up here). */
export function loadAvg(): number {
  try { return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]) } catch { return Number.NaN }
}

export function describeMachine(): MachineInfo {
  let cpuinfo = ''
  try { cpuinfo = readFileSync('/proc/cpuinfo', 'utf8') } catch { /* not Linux */ }
  let osRelease = ''
  try { osRelease = readFileSync('/etc/os-release', 'utf8') } catch { /* unknown */ }
  const tools: Record<string, string> = {}
  const v = (name: string, cmd: string, args: string[], re: RegExp): void => {
    const out = runCapture(cmd, args, 5000)
    const m = re.exec(out)
    tools[name] = m?.[1] ?? 'not installed'
  }
  v('iperf3', 'iperf3', ['--version'], /iperf (\S+)/)
  v('socat', 'socat', ['-V'], /socat version (\S+)/)
  v('haproxy', 'haproxy', ['-v'], /HA-?Proxy version (\S+)/i)
  v('stunnel', 'sh', ['-c', 'stunnel4 -version 2>&1'], /stunnel (\d\S*)/) // prints on stderr
  const fd = Number(runCapture('sh', ['-c', 'ulimit -n'], 2000).trim())
  return {
    cpuModel: firstMatch(cpuinfo, /^model name\s*:\s*(.+)$/m) !== 'unknown' ? firstMatch(cpuinfo, /^model name\s*:\s*(.+)$/m) : (cpus()[0]?.model ?? 'unknown'),
    cores: cpus().length,
    memGb: totalmem() / 2 ** 30,
    os: firstMatch(osRelease, /^PRETTY_NAME="?([^"\n]+)"?$/m),
    kernel: release(),
    node: process.version,
    tools,
    fdLimit: Number.isFinite(fd) ? fd : -1,
    loadAvgStart: loadAvg(),
  }
}
