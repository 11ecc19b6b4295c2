// A small writer for the Prometheus text exposition format (version 0.0.4): families with # HELP / # TYPE, label
// escaping, and cumulative histograms. Hand-written (about 100 lines) instead of prom-client: the master renders
// a few thousand samples from its own tables per scrape, and needs no registry, no global state and no dependency.

export const PROM_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export type Labels = Readonly<Record<string, string | number>>
type Kind = 'counter' | 'gauge' | 'histogram'

/** A label value with `\`, `"` and newlines escaped as the format requires. */
export function escapeLabel(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'))
}

/** `{a="x",b="y"}`, or '' without labels. */
export function renderLabels(labels: Labels | undefined): string {
  if (!labels) return ''
  const parts: string[] = []
  for (const k in labels) parts.push(`${k}="${escapeLabel(String(labels[k]))}"`)
  return parts.length === 0 ? '' : `{${parts.join(',')}}`
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  return String(v)
}

function escapeHelp(v: string): string {
  return v.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'))
}

export class Exposition {
  readonly #out: string[] = []
  readonly #seen = new Set<string>()

  /** Starts a metric family; every sample of it must follow before the next family starts. */
  family(name: string, kind: Kind, help: string): this {
    if (this.#seen.has(name)) throw new Error(`metric family ${name} written twice`)
    this.#seen.add(name)
    this.#out.push(`# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${kind}\n`)
    return this
  }

  /** One sample; `labels` is either an object or an already rendered `{…}` string (hot paths render once). */
  sample(name: string, labels: Labels | string | undefined, value: number): this {
    const l = typeof labels === 'string' ? labels : renderLabels(labels)
    this.#out.push(`${name}${l} ${formatValue(value)}\n`)
    return this
  }

  /** The samples of one histogram series: `_bucket` per bound (cumulative, then +Inf), `_sum`, `_count`. */
  histogram(name: string, labels: Labels, h: Histogram): this {
    const base = renderLabels(labels).slice(1, -1)
    const sep = base === '' ? '' : ','
    let cum = 0
    for (let i = 0; i < h.bounds.length; i++) {
      cum += h.counts[i]!
      this.#out.push(`${name}_bucket{${base}${sep}le="${formatValue(h.bounds[i]!)}"} ${cum}\n`)
    }
    this.#out.push(`${name}_bucket{${base}${sep}le="+Inf"} ${h.count}\n`)
    const l = base === '' ? '' : `{${base}}`
    this.#out.push(`${name}_sum${l} ${formatValue(h.sum)}\n${name}_count${l} ${h.count}\n`)
    return this
  }

  text(): string {
    return this.#out.join('')
  }
}

/** A fixed-bucket histogram (per-bucket counts; the writer makes them cumulative). */
export class Histogram {
  readonly counts: number[]
  sum = 0
  count = 0

  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0)
  }

  observe(v: number): void {
    this.sum += v
    this.count++
    for (let i = 0; i < this.bounds.length; i++) {
      if (v <= this.bounds[i]!) {
        this.counts[i]!++
        return
      }
    }
  }
}
