// The benchmark's target: a TCP and UDP echo server on one 127.0.0.1 port, run as its own process.
// Usage: node dist/bench/echo-target.js <port>. Prints "ready <port>" once both sockets are bound.
import { createServer } from 'node:net'
import { createSocket } from 'node:dgram'

const port = Number(process.argv[2])
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: echo-target.js <port>')
  process.exit(2)
}

const tcp = createServer({ noDelay: true }, (sock) => {
  sock.on('error', () => sock.destroy())
  sock.pipe(sock)
})
const udp = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 })
udp.on('message', (msg, rinfo) => udp.send(msg, rinfo.port, rinfo.address))
udp.on('error', (err) => { console.error(`udp: ${err.message}`) })
tcp.on('error', (err) => { console.error(`tcp: ${err.message}`); process.exit(1) })

tcp.listen({ port, host: '127.0.0.1', backlog: 65535 }, () => {
  udp.bind(port, '127.0.0.1', () => console.log(`ready ${port}`))
})
process.on('SIGTERM', () => process.exit(0))
