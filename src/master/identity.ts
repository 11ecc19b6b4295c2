// The master's identity: its API key, its 16-hex-digit ID, fresh instance IDs, and the `********` key entry.
import { randomBytes } from 'node:crypto'
import { ApiError, API_ERR } from './api-error.js'
import { zeroCounters } from './traffic.js'
import { KEY_ID, emptyMeta, type InstanceView } from './types.js'

export const newApiKey = (): string => randomBytes(16).toString('hex')

/** A stored master ID if it is well formed, else a fresh one. */
export function masterIdFrom(stored: string | undefined): string {
  return stored !== undefined && /^[0-9a-f]{16}$/.test(stored) ? stored : randomBytes(8).toString('hex')
}

/** A fresh 8-hex-digit instance ID not yet taken; 409 after eight collisions in a row. */
export function newInstanceId(taken: (id: string) => boolean): string {
  for (let i = 0; i < 9; i++) {
    const id = randomBytes(4).toString('hex')
    if (!taken(id)) return id
  }
  throw new ApiError(409, API_ERR.CONFLICT, 'Instance ID already exists')
}

/** The API key as the pseudo-instance `********` (url = key, config = master ID). */
export function keyView(alias: string, apiKey: string, masterId: string): InstanceView {
  return {
    id: KEY_ID,
    alias,
    type: '',
    status: '',
    url: apiKey,
    config: masterId,
    restart: false,
    meta: emptyMeta(),
    mode: 0,
    ping: 0,
    pool: 0,
    tcps: 0,
    udps: 0,
    ...zeroCounters(),
    state: '',
    errorCode: '',
    errorMessage: '',
    errorHint: '',
  }
}
