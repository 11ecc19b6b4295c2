// A WebSocket as a Node byte-stream Duplex (as coder/websocket's NetConn): each write is one binary message
// (single FIN frame), reads concatenate messages, end() sends close 1000 and a received close is EOF, destroy()
// drops the connection. Backpressure: reading pauses the socket when the readable buffer is full.
import { Duplex } from 'node:stream'
import { WebSocket } from 'ws'

/** Bytes queued in the socket below which a write is acknowledged without waiting for it to be flushed. */
const SEND_QUEUE_LIMIT = 1 << 20

export function wsDuplex(ws: WebSocket): Duplex {
  let paused = false
  const d = new Duplex({
    allowHalfOpen: true,
    read() {
      if (paused) {
        paused = false
        ws.resume()
      }
    },
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== WebSocket.OPEN) return cb(new Error('websocket closed'))
      // Acknowledge at once while little is queued; otherwise wait until the socket took this message.
      let acked = false
      ws.send(chunk, { binary: true, compress: false, fin: true }, (err) => {
        if (err && acked) d.destroy(err)
        if (!acked) {
          acked = true
          cb(err ?? null)
        }
      })
      if (!acked && ws.bufferedAmount < SEND_QUEUE_LIMIT) {
        acked = true
        cb()
      }
    },
    final(cb) {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000)
      cb()
    },
    destroy(err, cb) {
      if (ws.readyState !== WebSocket.CLOSED) ws.terminate()
      cb(err)
    },
  })
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
    if (buf.length === 0) return
    if (!d.push(buf) && !paused) {
      paused = true
      ws.pause()
    }
  })
  ws.on('close', (code: number) => {
    // 1000 (normal) and 1001 (going away) read as EOF; any other end of the connection is an error.
    if (code === 1000 || code === 1001 || code === 1005) d.push(null)
    else d.destroy(new Error(`websocket closed with status ${code}`))
  })
  ws.on('error', (err: Error) => d.destroy(err))
  return d
}
