// The one table of URL query parameters (docs/parameters.md; D4–D9). parse.ts validates against it, format.ts
// renders defaults from it, and the README's parameter section is written from it.
//
// Scope rules (D5: contradictory input is an error, never silently ignored):
// - A parameter used on a scheme outside its `scopes` is an error, e.g. `tls`/`crt`/`key`/`type` on client://,
//   `sni`/`min` on server://, anything but log/tls/crt/key on master://.
// - `max` is accepted on the client (its initial pool maximum; the server's value replaces it in the handshake).
// - An empty value (`min=`) counts as absent and gets the default, as upstream's `Query().Get(k) == ""` rule and the
//   master's "fill" rule do.

export type Scope = 'server' | 'client' | 'master'

export type ParamName =
  | 'log' | 'tls' | 'crt' | 'key' | 'dns' | 'sni' | 'lbs' | 'min' | 'max' | 'mode' | 'type' | 'dial' | 'read'
  | 'rate' | 'slot' | 'proxy' | 'block' | 'notcp' | 'noudp'

/**
 * How a value is read:
 * - choice: one of `values` exactly;  int: decimal digits within [min, max];  duration: Go syntax (D9);
 * - dns: a duration or a list of resolver IPs (D6);  path: a readable file;  sni: a hostname, IP or `none`;
 * - dial: an IP literal or `auto`;  block: `0` or a set of the digits 1, 2, 3.
 */
export type ValueKind = 'choice' | 'int' | 'duration' | 'dns' | 'path' | 'sni' | 'dial' | 'block'

export interface ParamSpec {
  readonly name: ParamName
  readonly scopes: readonly Scope[]
  readonly kind: ValueKind
  /** The effective default, rendered as a URL value ('' = none, e.g. crt/key; sni's default depends on the host). */
  readonly default: string
  /** Allowed values for `choice`. */
  readonly values?: readonly string[]
  /** Inclusive range for `int`. */
  readonly min?: number
  readonly max?: number
  /** The text after `must be` in an error message. */
  readonly expect: string
  readonly help: string
}

const BOTH: readonly Scope[] = ['server', 'client']

