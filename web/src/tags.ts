// An instance's tags as the settings form edits them: `key=value` per line (or comma-separated). Pure (no DOM).

/** One `k=v` per line. */
export const tagsText = (tags: Readonly<Record<string, string>>): string =>
  Object.entries(tags).map(([k, v]) => `${k}=${v}`).join('\n')

/**
 * `k=v` per line or comma → the tag map (keys and values trimmed, a line without `=` is a key with an empty value,
 * blank lines skipped); a repeated key is an error. Other checks (empty key, lengths) are the API's.
 */
export function parseTags(text: string): { tags: Record<string, string> } | { error: string } {
  const map = new Map<string, string>()
  for (const raw of text.split(/[\n,]/)) {
    const l = raw.trim()
    if (l === '') continue
    const eq = l.indexOf('=')
    const [k, v] = eq < 0 ? [l, ''] : [l.slice(0, eq).trim(), l.slice(eq + 1).trim()]
    if (map.has(k)) return { error: `Duplicate tag key: ${k}` }
    map.set(k, v)
  }
  return { tags: Object.fromEntries(map) }
}
