// type=1 QUIC pool: the tunnel matrix's fault cases (the matrix is split over three files, -reverse,
// -forward and -faults, so that each stays well under a minute on a busy machine).
import { transportMatrix } from '../helpers/transport-matrix.js'

transportMatrix('quic', { tls: { mode: 1 }, halfClose: true, bulkBytes: 8 << 20, parts: ['faults'] })
