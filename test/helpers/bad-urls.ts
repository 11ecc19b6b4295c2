// Malformed or contradictory URLs and the exact, complete issue list each must produce. Shared by the unit test
// (parseUrl) and the CLI integration test (stderr lines `Error: <issue>`, exit 1).
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Repository root (this file runs from dist/test/helpers/). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
export const TLS_DIR = resolve(ROOT, 'test/fixtures/tls')
export const CRT = resolve(TLS_DIR, 'server.crt')
export const KEY = resolve(TLS_DIR, 'server.key')
const OTHER_KEY = resolve(TLS_DIR, 'untrusted.key')
const NOT_PEM = resolve(TLS_DIR, 'README.md')
const MISSING = resolve(TLS_DIR, 'missing.pem')

export interface BadUrl {
  readonly url: string
  readonly issues: readonly string[]
}

const HP = 'must be host:port'
const PORT = 'port must be an integer from 1 to 65535'
const HOST = 'host must be an IPv4 address, [IPv6] address or hostname'

export const BAD_URLS: readonly BadUrl[] = [
  // shape and scheme
  { url: '', issues: ['url: must start with server://, client://, master://'] },
  { url: 'server:/127.0.0.1:1/127.0.0.1:2', issues: ['url: must start with server://, client://, master://'] },
  { url: 'http://127.0.0.1:1/127.0.0.1:2', issues: ['scheme: must be server, client or master, got "http"'] },
  { url: 'tcp://:1/:2', issues: ['scheme: must be server, client or master, got "tcp"'] },
  { url: 'server://:10101/127.0.0.1:8080#frag', issues: ['url: "#" must be written as %23'] },
  { url: 'server://:10101/127.0.0.1:8080\t', issues: ['url: contains a control character'] },
  // tunnel key
  { url: 'server://a%zz@:10101/127.0.0.1:8080', issues: ['tunnel key: bad percent-encoding'] },
  { url: 'server://a b@:10101/127.0.0.1:8080', issues: ['tunnel key: contains characters that must be percent-encoded'] },
  // tunnel address
  { url: 'server:///127.0.0.1:8080', issues: [`tunnel address: ${HP}, got ""`] },
  { url: 'server://example.com/127.0.0.1:8080', issues: [`tunnel address: ${HP}, got "example.com"`] },
  { url: 'server://:0/127.0.0.1:8080', issues: [`tunnel address: ${PORT}, got ":0"`] },
  { url: 'server://:65536/127.0.0.1:8080', issues: [`tunnel address: ${PORT}, got ":65536"`] },
  { url: 'client://host:http/127.0.0.1:8080', issues: [`tunnel address: ${PORT}, got "host:http"`] },
  { url: 'client://host:-1/127.0.0.1:8080', issues: [`tunnel address: ${PORT}, got "host:-1"`] },
  { url: 'server://::1:10101/127.0.0.1:8080', issues: ['tunnel address: IPv6 address must be in brackets, got "::1:10101"'] },
  { url: 'server://[::g]:10101/127.0.0.1:8080', issues: ['tunnel address: bad IPv6 address in brackets, got "[::g]:10101"'] },
  { url: 'server://[::1]10101/127.0.0.1:8080', issues: [`tunnel address: ${HP}, got "[::1]10101"`] },
  { url: 'client://bad_host.com:10101/127.0.0.1:8080', issues: [`tunnel address: ${HOST}, got "bad_host.com:10101"`] },
  { url: 'client://-a.com:10101/127.0.0.1:8080', issues: [`tunnel address: ${HOST}, got "-a.com:10101"`] },
  { url: 'client://a..com:10101/127.0.0.1:8080', issues: [`tunnel address: ${HOST}, got "a..com:10101"`] },
  { url: 'client://256.1.1.1:10101/127.0.0.1:8080', issues: [`tunnel address: ${HOST}, got "256.1.1.1:10101"`] },
  // targets
  { url: 'server://:10101', issues: ['targets: at least one target host:port is required after the tunnel address'] },
  { url: 'server://:10101/', issues: ['targets: at least one target host:port is required after the tunnel address'] },
  { url: 'server://:10101/ , ,', issues: ['targets: at least one target host:port is required after the tunnel address'] },
  { url: 'server://:10101/127.0.0.1', issues: [`target: ${HP}, got "127.0.0.1"`] },
  { url: 'server://:10101/127.0.0.1:0', issues: [`target: ${PORT}, got "127.0.0.1:0"`] },
  { url: 'server://:10101/127.0.0.1:80/x', issues: [`target: ${PORT}, got "127.0.0.1:80/x"`] },
  { url: 'server://:10101/::1:80', issues: ['target: IPv6 address must be in brackets, got "::1:80"'] },
  { url: 'server://:10101/%zz', issues: ['targets: bad percent-encoding, got "/%zz"'] },
  { url: 'server://:10101/127.0.0.1:80,x_y:81', issues: [`target: ${HOST}, got "x_y:81"`] },
  { url: 'server://:10101/127.0.0.1:10101',
    issues: ['target: points back at the tunnel address ":10101", got "127.0.0.1:10101"'] },
  { url: 'client://127.0.0.1:10101/localhost:10101',
    issues: ['target: points back at the tunnel address "127.0.0.1:10101", got "localhost:10101"'] },
  { url: 'server://0.0.0.0:10101/[::1]:10101',
    issues: ['target: points back at the tunnel address "0.0.0.0:10101", got "[::1]:10101"'] },
  { url: 'client://[::]:10101/:10101',
    issues: ['target: points back at the tunnel address "[::]:10101", got ":10101"'] },
  { url: 'server://example.com:443/example.com:443',
    issues: ['target: points back at the tunnel address "example.com:443", got "example.com:443"'] },
  // query syntax, unknown and duplicated parameters, scope
  { url: 'server://:10101/127.0.0.1:8080?foo=1', issues: ['foo: unknown parameter'] },
  { url: 'server://:10101/127.0.0.1:8080?TLS=1', issues: ['TLS: unknown parameter'] },
  { url: 'server://:10101/127.0.0.1:8080?=1', issues: ['query: parameter without a name, got "=1"'] },
  { url: 'server://:10101/127.0.0.1:8080?tls=1;mode=1', issues: ['query: ";" is not a separator (use "&"), got "tls=1;mode=1"'] },
  { url: 'server://:10101/127.0.0.1:8080?log=%g1', issues: ['query: bad percent-encoding, got "log=%g1"'] },
  { url: 'server://:10101/127.0.0.1:8080?mode=1&mode=2', issues: ['mode: given more than once, got "1", "2"'] },
  { url: 'client://:10101/127.0.0.1:8080?tls=1', issues: ['tls: not allowed on client://, got "1"'] },
  { url: 'client://:10101/127.0.0.1:8080?crt=a.pem&key=b.pem',
    issues: ['crt: not allowed on client://, got "a.pem"', 'key: not allowed on client://, got "b.pem"'] },
  { url: 'client://:10101/127.0.0.1:8080?type=1', issues: ['type: not allowed on client://, got "1"'] },
  { url: 'server://:10101/127.0.0.1:8080?sni=example.com', issues: ['sni: not allowed on server://, got "example.com"'] },
  { url: 'server://:10101/127.0.0.1:8080?min=8', issues: ['min: not allowed on server://, got "8"'] },
  { url: 'master://:9090?mode=1', issues: ['mode: not allowed on master://, got "1"'] },
  // values
  { url: 'server://:10101/127.0.0.1:8080?log=verbose',
    issues: ['log: must be one of none, debug, info, warn, error, event, got "verbose"'] },
  { url: 'server://:10101/127.0.0.1:8080?tls=3', issues: ['tls: must be 0, 1 or 2, got "3"'] },
  { url: 'server://:10101/127.0.0.1:8080?dns=5', issues: ['dns: must be a duration such as 5m, or resolver IPs such as 1.1.1.1,8.8.8.8, got "5"'] },
  { url: 'server://:10101/127.0.0.1:8080?dns=-5m', issues: ['dns: must be a duration such as 5m, or resolver IPs such as 1.1.1.1,8.8.8.8, got "-5m"'] },
  // beyond Go's time.Duration (2562047h47m16.854775807s): refused as Go's parser refuses it
  { url: 'server://:10101/127.0.0.1:8080?dns=9999999999999h', issues: ['dns: must be a duration such as 5m, or resolver IPs such as 1.1.1.1,8.8.8.8, got "9999999999999h"'] },
  { url: 'client://:10101/127.0.0.1:8080?dns=1.1.1.1,dns.google', issues: ['dns: must be a duration such as 5m, or resolver IPs such as 1.1.1.1,8.8.8.8, got "1.1.1.1,dns.google"'] },
  { url: 'client://:10101/127.0.0.1:8080?sni=bad_name', issues: ['sni: must be a hostname, an IP address or none, got "bad_name"'] },
  { url: 'client://:10101/127.0.0.1:8080?lbs=3', issues: ['lbs: must be 0, 1 or 2, got "3"'] },
  { url: 'client://:10101/127.0.0.1:8080?min=abc', issues: ['min: must be an integer from 1 to 65536, got "abc"'] },
  { url: 'client://:10101/127.0.0.1:8080?min=0', issues: ['min: must be an integer from 1 to 65536, got "0"'] },
  { url: 'client://:10101/127.0.0.1:8080?min=-1', issues: ['min: must be an integer from 1 to 65536, got "-1"'] },
  { url: 'client://:10101/127.0.0.1:8080?min=1.5', issues: ['min: must be an integer from 1 to 65536, got "1.5"'] },
  { url: 'server://:10101/127.0.0.1:8080?max=65537', issues: ['max: must be an integer from 1 to 65536, got "65537"'] },
  { url: 'server://:10101/127.0.0.1:8080?mode=3', issues: ['mode: must be 0, 1 or 2, got "3"'] },
  { url: 'server://:10101/127.0.0.1:8080?type=4', issues: ['type: must be 0, 1, 2 or 3, got "4"'] },
  { url: 'server://:10101/127.0.0.1:8080?dial=eth0', issues: ['dial: must be an IP address or auto, got "eth0"'] },
  { url: 'server://:10101/127.0.0.1:8080?dial=1.2.3', issues: ['dial: must be an IP address or auto, got "1.2.3"'] },
  { url: 'server://:10101/127.0.0.1:8080?read=10', issues: ['read: must be a duration such as 30s or 1h, or 0 (off), got "10"'] },
  { url: 'server://:10101/127.0.0.1:8080?read=2562047h47m16.854775808s', issues: ['read: must be a duration such as 30s or 1h, or 0 (off), got "2562047h47m16.854775808s"'] },
  { url: 'server://:10101/127.0.0.1:8080?read=1x', issues: ['read: must be a duration such as 30s or 1h, or 0 (off), got "1x"'] },
  { url: 'server://:10101/127.0.0.1:8080?rate=+5', issues: ['rate: must be an integer from 0 to 1000000, got " 5"'] },
  { url: 'server://:10101/127.0.0.1:8080?rate=1e3', issues: ['rate: must be an integer from 0 to 1000000, got "1e3"'] },
  { url: 'server://:10101/127.0.0.1:8080?slot=-1', issues: ['slot: must be an integer from 0 to 1048576, got "-1"'] },
  { url: 'server://:10101/127.0.0.1:8080?proxy=yes', issues: ['proxy: must be 0 or 1, got "yes"'] },
  { url: 'server://:10101/127.0.0.1:8080?block=4',
    issues: ['block: must be 0 or a combination of the digits 1 (SOCKS), 2 (HTTP), 3 (TLS) such as 13, got "4"'] },
  { url: 'server://:10101/127.0.0.1:8080?block=01',
    issues: ['block: must be 0 or a combination of the digits 1 (SOCKS), 2 (HTTP), 3 (TLS) such as 13, got "01"'] },
  { url: 'server://:10101/127.0.0.1:8080?block=11',
    issues: ['block: must be 0 or a combination of the digits 1 (SOCKS), 2 (HTTP), 3 (TLS) such as 13, got "11"'] },
  { url: 'server://:10101/127.0.0.1:8080?notcp=2', issues: ['notcp: must be 0 or 1, got "2"'] },
  // contradictions
  { url: 'server://:10101/127.0.0.1:8080?notcp=1&noudp=1',
    issues: ['noudp: cannot be 1 together with notcp=1 (nothing would be forwarded), got "1"'] },
  { url: 'client://:10101/127.0.0.1:8080?min=100&max=50', issues: ['min: must not exceed max=50, got "100"'] },
  { url: 'server://:10101/127.0.0.1:8080?type=1&tls=0', issues: ['tls: must be 1 or 2 with type=1, got "0"'] },
  { url: 'server://:10101/127.0.0.1:8080?type=3&tls=0', issues: ['tls: must be 1 or 2 with type=3, got "0"'] },
  { url: 'server://:10101/127.0.0.1:8080?tls=2', issues: ['crt: required with tls=2', 'key: required with tls=2'] },
  { url: `server://:10101/127.0.0.1:8080?tls=2&crt=${CRT}`, issues: ['key: required with tls=2'] },
  { url: `server://:10101/127.0.0.1:8080?crt=${CRT}&key=${KEY}`,
    issues: [`crt: only allowed with tls=2 (not with no tls), got "${CRT}"`,
      `key: only allowed with tls=2 (not with no tls), got "${KEY}"`] },
  { url: `server://:10101/127.0.0.1:8080?tls=1&key=${KEY}`, issues: [`key: only allowed with tls=2 (not with tls=1), got "${KEY}"`] },
  { url: `server://:10101/127.0.0.1:8080?tls=2&crt=${MISSING}&key=${KEY}`,
    issues: [`crt: cannot read the file (ENOENT), got "${MISSING}"`] },
  { url: `server://:10101/127.0.0.1:8080?tls=2&crt=${TLS_DIR}&key=${MISSING}`,
    issues: [`crt: cannot read the file (EISDIR), got "${TLS_DIR}"`, `key: cannot read the file (ENOENT), got "${MISSING}"`] },
  { url: `server://:10101/127.0.0.1:8080?tls=2&crt=${NOT_PEM}&key=${NOT_PEM}`,
    issues: [`crt: not a PEM certificate, got "${NOT_PEM}"`, `key: not a PEM private key, got "${NOT_PEM}"`] },
  { url: `server://:10101/127.0.0.1:8080?tls=2&crt=${CRT}&key=${OTHER_KEY}`,
    issues: [`key: does not match the certificate in crt, got "${OTHER_KEY}"`] },
  // master
  { url: 'master://key@:9090', issues: ['tunnel key: not allowed on master://'] },
  { url: 'master://9090', issues: [`listen address: ${HP}, got "9090"`] },
  { url: 'master://:9090/a b', issues: ['prefix: must be a path such as /api, got "/a b"'] },
  { url: 'master://:9090?tls=2', issues: ['crt: required with tls=2', 'key: required with tls=2'] },
  { url: 'master://:9090?type=1', issues: ['type: not allowed on master://, got "1"'] },
  // many problems at once, reported in URL order
  { url: 'server://k@:99999/127.0.0.1,[::1]:0?tls=9&min=3&max=x&bogus&mode=1&mode=1&block=5&notcp=1&noudp=1',
    issues: [
      `tunnel address: ${PORT}, got ":99999"`,
      `target: ${HP}, got "127.0.0.1"`,
      `target: ${PORT}, got "[::1]:0"`,
      'tls: must be 0, 1 or 2, got "9"',
      'min: not allowed on server://, got "3"',
      'max: must be an integer from 1 to 65536, got "x"',
      'bogus: unknown parameter',
      'mode: given more than once, got "1", "1"',
      'block: must be 0 or a combination of the digits 1 (SOCKS), 2 (HTTP), 3 (TLS) such as 13, got "5"',
      'noudp: cannot be 1 together with notcp=1 (nothing would be forwarded), got "1"',
    ] },
]
