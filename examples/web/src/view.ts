import type { User } from './api.js'

/** What a screen gets from the app shell. */
export interface View {
  /** Fires when the user navigates away: views unsubscribe from live changes with it. */
  signal: AbortSignal
  me: User
  navigate(path: string): void
  /** Shows a short message to screen readers and sighted users alike. */
  announce(text: string): void
}
