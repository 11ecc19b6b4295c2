// The control channel: newline-framed base64(XOR(JSON)) signals on pool connection 00000000. A silent peer
// (no line for 3× NP_REPORT_INTERVAL), EOF or an error ends the tunnel; a bad line is logged and skipped.
import type { Duplex } from 'node:stream'
import { NodePassError, ERR, describeError } from '../errors.js'
import type { Logger } from '../log.js'
import { decodeSignal, encodeSignal, type Signal } from '../wire.js'

const MAX_LINE = 64 * 1024

export class ControlChannel {
  readonly #stream: Duplex
  readonly #key: string
  #timer: NodeJS.Timeout | undefined
  #closed = false
  #corked = false

  constructor(
    stream: Duplex,
    key: string,
    private readonly opts: {
      log: Logger
      readTimeoutMs: number
      onSignal: (s: Signal) => void
      onFail: (err: Error) => void
    },
  ) {
    this.#stream = stream
    this.#key = key
    let pending = ''
    stream.setEncoding('latin1')
    stream.on('data', (chunk: string) => {
      this.#arm()
      pending += chunk
      let nl: number
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl)
        pending = pending.slice(nl + 1)
        if (line.length > 0) this.#handle(line)
      }
      if (pending.length > MAX_LINE) this.#fail(new NodePassError(ERR.CONTROL_LOST, 'control: line too long'))
    })
    stream.on('end', () => this.#fail(new NodePassError(ERR.CONTROL_LOST, 'control: connection closed by peer')))
    stream.on('close', () => this.#fail(new NodePassError(ERR.CONTROL_LOST, 'control: connection closed')))
    stream.on('error', (err) => this.#fail(new NodePassError(ERR.CONTROL_LOST, `control: ${describeError(err)}`, { cause: err })))
    stream.resume()
    this.#arm()
  }

  #arm(): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(
      () => this.#fail(new NodePassError(ERR.CONTROL_LOST, `control: no signal for ${this.opts.readTimeoutMs}ms`)),
      this.opts.readTimeoutMs,
    )
  }

  #handle(line: string): void {
    let sig: Signal
    try {
      sig = decodeSignal(Buffer.from(line, 'latin1').toString('utf8'), this.#key)
    } catch (err) {
      this.opts.log.error(`Control signal dropped: ${describeError(err)}`)
      return
    }
    try {
      this.opts.onSignal(sig)
    } catch (err) {
      this.opts.log.error(`Control signal ${sig.action} failed: ${describeError(err)}`)
    }
  }

  #fail(err: Error): void {
    if (this.#closed) return
    this.close()
    this.opts.onFail(err)
  }

  /**
   * Signals sent in one turn of the event loop go out in one write (over TLS one syscall instead of one per signal):
   * a reused connection's `fin` and `free` often leave together, as do the `tcp` signals of a burst.
   */
  send(sig: Signal): void {
    if (this.#closed) return
    if (!this.#corked) {
      this.#corked = true
      this.#stream.cork()
      process.nextTick(this.#uncork)
    }
    this.#stream.write(encodeSignal(sig, this.#key))
  }

  readonly #uncork = (): void => {
    this.#corked = false
    this.#stream.uncork()
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#timer)
    this.#stream.destroy()
  }
}
