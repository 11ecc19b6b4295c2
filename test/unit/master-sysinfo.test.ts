// Pure /proc parsers of /info (docs/master.md, /info) on fixture text.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { cpuPercent, goArch, goOs, parseCpuLine, parseDiskstats, parseMeminfo, parseNetDev, parseUptime } from '../../src/master/sysinfo.js'

test('cpu: idle is the 4th field only, iowait counts as busy; floor, capped at 100, -1 when Δt is 0', () => {
  const a = parseCpuLine('cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4\n')
  const b = parseCpuLine('cpu  150 0 150 750 150 0 0 0 0 0\nintr 1\n')
  assert.deepEqual(a, { total: 1000, idle: 700 })
  assert.deepEqual(b, { total: 1200, idle: 750 })
  assert.equal(cpuPercent(a, b), 75) // (200-50)*100/200
  assert.equal(cpuPercent(a, a), -1)
  assert.equal(cpuPercent(undefined, b), -1)
  assert.equal(parseCpuLine('cpu0 1 2 3 4'), undefined)
  const c = parseCpuLine('cpu  0 0 0 0 0')
  const d = parseCpuLine('cpu  1 0 0 2 0')
  assert.equal(cpuPercent(c, d), 33)
})

test('meminfo: used = MemTotal − MemAvailable, swap used = SwapTotal − SwapFree, kB × 1024', () => {
  const m = parseMeminfo('MemTotal:       16000 kB\nMemFree:  1000 kB\nMemAvailable:   6000 kB\nSwapTotal: 2000 kB\nSwapFree: 500 kB\n')
  assert.deepEqual(m, { mem_total: 16000 * 1024, mem_used: 10000 * 1024, swap_total: 2000 * 1024, swap_used: 1500 * 1024 })
  assert.deepEqual(parseMeminfo(''), { mem_total: 0, mem_used: 0, swap_total: 0, swap_used: 0 })
})

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 9999      10    0    0    0     0          0         0     9999      10    0    0    0     0       0          0
  eth0: 1000      10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0
  wlan0: 30      1    0    0    0     0          0         0     40      2    0    0    0     0       0          0
veth12ab: 5      1    0    0    0     0          0         0     5      1    0    0    0     0       0          0
docker0: 5      1    0    0    0     0          0         0     5      1    0    0    0     0       0          0
br-1234: 5      1    0    0    0     0          0         0     5      1    0    0    0     0       0          0
virbr0: 5      1    0    0    0     0          0         0     5      1    0    0    0     0       0          0
podman0: 5      1    0    0    0     0          0         0     5      1    0    0    0     0       0          0
  short: 1 2 3
`

test('net/dev: physical interfaces from line 3, rx field 1, tx field 9', () => {
  assert.deepEqual(parseNetDev(NET_DEV), { netrx: 1030, nettx: 2040 })
})

const DISKSTATS = `   8       0 sda 100 0 10 0 200 0 20 0 0 0 0 0 0 0 0 0 0
   8       1 sda1 100 0 999 0 200 0 999 0 0 0 0 0 0 0 0 0 0
 259       0 nvme0n1 1 0 999 0 1 0 999 0 0 0 0 0 0 0 0 0 0
   7       0 loop0 1 0 999 0 1 0 999 0 0 0 0 0 0 0 0 0 0
 253       0 dm-0 1 0 999 0 1 0 999 0 0 0 0 0 0 0 0 0 0
   9       0 md127 1 0 999 0 1 0 999 0 0 0 0 0 0 0 0 0 0
   1       0 ram0 1 0 999 0 1 0 999 0 0 0 0 0 0 0 0 0 0
 252       0 vdb 1 0 5 0 1 0 6 0 0 0 0 0 0 0 0 0 0
   8      16 sdb 1 2 3
`

test('diskstats: whole disks only (names ending in a digit dropped), sectors × 512', () => {
  assert.deepEqual(parseDiskstats(DISKSTATS), { diskr: (10 + 5) * 512, diskw: (20 + 6) * 512 })
})

test('uptime floors the first field; Go names for os and arch', () => {
  assert.equal(parseUptime('12345.67 999.00\n'), 12345)
  assert.equal(parseUptime(''), 0)
  assert.equal(goArch('x64'), 'amd64')
  assert.equal(goArch('ia32'), '386')
  assert.equal(goArch('arm64'), 'arm64')
  assert.equal(goOs('win32'), 'windows')
  assert.equal(goOs('linux'), 'linux')
})
