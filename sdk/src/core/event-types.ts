import type { ChangeDataMap } from '../generated/models.js'
import type { paths } from '../generated/openapi.js'
import type { ListItem } from './types.js'

/**
 * Sent when the caller lost access to a project (removed from it, or the project was deleted): no further
 * changes of that project will arrive on this stream. It has no id; it is not a change.
 *
 * @example
 * if (event.type === 'access_revoked') cache.dropProject(event.projectId)
 */
export interface AccessRevokedEvent {
  type: 'access_revoked'
  projectId: string
}

/**
 * The API's `Change` (the items of `listChanges`) of a client's paths.
 *
 * @example
 * type Change = ChangeOf<paths> // components['schemas']['Change']
 */
export type ChangeOf<Paths> = '/v1/changes' extends keyof Paths ? ListItem<Paths, '/v1/changes'> : never

/**
 * A `Change` as one member per value of its `type`, so that checking `type` narrows it.
 *
 * @example
 * type TaskDeleted = Extract<ChangeEvent<Change>, { type: 'task.deleted' }>
 */
export type ChangeEvent<C, DataMap = Record<never, never>> = C extends { type: infer T }
  ? T extends string
    ? { [K in keyof C]: K extends 'type' ? T : K extends 'data' ? (T extends keyof DataMap ? DataMap[T] : C[K]) : C[K] }
    : never
  : never

/**
 * What `events(tl)` yields: each change the caller may see (`type` is the change's, e.g. `task.updated`;
 * `seq` its id), or `access_revoked`. Checking `type` narrows `data`: the `Task` for `task.updated`, a
 * `Tombstone` for `task.deleted`.
 *
 * @example
 * function apply(event: TasklaneEvent) {
 *   switch (event.type) {
 *     case 'access_revoked': return forget(event.projectId)
 *     case 'task.deleted': return tasks.delete(event.resourceId)
 *     default: return save(event.resourceId, event.data)
 *   }
 * }
 */
export type TasklaneEvent<Paths = paths> =
  | ChangeEvent<ChangeOf<Paths>, [Paths] extends [paths] ? ChangeDataMap : Record<never, never>>
  | AccessRevokedEvent

/**
 * The event of one change type, with its `data` typed.
 *
 * @example
 * function onTaskUpdated(event: EventOf<'task.updated'>) {
 *   console.log(event.data.title)
 * }
 */
export type EventOf<T extends TasklaneEvent['type']> = Extract<TasklaneEvent, { type: T }>

/**
 * Options of `events(tl)`.
 *
 * @example
 * const stream = events(tl, { since: saved, projectId, signal: controller.signal })
 */
export interface EventsOptions {
  /**
   * Start after this change: a change's `seq`, a `syncToken` from `listChanges`, or a stream's
   * `lastEventId`. Without it the stream starts with the changes made from now on.
   */
  since?: string
  /** Only the changes of this project. */
  projectId?: string
  /** Ends the iteration (without an error) and closes the connection. */
  signal?: AbortSignal
  /**
   * Called with the position the stream starts after, once the server has said it (its `ready` event on
   * the first connection): from then on no change is missed, so it is the moment to load what you show.
   */
  onReady?: (since: string) => void
  /** Milliseconds to wait before reconnecting until the server sets its own with `retry:`. Default 3000. */
  retryMs?: number
  /** Repeated failures wait longer and longer, up to this many milliseconds. Default 30 000. */
  maxRetryMs?: number
  /**
   * Reconnect when nothing, not even the server's heartbeat (every 15 s at most), arrived for this many
   * milliseconds: the connection is then dead without anyone having closed it. Default 45 000.
   */
  idleTimeout?: number
  /**
   * Told `true` when a connection is open and `false` when it is lost and the stream waits to reconnect
   * (only on a change), e.g. to show an app's "reconnecting" banner.
   */
  onConnectionChange?: (connected: boolean) => void
}
