// What every panel of a signed-in dashboard shares: the API client, the live store, and what to do with an error
// (a 401 signs out). Given once by <Dashboard>, so components take only what they render.
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { Api } from './api.js'
import type { Store } from './store.js'

export interface DashboardServices {
  api: Api
  store: Store
  /** Every failed request goes here (a refused API key signs out); the caller still shows errorText(err). */
  onError: (err: unknown) => void
  signOut: (message?: string) => void
}

export const DashboardContext = createContext<DashboardServices | null>(null)

export function useDashboard(): DashboardServices {
  const d = useContext(DashboardContext)
  if (!d) throw new Error('useDashboard() outside <DashboardContext.Provider>')
  return d
}
