// A naive Node.js TCP forwarder (socket.pipe both ways), the baseline the tunnel's single hop is compared with.
// Usage: node dist/bench/pipe-forwarder.js <listenPort> <targetPort>
import { connect, createServer } from 'node:net'

const listen = Number(process.argv[2])
const target = Number(process.argv[3])
if (!Number.isInteger(listen) || !Number.isInteger(target)) {
  console.error('usage: pipe-forwarder.js <listenPort> <targetPort>')
  process.exit(2)
}
const server = createServer({ noDelay: true }, (a) => {
  const b = connect({ port: target, host: '127.0.0.1', noDelay: true })
  const done = (): void => { a.destroy(); b.destroy() }
  a.on('error', done)
  b.on('error', done)
  a.pipe(b)
  b.pipe(a)
})
server.on('error', (e) => { console.error(e.message); process.exit(1) })
server.listen({ port: listen, host: '127.0.0.1', backlog: 65535 })
process.on('SIGTERM', () => process.exit(0))
