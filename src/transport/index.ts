// Explicit transport registry (no import side effects). Types other than TCP are loaded on first use, so a
// missing optional package (the QUIC binding) only affects type=1.
import { NodePassError, ERR } from '../errors.js'
import type { PoolKind } from '../url/types.js'
import type { TransportFactory } from './types.js'
import { tcpTransport } from './tcp.js'

const loaders: Record<PoolKind, () => Promise<TransportFactory>> = {
  tcp: () => Promise.resolve(tcpTransport),
  quic: () => Promise.reject(new NodePassError(ERR.TRANSPORT_UNAVAILABLE, 'pool type 1 (QUIC) is not available in this build')),
  ws: () => Promise.reject(new NodePassError(ERR.TRANSPORT_UNAVAILABLE, 'pool type 2 (WebSocket) is not available in this build')),
  h2: () => Promise.reject(new NodePassError(ERR.TRANSPORT_UNAVAILABLE, 'pool type 3 (HTTP/2) is not available in this build')),
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
