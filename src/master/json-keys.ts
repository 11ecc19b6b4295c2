// Finds duplicate object keys in raw JSON text (JSON.parse silently keeps the last one).
// The input must already be valid JSON (checked with JSON.parse first).

export interface DuplicateKey {
  /** Keys leading to the object that holds the duplicate, e.g. ['meta', 'tags']. */
  path: string[]
  key: string
}

export function findDuplicateKeys(text: string): DuplicateKey[] {
  const out: DuplicateKey[] = []
  let i = 0
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++
  }
  const str = (): string => {
    const start = i
    i++ // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
    i++
    return JSON.parse(text.slice(start, i)) as string
  }
  const value = (path: string[], depth: number): void => {
    if (depth > 512) throw new Error('JSON nested too deeply')
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      const seen = new Set<string>()
      ws()
      if (text[i] === '}') {
        i++
        return
      }
      for (;;) {
        ws()
        const key = str()
        if (seen.has(key)) out.push({ path, key })
        seen.add(key)
        ws()
        i++ // colon
        value([...path, key], depth + 1)
        ws()
        if (text[i++] === '}') return
      }
    } else if (c === '[') {
      i++
      ws()
      if (text[i] === ']') {
        i++
        return
      }
      for (;;) {
        value(path, depth + 1)
        ws()
        if (text[i++] === ']') return
      }
    } else if (c === '"') {
      str()
    } else {
      while (i < text.length && !',]} \t\n\r'.includes(text[i]!)) i++
    }
  }
  value([], 0)
  return out
}
