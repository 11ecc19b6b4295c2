// V8's optimizing compiler (TurboFan) is held back for the first seconds of a process. Startup (module loading,
// the handshake, the first pool fill) runs a few of Node's own functions (URL → path conversion, argument checks)
// hot enough to be optimized, and the first optimizing compile maps ~3.5 MB of the compiler's machine code that an
// idle instance then keeps resident for good. Nothing of startup is worth optimizing; traffic is, and code that
// gets hot after the deadline is optimized as usual (until then the baseline tiers run it).
import { setFlagsFromString } from 'node:v8'

/** The user chose an optimizer setting (or no JIT) on the command line or in NODE_OPTIONS: leave it alone. */
function userSetsOptimizer(): boolean {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ')
  return /--(no-)?(opt|turbofan|jitless|lite-mode)\b/.test(flags)
}

let deferred = false
let timer: NodeJS.Timeout | undefined

/** Turns the optimizing compiler off for maxMs (or until resumeOptimizer()). */
export function deferOptimizer(maxMs: number): void {
  if (deferred || userSetsOptimizer()) return
  deferred = true
  setFlagsFromString('--no-opt')
  timer = setTimeout(resumeOptimizer, maxMs)
  timer.unref()
}

/** Startup is over: the optimizing compiler is on again (no-op when it was never deferred). */
export function resumeOptimizer(): void {
  if (!deferred) return
  deferred = false
  clearTimeout(timer)
  setFlagsFromString('--opt')
}
