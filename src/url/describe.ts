// Placeholder until the URL module lands: the effective configuration as a URL line, key masked.
import type { TunnelConfig } from './types.js'
import { joinHostPort } from '../net/addr.js'

export function describeConfig(cfg: TunnelConfig): string {
  const targets = cfg.targets.map((t) => joinHostPort(t.host, t.port)).join(',')
  return `${cfg.role}://***@${joinHostPort(cfg.tunnel.host, cfg.tunnel.port)}/${targets}`
}
