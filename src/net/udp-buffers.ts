// Kernel buffers of the UDP sockets that carry user traffic (ingress listeners and dialled target sockets).
// The default SO_RCVBUF (net.core.rmem_default, ~208 KiB) holds about 90 datagrams of 1400 bytes: a Node process
// that is off the CPU for 2 ms while 500 Mbit/s arrive loses the rest (iperf3 -u at 500 Mbit/s lost half of them
// at the entry socket on a busy 2-core machine, counted as Udp RcvbufErrors). A few MiB absorbs such stalls.
// The kernel caps the request at net.core.rmem_max / wmem_max (and reports double what it grants).
import type { Socket as UdpSocket } from 'node:dgram'

export const UDP_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024

type BufferSizes = Pick<UdpSocket, 'getRecvBufferSize' | 'setRecvBufferSize' | 'getSendBufferSize' | 'setSendBufferSize'>

/** Raises SO_RCVBUF/SO_SNDBUF of a bound or connected socket; a refusal leaves the system default (never throws). */
export function raiseUdpBuffers(sock: BufferSizes, bytes: number = UDP_SOCKET_BUFFER_BYTES): void {
  try {
    if (sock.getRecvBufferSize() < bytes) sock.setRecvBufferSize(bytes)
  } catch {
    /* not bound yet, or refused: the default stays */
  }
  try {
    if (sock.getSendBufferSize() < bytes) sock.setSendBufferSize(bytes)
  } catch {
    /* as above */
  }
}
