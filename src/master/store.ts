// The master's state file (D17): one JSON document, written atomically (temp file, fsync, rename), saves coalesced
// and never skipped; `<file>.backup` on demand; a damaged main file falls back to the backup, loudly.
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm, copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ERR, NodePassError, describeError } from '../errors.js'
import { COUNTERS, type MasterState } from './types.js'

export const STATE_FILE = 'nodepass.json'

export interface LoadResult {
  state: MasterState | undefined
  /** Set when the main file was damaged or missing and the backup was used instead. */
  fromBackup?: string
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** Validates the decoded file; throws a message naming the first problem. */
export function checkState(v: unknown): MasterState {
  if (!isObj(v) || v.version !== 1) throw new Error('not a NodePass state file (version 1)')
  for (const k of ['masterId', 'alias', 'apiKey'] as const)
    if (typeof v[k] !== 'string') throw new Error(`field ${k} is not a string`)
  if (!/^[0-9a-f]{32}$/.test(v.apiKey as string)) throw new Error('apiKey is not 32 hex digits')
  if (!Array.isArray(v.instances)) throw new Error('instances is not a list')
  for (const inst of v.instances as unknown[]) {
    if (!isObj(inst) || typeof inst.id !== 'string' || typeof inst.url !== 'string')
      throw new Error('an instance has no id or url')
    if (inst.type !== 'server' && inst.type !== 'client') throw new Error(`instance ${inst.id} has a bad type`)
    if (!isObj(inst.totals) || COUNTERS.some((c) => typeof (inst.totals as Record<string, unknown>)[c] !== 'number'))
      throw new Error(`instance ${inst.id} has bad traffic totals`)
    if (!isObj(inst.meta) || !isObj(inst.meta.peer) || !isObj(inst.meta.tags))
      throw new Error(`instance ${inst.id} has bad meta`)
  }
  return v as unknown as MasterState
}

export class StateStore {
  readonly file: string
  readonly backupFile: string
  #snapshot: () => MasterState
  #writing: Promise<void> | undefined
  #pending: Promise<void> | undefined

  constructor(
    readonly dir: string,
    snapshot: () => MasterState,
  ) {
    this.file = join(dir, STATE_FILE)
    this.backupFile = this.file + '.backup'
    this.#snapshot = snapshot
  }

  /** Reads the state: main file, else the backup (fromBackup says why), else undefined on a first start. */
  async load(): Promise<LoadResult> {
    await mkdir(this.dir, { recursive: true, mode: 0o755 })
    for (const name of await readdir(this.dir))
      if (/^np-.*\.tmp$/.test(name)) await rm(join(this.dir, name), { force: true })
    const main = await this.#read(this.file)
    if (main.state) return { state: main.state }
    const backup = await this.#read(this.backupFile)
    if (main.missing && backup.missing) return { state: undefined }
    if (backup.state)
      return {
        state: backup.state,
        fromBackup: main.missing ? `state file ${this.file} is missing` : `state file ${this.file} is damaged (${main.error})`,
      }
    throw new NodePassError(
      ERR.STATE_DAMAGED,
      `state file ${this.file} ${main.missing ? 'is missing' : `is damaged (${main.error})`} and its backup ` +
        `${this.backupFile} ${backup.missing ? 'is missing' : `is damaged (${backup.error})`}; refusing to start ` +
        `with an empty state and a new API key. Repair or remove the files (or set NP_STATE_DIR) and start again`,
    )
  }

  async #read(file: string): Promise<{ state?: MasterState; missing?: boolean; error?: string }> {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true }
      return { error: describeError(err) }
    }
    try {
      return { state: checkState(JSON.parse(text)) }
    } catch (err) {
      return { error: describeError(err) }
    }
  }

  /**
   * Saves the current state. Calls made while a write runs share one follow-up write of the newest state, so no
   * change is ever skipped; the promise resolves once a write that includes the caller's change is on disk.
   */
  save(): Promise<void> {
    if (this.#pending) return this.#pending
    if (!this.#writing) return this.#start()
    const after = this.#writing.catch(() => undefined)
    this.#pending = after.then(() => {
      this.#pending = undefined
      return this.#start()
    })
    return this.#pending
  }

  #start(): Promise<void> {
    const p = this.#write(this.#snapshot()).finally(() => {
      if (this.#writing === p) this.#writing = undefined
    })
    this.#writing = p
    return p
  }

  async #write(state: MasterState): Promise<void> {
    const tmp = join(this.dir, `np-${randomBytes(6).toString('hex')}.tmp`)
    const fh = await open(tmp, 'w', 0o600)
    try {
      await fh.writeFile(JSON.stringify(state, null, 1) + '\n')
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, this.file)
    const dh = await open(this.dir, 'r').catch(() => undefined)
    if (dh) {
      await dh.sync().catch(() => undefined)
      await dh.close()
    }
  }

  /** Copies the main file to `<file>.backup` (atomically, through a temp file). */
  async backup(): Promise<void> {
    await this.#writing?.catch(() => undefined)
    const tmp = join(this.dir, `np-${randomBytes(6).toString('hex')}.tmp`)
    await copyFile(this.file, tmp)
    const fh = await open(tmp, 'r+')
    try {
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, this.backupFile)
  }
}
