// Public API of the nodepass package.
export * from './errors.js'
export type { Logger, LogLevel } from './log.js'
export { createLogger } from './log.js'
export type { Tunables } from './env.js'
export { readTunables, DEFAULT_TUNABLES } from './env.js'
export type * from './url/types.js'
