// V8's compiling tiers (Sparkplug, TurboFan) are held back for the first seconds of a process. Startup (module
// loading, the handshake, the first pool fill) runs a few of Node's own functions (URL → path conversion, argument
// checks) hot enough to be compiled, and the first compile of each tier maps its compiler's machine code (~3.5 MB
// for TurboFan, ~0.8 MB for Sparkplug) that an idle instance then keeps resident for good. Nothing of startup is
// worth compiling; traffic is, and code that gets hot after the deadline is compiled as usual (until then the
// interpreter runs it).
import { setFlagsFromString } from 'node:v8'

/** The user chose an optimizer setting (or no JIT) on the command line or in NODE_OPTIONS: leave it alone. */
function userSetsOptimizer(): boolean {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ')
  return /--(no-)?(opt|turbofan|sparkplug|jitless|lite-mode)\b/.test(flags)
}

let deferred = false
let timer: NodeJS.Timeout | undefined

/** Turns the compiling tiers off for maxMs (or until resumeOptimizer()). */
export function deferOptimizer(maxMs: number): void {
  if (deferred || userSetsOptimizer()) return
  deferred = true
  setFlagsFromString('--no-opt --no-sparkplug')
  timer = setTimeout(resumeOptimizer, maxMs)
  timer.unref()
}

/** Startup is over: the compiling tiers are on again (no-op when they were never deferred). */
export function resumeOptimizer(): void {
  if (!deferred) return
  deferred = false
  clearTimeout(timer)
  setFlagsFromString('--opt --sparkplug')
}
