// The single executable (`npm run build:exe`, docs/install.md): what it carries inside as SEA assets (the dashboard,
// Swagger UI, the instance workers' code) and where it looks for the optional QUIC package (beside itself).
//
// The executable's code is one bundle built with NODEPASS_SEA defined (scripts/build-exe.ts); in every other run
// that name is undefined, node:sea is never loaded and each function here answers undefined, so the program reads
// its files from the package as before.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** Replaced by `true` in the single executable's bundle; undefined (never declared) everywhere else. */
declare const NODEPASS_SEA: boolean | undefined

interface SeaApi {
  isSea(): boolean
  getAsset(key: string): ArrayBuffer
}

/** Asset keys, shared with scripts/build-exe.ts. */
export const ASSET = {
  /** The instance worker's bundle (CommonJS source). */
  worker: 'worker.cjs',
  /** A file of web/dist, e.g. `web/index.html`. */
  web: (rel: string): string => `web/${rel}`,
  /** A file of swagger-ui-dist, e.g. `swagger/swagger-ui.css`. */
  swagger: (name: string): string => `swagger/${name}`,
  /** package.json's version. */
  version: 'version',
} as const

function loadSea(): SeaApi | undefined {
  if (typeof NODEPASS_SEA !== 'boolean' || !NODEPASS_SEA) return undefined
  try {
    const sea = createRequire(import.meta.url)('node:sea') as SeaApi
    return sea.isSea() ? sea : undefined
  } catch {
    return undefined
  }
}

const sea = loadSea()

/** True inside the single executable. */
export function isSingleExecutable(): boolean {
  return sea !== undefined
}

/** An asset of the single executable (a copy), or undefined: not a single executable, or no such asset. */
export function embeddedAsset(key: string): Buffer | undefined {
  if (sea === undefined) return undefined
  try {
    return Buffer.from(sea.getAsset(key))
  } catch {
    return undefined
  }
}

/** A text asset of the single executable, or undefined. */
export function embeddedText(key: string): string | undefined {
  return embeddedAsset(key)?.toString('utf8')
}

/**
 * The executable's directory, where it looks for node_modules/@matrixai/quic (QUIC is optional: the native package
 * is installed beside the executable, see docs/install.md).
 */
export function executableDir(): string {
  return dirname(process.execPath)
}

/** require() resolving from the executable's directory (its node_modules, then its parents'). */
export function requireBesideExecutable(): NodeJS.Require {
  return createRequire(join(executableDir(), 'nodepass.cjs'))
}
