// The live log of one instance: ANSI colours rendered, a level filter, text search, bounded buffer (store.LOG_LIMIT).
import { useEffect, useRef, useState } from 'preact/hooks'
import { logLines } from './filters.js'
import { LEVELS, ansiSpans } from './format.js'
import { LOG_LIMIT } from './store.js'

export function LogView({ lines, version }: { lines: string[]; version: number }) {
  const [level, setLevel] = useState('')
  const [q, setQ] = useState('')
  const [follow, setFollow] = useState(true)
  const box = useRef<HTMLPreElement>(null)
  const shown = logLines(lines, level, q.trim().toLowerCase())
  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight
  }, [version, follow, level, q])
  return (
    <div class="log">
      <div class="filters">
        <select aria-label="Log level" value={level} onChange={(e) => setLevel(e.currentTarget.value)}>
          <option value="">all levels</option>
          {LEVELS.map((l) => <option value={l}>{l}</option>)}
        </select>
        <input type="search" aria-label="Search the log" placeholder="Search the log…" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <label class="inline"><input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} /> follow</label>
        <span class="muted small">{shown.length}/{lines.length} lines (last {LOG_LIMIT} kept)</span>
      </div>
      <pre ref={box} class="log-lines" data-testid="log" tabIndex={0} aria-label="Instance log">
        {shown.length === 0 ? <span class="muted">No log lines yet (this view shows lines received since it was opened).</span> : null}
        {shown.map((l) => (
          <div>{ansiSpans(l).map((s) => (s.cls === '' ? s.text : <span class={s.cls}>{s.text}</span>))}</div>
        ))}
      </pre>
    </div>
  )
}
