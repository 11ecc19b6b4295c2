// dns=: target (and pool dial) name resolution with a TTL cache (D6). A duration is the cache TTL (0 = no cache);
// a list of resolver IPs (ip, ip:port or [v6]:port) sends the questions to those servers instead of the system
// resolver. IPv4 answers are preferred, IP literals bypass everything, and a failed lookup falls back to the last
// address that name resolved to.
import type { Resolver } from 'node:dns/promises'
import { isIP } from 'node:net'
import { ERR, NodePassError, describeError } from '../errors.js'
import type { DnsConfig } from '../url/types.js'

export interface DnsResolver {
  /** One IP address for `host` (IP literals are returned as they are, without brackets). */
  resolve(host: string): Promise<string>
  /** Drops every cached answer (tunnel restart); the last good addresses stay as fallbacks. */
  clear(): void
}

export interface DnsResolverOptions {
  /** Per-question timeout for the listed servers. */
  timeoutMs?: number
  now?: () => number
}

interface Entry {
  address: string
  expires: number
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

export function createDnsResolver(cfg: DnsConfig, opts: DnsResolverOptions = {}): DnsResolver {
  const now = opts.now ?? Date.now
  const cache = new Map<string, Entry>()
  const lastGood = new Map<string, string>()
  const inflight = new Map<string, Promise<string>>()
  let resolver: Resolver | undefined

  const ask = async (host: string): Promise<string> => {
    // Loaded on the first name to resolve: IP-literal targets (the common case) never need it.
    const dns = await import('node:dns/promises')
    if (cfg.servers.length > 0 && resolver === undefined) {
      resolver = new dns.Resolver({ timeout: opts.timeoutMs ?? 2000, tries: 2 })
      resolver.setServers([...cfg.servers])
    }
    if (resolver === undefined) {
      const answers = await dns.lookup(host, { all: true, verbatim: true })
      const pick = answers.find((a) => a.family === 4) ?? answers[0]
      if (pick === undefined) throw new Error('no addresses')
      return pick.address
    }
    const errors: unknown[] = []
    for (const rr of ['resolve4', 'resolve6'] as const) {
      try {
        const list = await resolver[rr](host)
        if (list[0] !== undefined) return list[0]
      } catch (err) {
        errors.push(err)
      }
    }
    throw errors[0] instanceof Error ? errors[0] : new Error('no addresses')
  }

  const fresh = async (host: string): Promise<string> => {
    try {
      const address = await ask(host)
      lastGood.set(host, address)
      if (cfg.ttlMs > 0) cache.set(host, { address, expires: now() + cfg.ttlMs })
      return address
    } catch (err) {
      const fallback = lastGood.get(host)
      if (fallback !== undefined) return fallback
      throw new NodePassError(ERR.DNS_FAILED, `resolve ${host}: ${describeError(err)}`, { cause: err })
    }
  }

  return {
    resolve(rawHost) {
      const host = stripBrackets(rawHost)
      if (isIP(host) !== 0) return Promise.resolve(host)
      const hit = cache.get(host)
      if (hit !== undefined) {
        if (hit.expires > now()) return Promise.resolve(hit.address)
        cache.delete(host)
      }
      // Concurrent lookups of one name share one question.
      let p = inflight.get(host)
      if (p === undefined) {
        p = fresh(host).finally(() => inflight.delete(host))
        inflight.set(host, p)
      }
      return p
    },
    clear() {
      cache.clear()
    },
  }
}
