// Explicit transport registry (no import side effects). Types other than TCP are loaded on first use, so a
// missing optional package (the QUIC binding) only affects type=1.
import { NodePassError, ERR, describeError } from '../errors.js'
import type { PoolKind } from '../wire.js'
import type { TransportFactory } from './types.js'
import { tcpTransport } from './tcp.js'

const loaders: Record<PoolKind, () => Promise<TransportFactory>> = {
  tcp: () => Promise.resolve(tcpTransport),
  quic: async () => {
    try {
      return (await import('./quic.js')).quicTransport
    } catch (err) {
      throw new NodePassError(
        ERR.TRANSPORT_UNAVAILABLE,
        `pool type 1 (QUIC) needs the optional package @matrixai/quic with its native binding for ${process.platform}-${process.arch}: ${describeError(err)}`,
        { cause: err },
      )
    }
  },
  ws: async () => (await import('./ws.js')).wsTransport,
  h2: async () => (await import('./h2.js')).h2Transport,
}

/** The transport factory for a pool type; rejects with NP_ERR_TRANSPORT_UNAVAILABLE when it cannot load. */
export async function loadTransport(kind: PoolKind): Promise<TransportFactory> {
  return loaders[kind]()
}

/** Convenience: a factory whose server()/client() load the transport lazily. */
export function createTransport(kind: PoolKind): Pick<TransportFactory, 'server' | 'client'> {
  return {
    server: async (opts) => (await loadTransport(kind)).server(opts),
    client: async (opts) => (await loadTransport(kind)).client(opts),
  }
}
