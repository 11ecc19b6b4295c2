// The wait before runTunnel starts a failed tunnel again (docs/parameters.md, "Restarts and held connections").
//
// Delays start at 100 ms and double. While the peer cannot be reached at all (nothing listens: the dial is refused,
// reset or unreachable, or the control connection was lost), they stop doubling at 1 s: such a dial costs the peer's
// host one SYN and one RST, and a peer that comes back is found within about a second (a 3 s cap made the client
// wait 2.4 s on median after a restarted server accepted). Any other failure (a refused key, a failed
// certificate check, a port in use, a pool that never formed) doubles up to NP_SERVICE_COOLDOWN, so a peer that
// answers but refuses is not asked more than once per cooldown. Every delay is shortened by up to a fifth at random,
// so that many clients of one restarted server do not dial it in step.
import { ERR } from '../errors.js'

export const FIRST_RETRY_MS = 100
/** The longest wait while the peer is unreachable. */
export const UNREACHABLE_CAP_MS = 1000

/** Socket errors that mean "nobody answered there" rather than "the peer answered and refused". */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE'])

/** True when `err` (or a cause in its chain) says the peer was not there to answer, or went away. */
export function peerUnreachable(err: unknown): boolean {
  let cur: unknown = err
  for (let depth = 0; cur instanceof Error && depth < 8; depth++) {
    const code = (cur as NodeJS.ErrnoException).code
    if (code === ERR.CONTROL_LOST || (typeof code === 'string' && UNREACHABLE.has(code))) return true
    cur = cur.cause
  }
  return false
}

export class RetrySchedule {
  #delay = FIRST_RETRY_MS

  constructor(
    private readonly cooldownMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The wait before the next start after a failure `err`. */
  next(err: unknown): number {
    const cap = Math.min(this.cooldownMs, peerUnreachable(err) ? UNREACHABLE_CAP_MS : this.cooldownMs)
    const base = Math.min(this.#delay, cap)
    this.#delay = Math.min(this.#delay * 2, this.cooldownMs)
    return Math.round(base * (0.8 + 0.2 * this.random()))
  }

  /** A run that stayed up for a cooldown starts over at the first delay. */
  reset(): void {
    this.#delay = FIRST_RETRY_MS
  }
}
