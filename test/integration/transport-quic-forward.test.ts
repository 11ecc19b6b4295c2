// type=1 QUIC pool, forward mode (split from transport-quic.test.ts so the two halves run in parallel).
import { transportMatrix } from '../helpers/transport-matrix.js'

transportMatrix('quic', { tls: { mode: 1 }, halfClose: true, bulkBytes: 8 << 20, parts: ['forward'] })
