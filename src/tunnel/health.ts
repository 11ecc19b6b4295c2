// The typed state of one tunnel process (starting → ready ⇄ degraded, error → starting …) and the errors behind it.
// run.ts drives the attempts; the session, single-end mode and the per-connection paths report into it; the host
// (CLI, master worker) receives every change through TunnelDeps.onState. Log lines stay for people; nothing reads
// them back.
import { ERR, NodePassError, errorInfo, formatErrorInfo, type ErrorCode, type ErrorInfo } from '../errors.js'
import type { Logger } from '../log.js'
import type { RateLimiter } from '../net/rate.js'
import type { TunnelState } from './types.js'

export interface HealthOptions {
  readonly log: Logger
  /** A degraded tunnel is ready again after this long without a new failure (NP_REPORT_INTERVAL). */
  readonly quietMs: number
  readonly onState: ((s: TunnelState) => void) | undefined
  /** rate=: a growing wait count marks the tunnel degraded with NP_ERR_RATE_LIMITED. */
  readonly rate: RateLimiter | undefined
}

export class TunnelHealth {
  #state: TunnelState = { state: 'starting' }
  #lastProblem = 0
  #timer: NodeJS.Timeout | undefined
  #rateWaits = 0
  readonly #o: HealthOptions

  constructor(o: HealthOptions) {
    this.#o = o
  }

  get state(): TunnelState {
    return this.#state
  }

  #set(s: TunnelState): void {
    this.#state = s
    try {
      this.#o.onState?.(s)
    } catch {
      /* a host callback must not break the tunnel */
    }
  }

  /** A new attempt begins; `after` is the failure that ended the previous one. */
  starting(after?: ErrorInfo): void {
    this.#stopTimer()
    this.#set(after ? { state: 'starting', error: after } : { state: 'starting' })
  }

  /** The attempt serves users. */
  ready(): void {
    if (this.#state.state === 'ready' || this.#state.state === 'degraded') return
    this.#set({ state: 'ready' })
    this.#rateWaits = this.#waits()
    this.#timer = setInterval(() => this.#tick(), this.#o.quietMs)
    this.#timer.unref()
  }

  /** The attempt failed: state `error`; returns what the `Server error:`/`Client error:` line shows. */
  failed(err: unknown): ErrorInfo {
    this.#stopTimer()
    const info = errorInfo(err, ERR.INTERNAL)
    this.#set({ state: 'error', error: info })
    return info
  }

  /**
   * One connection (or datagram session) failed while the tunnel runs: logs `<what>: <message> [code] hint: …` at
   * `level` and marks the tunnel degraded until NP_REPORT_INTERVAL passes without another failure.
   */
  problem(what: string | undefined, err: unknown, level: 'warn' | 'error' = 'error', fallback: ErrorCode = ERR.DIAL_FAILED): ErrorInfo {
    const info = errorInfo(err, fallback)
    this.#o.log[level](what === undefined ? formatErrorInfo(info) : `${what}: ${formatErrorInfo(info)}`)
    if (info.code !== ERR.CLOSED) this.#degrade(info)
    return info
  }

  #degrade(info: ErrorInfo): void {
    this.#lastProblem = Date.now()
    const s = this.#state
    if (s.state === 'ready' || (s.state === 'degraded' && s.error.code !== info.code)) this.#set({ state: 'degraded', error: info })
  }

  #waits(): number {
    const r = this.#o.rate
    return r ? r.read.waits + r.write.waits : 0
  }

  #tick(): void {
    const waits = this.#waits()
    if (waits > this.#rateWaits) {
      const n = waits - this.#rateWaits
      this.#rateWaits = waits
      const mbps = this.#o.rate?.mbps ?? 0
      const err = new NodePassError(ERR.RATE_LIMITED, `rate=${mbps}: traffic waited ${n} times for the ${mbps} Mbps limit`)
      const was = this.#state.state
      this.#degrade(err.toJSON())
      if (was === 'ready') this.#o.log.warn(`Rate limit active: ${formatErrorInfo(err.toJSON())}`)
      return
    }
    if (this.#state.state === 'degraded' && Date.now() - this.#lastProblem >= this.#o.quietMs) this.#set({ state: 'ready' })
  }

  #stopTimer(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  close(): void {
    this.#stopTimer()
  }
}
