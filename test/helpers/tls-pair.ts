// A real TLS pool connection on 127.0.0.1 for relay tests: the server side accepted through acceptTls, as the
// tunnel's pool accepts it, the client side dialled with tls.connect.
import { createServer, type Socket, type AddressInfo } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import { once } from 'node:events'
import { acceptTls } from '../../src/transport/tls-stream.js'
import { createServerCredentials } from '../../src/tls/certs.js'
import type { ServerTransportOptions } from '../../src/transport/types.js'
import { memLogger, testTunables } from './config.js'

type After = { after(fn: () => unknown): void }

/** A TLS connection: `server` accepted through acceptTls (the pool's server side), `client` dialled with `ciphers`. */
export async function tlsPair(t: After, ciphers?: string, tcpDataBufSize?: number): Promise<{ server: TLSSocket; client: TLSSocket }> {
  const log = memLogger()
  const creds = (await createServerCredentials({ mode: 1 }, { reloadIntervalMs: 3_600_000, log }))!
  const tunables = testTunables(tcpDataBufSize === undefined ? {} : { tcpDataBufSize })
  const opts = { creds, log, tunables } as unknown as ServerTransportOptions
  const srv = createServer({ allowHalfOpen: true })
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  const accepted = once(srv, 'connection') as Promise<[Socket]>
  // allowHalfOpen is a net.Socket option tls.connect passes on; @types/node omits it from ConnectionOptions.
  const copts = {
    port: (srv.address() as AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false, minVersion: 'TLSv1.3' as const,
    allowHalfOpen: true, ...(ciphers ? { ciphers } : {}),
  }
  const client = tlsConnect(copts)
  const [raw] = await accepted
  const [server] = await Promise.all([acceptTls(raw, opts), once(client, 'secureConnect')])
  t.after(() => {
    client.destroy()
    server.destroy()
    srv.close()
  })
  return { server, client }
}
