// A uPlot chart of the last 15 minutes of an instance's traffic rate (bytes/s from counter deltas).
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { rate } from './format.js'
import type { Sample } from './store.js'

function series(samples: Sample[]): [number[], number[], number[]] {
  const t: number[] = []
  const rx: number[] = []
  const tx: number[] = []
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!
    const b = samples[i]!
    const dt = (b.t - a.t) / 1000
    if (dt <= 0) continue
    t.push(b.t / 1000)
    rx.push(Math.max(0, (b.rx - a.rx) / dt))
    tx.push(Math.max(0, (b.tx - a.tx) / dt))
  }
  return [t, rx, tx]
}

export function TrafficChart({ samples, version }: { samples: Sample[]; version: number }) {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
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
    plot.current = new uPlot(opts, series(samples), el)
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(240, el.clientWidth), height: 180 }))
    ro.observe(el)
    return () => {
      ro.disconnect()
      plot.current?.destroy()
      plot.current = null
    }
  }, [])
  useEffect(() => {
    plot.current?.setData(series(samples))
  }, [version])
  return <div class="chart" ref={box} data-testid="chart" />
}
