// The TLS side of a tunnel, loaded on first use: node:tls/https, certificates and the TLS transport code cost
// ~2 MB per process (or per master worker), and a tls=0 or single-end instance never needs them.
import type * as Https from 'node:https'
import type * as Certs from './certs.js'
import type * as TlsStream from '../transport/tls-stream.js'

export const loadCerts = (): Promise<typeof Certs> => import('./certs.js')
export const loadTlsStream = (): Promise<typeof TlsStream> => import('../transport/tls-stream.js')
export const loadHttps = (): Promise<typeof Https> => import('node:https')
