// type=1 QUIC pool, reverse mode: TCP bulk, 200 concurrent echoes, UDP datagrams (the matrix is split over three files
// so that they run in parallel: -reverse, -forward, -faults).
import { transportMatrix } from '../helpers/transport-matrix.js'

transportMatrix('quic', { tls: { mode: 1 }, halfClose: true, bulkBytes: 8 << 20, parts: ['reverse'] })