export const PARAMS: readonly ParamSpec[] = Object.freeze([
  { name: 'log', scopes: ['server', 'client', 'master'], kind: 'choice', default: 'info',
    values: ['none', 'debug', 'info', 'warn', 'error', 'event'],
    expect: 'one of none, debug, info, warn, error, event',
    help: 'Log level. EVENT (the CHECK_POINT lines) prints at every level except none.' },
  { name: 'tls', scopes: ['server', 'master'], kind: 'choice', default: '0', values: ['0', '1', '2'],
    expect: '0, 1 or 2',
    help: 'TLS: 0 plain, 1 in-memory self-signed certificate, 2 the crt/key files (reloaded every NP_RELOAD_INTERVAL). ' +
      'type=1 and type=3 need TLS: an absent tls becomes 1 and tls=0 is an error.' },
  { name: 'crt', scopes: ['server', 'master'], kind: 'path', default: '',
    expect: 'a readable PEM certificate file',
    help: 'Certificate chain file (PEM). Required with tls=2 and only allowed with tls=2.' },
  { name: 'key', scopes: ['server', 'master'], kind: 'path', default: '',
    expect: 'a readable PEM private key file',
    help: 'Private key file (PEM) matching crt. Required with tls=2 and only allowed with tls=2.' },
  { name: 'dns', scopes: BOTH, kind: 'dns', default: '5m0s',
    expect: 'a duration such as 5m, or resolver IPs such as 1.1.1.1,8.8.8.8',
    help: 'DNS cache TTL (Go duration, 0 = no cache), or a comma-separated list of resolver IPs ' +
      '(ip, ip:port or [v6]:port) used with the default TTL of 5m.' },
  { name: 'sni', scopes: ['client'], kind: 'sni', default: '',
    expect: 'a hostname, an IP address or none',
    help: 'TLS server name the client verifies with tls=2. Default: the tunnel host when it is a hostname, else none.' },
  { name: 'lbs', scopes: BOTH, kind: 'choice', default: '0', values: ['0', '1', '2'],
    expect: '0, 1 or 2',
    help: 'Load balancing over several targets: 0 round-robin, 1 lowest recent connect latency, ' +
      '2 primary-backup (first healthy target in list order). Failed targets are marked down and re-probed.' },
  { name: 'min', scopes: ['client'], kind: 'int', default: '64', min: 1, max: 65536,
    expect: 'an integer from 1 to 65536',
    help: 'Minimum number of idle pool connections the client keeps ready. Must not exceed max when both are given.' },
  { name: 'max', scopes: BOTH, kind: 'int', default: '1024', min: 1, max: 65536,
    expect: 'an integer from 1 to 65536',
    help: 'Maximum pool size. Set by the server and sent to the client in the handshake; ' +
      'on the client it is only the initial maximum.' },
  { name: 'mode', scopes: BOTH, kind: 'choice', default: '0', values: ['0', '1', '2'],
    expect: '0, 1 or 2',
    help: 'Run mode. Server: 0 auto, 1 reverse (server binds the target), 2 forward (server dials the targets). ' +
      'Client: 0 auto, 1 single-end (bind the tunnel address, forward directly), 2 dual-end (handshake with a server).' },
  { name: 'type', scopes: ['server'], kind: 'choice', default: '0', values: ['0', '1', '2', '3'],
    expect: '0, 1, 2 or 3',
    help: 'Pool transport: 0 TCP, 1 QUIC, 2 WebSocket, 3 HTTP/2. The client learns it in the handshake. ' +
      '1 and 3 need TLS (see tls).' },
  { name: 'dial', scopes: BOTH, kind: 'dial', default: 'auto',
    expect: 'an IP address or auto',
    help: 'Source IP for connections to the targets, or auto. Falls back to auto only on bind/address errors.' },
  { name: 'read', scopes: BOTH, kind: 'duration', default: '0s',
    expect: 'a duration such as 30s or 1h, or 0 (off)',
    help: 'Idle read timeout per connection (Go duration); 0 = off.' },
  { name: 'rate', scopes: BOTH, kind: 'int', default: '0', min: 0, max: 1_000_000,
    expect: 'an integer from 0 to 1000000',
    help: 'Bandwidth limit in Mbps (1 Mbps = 125000 bytes/s); 0 = unlimited.' },
  { name: 'slot', scopes: BOTH, kind: 'int', default: '65536', min: 0, max: 1_048_576,
    expect: 'an integer from 0 to 1048576',
    help: 'Maximum concurrent TCP connections plus UDP sessions; 0 = unlimited.' },
  { name: 'proxy', scopes: BOTH, kind: 'choice', default: '0', values: ['0', '1'],
    expect: '0 or 1',
    help: '1 sends a PROXY protocol v1 header to the target before the data.' },
  { name: 'block', scopes: BOTH, kind: 'block', default: '0',
    expect: '0 or a combination of the digits 1 (SOCKS), 2 (HTTP), 3 (TLS) such as 13',
    help: 'Refuse connections whose first bytes look like 1 SOCKS, 2 HTTP, 3 TLS; any combination, e.g. 13 or 123. ' +
      '0 blocks nothing.' },
  { name: 'notcp', scopes: BOTH, kind: 'choice', default: '0', values: ['0', '1'],
    expect: '0 or 1',
    help: '1 disables TCP forwarding. notcp=1 together with noudp=1 is an error.' },
  { name: 'noudp', scopes: BOTH, kind: 'choice', default: '0', values: ['0', '1'],
    expect: '0 or 1',
    help: '1 disables UDP forwarding. notcp=1 together with noudp=1 is an error.' },
] satisfies ParamSpec[])

export const PARAM_BY_NAME: ReadonlyMap<string, ParamSpec> = new Map(PARAMS.map((p) => [p.name, p]))

export function paramSpec(name: ParamName): ParamSpec {
  const spec = PARAM_BY_NAME.get(name)
  if (spec === undefined) throw new Error(`no such parameter ${name}`)
  return spec
}

/** Whether `name` may appear on `scope`. */
export function inScope(spec: ParamSpec, scope: Scope): boolean {
  return spec.scopes.includes(scope)
}
