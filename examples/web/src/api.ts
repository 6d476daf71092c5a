import {
  ConnectionError,
  type components,
  createTasklane,
  localStorageTokenStorage,
  PreconditionFailedError,
  SessionExpiredError,
  TasklaneError,
  type TasklaneEvent,
} from '@tasklane/sdk'
import { events } from '@tasklane/sdk/events'

export type User = components['schemas']['User']
export type Project = components['schemas']['Project']
export type Task = components['schemas']['Task']
export type Note = components['schemas']['Note']
export type Comment = components['schemas']['Comment']
export type Member = components['schemas']['Member']
export type Invitation = components['schemas']['Invitation']
export type Notification = components['schemas']['Notification']

export const TOKENS_KEY = 'tasklane.session'

const expiredListeners = new Set<() => void>()

/** The one client of the app: its session lives in localStorage, so it survives reloads and is shared by tabs. */
export const tl = createTasklane({
  baseUrl: __TASKLANE_URL__,
  session: {
    storage: localStorageTokenStorage(TOKENS_KEY),
    onExpired: () => {
      for (const listener of expiredListeners) listener()
    },
  },
})

/** Called when the session ends without the user logging out (refresh refused, logged out elsewhere). */
export function onSessionExpired(listener: () => void): void {
  expiredListeners.add(listener)
}

/** The version a resource was read at, as the `If-Match` its update sends (the server's ETag is `"<version>"`). */
export const versionTag = (resource: { version: number }): string => `"${resource.version}"`

/** A sentence for a person, from whatever a call threw. */
export function describe(error: unknown): string {
  if (error instanceof PreconditionFailedError) {
    return 'Someone else changed this while you were editing it. Your changes were not saved.'
  }
  if (error instanceof SessionExpiredError) return 'Your session has ended. Please log in again.'
  if (error instanceof ConnectionError) return 'Cannot reach the Tasklane server. Check your connection and try again.'
  if (error instanceof TasklaneError) {
    const body = (error as TasklaneError & { body?: { detail?: string; errors?: { message?: string }[] } }).body
    const detail =
      body?.errors
        ?.map((e) => e.message)
        .filter(Boolean)
        .join(' ') || body?.detail
    return detail || error.message
  }
  return error instanceof Error ? error.message : String(error)
}

export type LiveEvent = TasklaneEvent
type Listener = (event: LiveEvent) => void
type StatusListener = (connected: boolean) => void

const listeners = new Set<Listener>()
const statusListeners = new Set<StatusListener>()

/** Subscribes to live changes until `signal` fires (a view's lifetime). */
export function subscribe(listener: Listener, signal: AbortSignal): void {
  listeners.add(listener)
  signal.addEventListener('abort', () => listeners.delete(listener), { once: true })
}

export function onConnectionChange(listener: StatusListener): void {
  statusListeners.add(listener)
}

let live: AbortController | null = null

/**
 * Follows every change the user may see, for as long as they are logged in. The SDK reconnects and resumes
 * after the last change by itself; the app shows a banner while the connection is down.
 */
export function startLive(): void {
  stopLive()
  const controller = new AbortController()
  live = controller
  const status = (connected: boolean) => {
    for (const l of statusListeners) l(connected)
  }
  const stream = events(tl, { signal: controller.signal, onConnectionChange: status })
  void (async () => {
    try {
      for await (const event of stream) {
        for (const listener of listeners) {
          try {
            listener(event)
          } catch (err) {
            console.warn('a live update failed to apply', err)
          }
        }
      }
    } catch (err) {
      if (!controller.signal.aborted && !(err instanceof SessionExpiredError)) status(false)
    }
  })()
}

export function stopLive(): void {
  live?.abort()
  live = null
}
