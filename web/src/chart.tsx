// An instance's traffic chart (uPlot): the master's traffic history for the chosen range (1 h … 90 d), extended live
// by the SSE updates that arrived since it was fetched; and the list's 24-hour sparkline.
import { useEffect, useRef, useState } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { TrafficPoint } from '../../src/master/types.js'
import { errorText } from './api-error.js'
import type { InstanceTraffic } from './api.js'
import { useDashboard } from './dashboard-context.js'
import { chartData, inOf, outOf } from './chart-data.js'
import { bytes, rate } from './format.js'
import type { Sample } from './store.js'

export const RANGES = [
  { label: '1 h', range: '1h', step: '1m' },
  { label: '24 h', range: '24h', step: '5m' },
  { label: '7 d', range: '7d', step: '1h' },
  { label: '30 d', range: '30d', step: '6h' },
  { label: '90 d', range: '90d', step: '1d' },
] as const

/** History is fetched again this often: the live samples it is extended with cover only the last 15 minutes. */
const REFETCH_MS = 5 * 60_000

export function TrafficChart({ id, samples, version }: { id: string; samples: Sample[]; version: number }) {
  const { api } = useDashboard()
  const [sel, setSel] = useState<number>(0)
  const [hist, setHist] = useState<InstanceTraffic | undefined>(undefined)
  const [error, setError] = useState('')
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const r = RANGES[sel]!

  useEffect(() => {
    let live = true
    const load = (): void => {
      api.traffic(id, r.range, r.step).then(
        (h) => {
          if (!live) return
          setHist(h)
          setError('')
        },
        (err: unknown) => live && setError(errorText(err)),
      )
    }
    setHist(undefined)
    load()
    const timer = setInterval(load, REFETCH_MS)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [api, id, sel])

  useEffect(() => {
    const el = box.current
    if (!el) return
    const opts: uPlot.Options = {
      width: Math.max(240, el.clientWidth),
      height: 180,
      series: [
        {},
        { label: 'in', stroke: '#2a9d8f', fill: 'rgba(42,157,143,0.15)', value: (_u, v) => (v == null ? '–' : rate(v)) },
        { label: 'out', stroke: '#e76f51', value: (_u, v) => (v == null ? '–' : rate(v)) },
      ],
      axes: [{}, { size: 86, values: (_u, vals) => vals.map((v) => rate(v)) }],
      scales: { x: { time: true } },
    }
    plot.current = new uPlot(opts, [[], [], []], el)
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(240, el.clientWidth), height: 180 }))
    ro.observe(el)
    return () => {
      ro.disconnect()
      plot.current?.destroy()
      plot.current = null
    }
  }, [])

  const data = chartData(hist, samples)
  useEffect(() => {
    plot.current?.setData([data.t, data.rx, data.tx])
  }, [version, hist])

  return (
    <div>
      <div class="row wrap" role="group" aria-label="Chart range">
        {RANGES.map((x, i) => (
          <button type="button" class={`btn small${i === sel ? ' primary' : ''}`} aria-pressed={i === sel}
            data-testid="chart-range" onClick={() => setSel(i)}>{x.label}</button>
        ))}
        <span class="muted small" data-testid="chart-total" data-rx={data.rxBytes} data-tx={data.txBytes}
          data-points={data.t.length}>
          {hist ? `↓ ${bytes(data.rxBytes)} ↑ ${bytes(data.txBytes)} in ${r.label}` : error || 'loading…'}
        </span>
      </div>
      <div class="chart" ref={box} data-testid="chart" />
    </div>
  )
}

/** A 24-hour sparkline of bytes per hour (in + out); the title shows the day's total. */
export function Sparkline({ points }: { points: readonly TrafficPoint[] | undefined }) {
  if (!points || points.length === 0) return <span class="spark muted" data-testid="spark">–</span>
  const v = points.map((p) => inOf(p) + outOf(p))
  const max = Math.max(1, ...v)
  const w = 60
  const h = 16
  const dx = v.length > 1 ? w / (v.length - 1) : 0
  const line = v.map((y, i) => `${(i * dx).toFixed(1)},${(h - 1 - (y / max) * (h - 2)).toFixed(1)}`).join(' ')
  const total = v.reduce((a, b) => a + b, 0)
  return (
    <svg class="spark" width={w} height={h} viewBox={`0 0 ${w} ${h}`} data-testid="spark" data-sum={total}
      role="img" aria-label={`${bytes(total)} in the last 24 hours`}>
      <title>{`${bytes(total)} in the last 24 hours`}</title>
      <polyline points={line} fill="none" stroke="#2a9d8f" stroke-width="1.5" />
    </svg>
  )
}
