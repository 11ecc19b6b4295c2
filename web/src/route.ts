// Hash routes (#/, #/new, #/i/<id>, #/master): the current hash as state, and navigation.
import { useEffect, useState } from 'preact/hooks'

export function useHash(): string {
  const [hash, setHash] = useState(location.hash)
  useEffect(() => {
    const on = (): void => setHash(location.hash)
    addEventListener('hashchange', on)
    return () => removeEventListener('hashchange', on)
  }, [])
  return hash
}

export function go(hash: string): void {
  location.hash = hash
}
