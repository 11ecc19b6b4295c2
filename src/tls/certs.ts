// Server certificates: tls=1 an in-memory self-signed ECDSA P-256 certificate (made once per process, kept across
// tunnel restarts); tls=2 PEM files re-read after NP_RELOAD_INTERVAL (a failed reload keeps the old pair).
import { readFileSync } from 'node:fs'
import { X509Certificate } from 'node:crypto'
import { createSecureContext, type SecureContext } from 'node:tls'
import { NodePassError, ERR, describeError } from '../errors.js'
import type { Logger } from '../log.js'
import type { TlsConfig } from '../url/types.js'
import { fingerprint } from '../wire.js'
import { VERSION } from '../version.js'

export interface CertPair {
  readonly cert: string
  readonly key: string
}

export interface ServerCredentials {
  /** The context to use for the next handshake (tls=2 reloads lazily here). */
  context(): SecureContext
  /** Fingerprint of the certificate the current context presents. */
  fingerprint(): string
  /** PEM pair of the current context (for transports that need PEM, e.g. QUIC). */
  pair(): CertPair
  readonly mode: 1 | 2
}

let selfSignedCache: Promise<CertPair> | undefined

/** ECDSA P-256, random serial (drawn by the library), subject O=<version>, one year, ServerAuth. Made once per process. */
export function selfSignedPair(): Promise<CertPair> {
  selfSignedCache ??= (async () => {
    // Loaded on first use: the library costs ~4.5 MB per V8 isolate, and every master instance worker is one (D15).
    const { default: selfsigned } = await import('selfsigned')
    const now = new Date()
    const pems = await selfsigned.generate([{ name: 'organizationName', value: `nodepass ${VERSION}` }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: now,
      notAfterDate: new Date(now.getTime() + 365 * 24 * 3600 * 1000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
      ],
    } as never)
    return { cert: pems.cert, key: pems.private }
  })()
  return selfSignedCache
}

export const TLS_MIN_VERSION = 'TLSv1.3' as const

/**
 * TLS 1.3 suites, fastest first where AES instructions exist: AES-128-GCM does 10 AES rounds per block where
 * AES-256-GCM (OpenSSL's first choice) does 14. All three are the TLS 1.3 suites Go speaks too (Go's own client
 * prefers AES-128-GCM on such hardware). The server picks by this order (honorCipherOrder).
 */
export const TLS13_CIPHERS = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256'

function contextFor(pair: CertPair): SecureContext {
  return createSecureContext({ cert: pair.cert, key: pair.key, minVersion: TLS_MIN_VERSION, ciphers: TLS13_CIPHERS, honorCipherOrder: true })
}

function fingerprintOf(pem: string): string {
  return fingerprint(new X509Certificate(pem).raw)
}

/** Reads and checks a crt/key pair; throws a NodePassError naming the file that failed. */
export function loadPair(crtPath: string, keyPath: string): CertPair {
  let cert: string, key: string
  try {
    cert = readFileSync(crtPath, 'utf8')
  } catch (err) {
    throw new NodePassError(ERR.TLS_FILES, `cannot read crt ${crtPath}: ${describeError(err)}`)
  }
  try {
    key = readFileSync(keyPath, 'utf8')
  } catch (err) {
    throw new NodePassError(ERR.TLS_FILES, `cannot read key ${keyPath}: ${describeError(err)}`)
  }
  try {
    createSecureContext({ cert, key })
    new X509Certificate(cert)
  } catch (err) {
    throw new NodePassError(ERR.TLS_FILES, `crt ${crtPath} / key ${keyPath} unusable: ${describeError(err)}`)
  }
  return { cert, key }
}

export async function createServerCredentials(
  tls: TlsConfig,
  opts: { reloadIntervalMs: number; log: Logger },
): Promise<ServerCredentials | undefined> {
  switch (tls.mode) {
    case 0:
      return undefined
    case 1: {
      const pair = await selfSignedPair()
      const ctx = contextFor(pair)
      const fp = fingerprintOf(pair.cert)
      return { mode: 1, context: () => ctx, fingerprint: () => fp, pair: () => pair }
    }
    case 2: {
      let pair = loadPair(tls.crt, tls.key)
      let ctx = contextFor(pair)
      let fp = fingerprintOf(pair.cert)
      let loadedAt = Date.now()
      const maybeReload = (): void => {
        if (Date.now() - loadedAt < opts.reloadIntervalMs) return
        loadedAt = Date.now()
        try {
          const next = loadPair(tls.crt, tls.key)
          ctx = contextFor(next)
          fp = fingerprintOf(next.cert)
          pair = next
          opts.log.info(`TLS code-2: certificate reloaded (${fp})`)
        } catch (err) {
          opts.log.warn(`TLS code-2: reload failed, keeping the current certificate: ${describeError(err)}`)
        }
      }
      return {
        mode: 2,
        context: () => (maybeReload(), ctx),
        fingerprint: () => fp,
        pair: () => pair,
      }
    }
  }
}
