// The TLS side of a tunnel, loaded on first use: node:tls/https, certificates and the TLS transport code cost
// ~2 MB per process (or per master worker), and a tls=0 or single-end instance never needs them. (The pool's TLS
// layer, transport/tls-stream.ts, is loaded the same way by transport/tcp.ts.)
import type * as Https from 'node:https'
import type * as Certs from './certs.js'

export const loadCerts = (): Promise<typeof Certs> => import('./certs.js')
export const loadHttps = (): Promise<typeof Https> => import('node:https')
