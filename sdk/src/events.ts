import type { TasklaneClient } from './client.js'
import type { EventsOptions, TasklaneEvent } from './core/event-types.js'
import { EventStream, type OpenedStream } from './core/events.js'
import { Session } from './core/session.js'
import { type Followed, loadThenFollow as follow } from './core/sync.js'
import type { AnyPaths } from './core/types.js'
import type { paths } from './generated/openapi.js'

export type {
  AccessRevokedEvent,
  ChangeEvent,
  ChangeOf,
  EventOf,
  EventsOptions,
  TasklaneEvent,
} from './core/event-types.js'
export { EventStream } from './core/events.js'
export type { Followed } from './core/sync.js'

/**
 * The path of `streamEvents`, which `events()` reads; checked against the generated paths, so that moving
 * the operation in openapi.yaml fails the SDK's build here.
 */
const EVENTS_PATH = '/v1/events' satisfies keyof paths

/**
 * The changes the caller may see, live, as they happen (`streamEvents`): iterate with `for await`. It
 * reconnects, resumes and refreshes the session by itself, losing and repeating nothing; breaking out of
 * the loop or firing `signal` closes the connection. Pass `since` (a `seq`, `listChanges`' `syncToken`, or
 * a stream's `lastEventId`) to start after a change you have. Checking `event.type` narrows `event.data`
 * (the `Task` of `task.updated`, a `Tombstone` of `task.deleted`).
 *
 * It lives in its own entry so that apps that never follow changes do not ship the stream's parser.
 *
 * @example
 * import { createTasklane } from '@tasklane/sdk'
 * import { events } from '@tasklane/sdk/events'
 *
 * const tl = createTasklane({ baseUrl, apiKey })
 * for await (const event of events(tl, { projectId })) {
 *   if (event.type === 'access_revoked') break
 *   if (event.type === 'task.updated') console.log(event.data.title)
 * }
 */
export function events<Paths extends AnyPaths = paths>(
  tl: TasklaneClient<Paths>,
  options: EventsOptions = {},
): EventStream<TasklaneEvent<Paths>> {
  const { projectId } = options
  const get = tl.GET as unknown as (path: string, init: object) => Promise<OpenedStream>
  // A client in the session mode hands out its session; the others authenticate with a fixed key or token.
  const session = tl.session instanceof Session ? tl.session : null
  // The access token the open stream was authorised with: the one to renew when the server says it ended.
  let used: string | null = null
  return new EventStream(
    async (lastEventId, signal) => {
      const opened = await get(EVENTS_PATH, {
        params: {
          query: { ...(lastEventId === null ? {} : { since: lastEventId }), ...(projectId ? { projectId } : {}) },
          header: lastEventId === null ? {} : { 'Last-Event-ID': lastEventId },
        },
        parseAs: 'stream',
        signal,
        // The stream's own loop reconnects, waiting what the server asks with `retry:`.
        maxRetries: 0,
      })
      used = (await session?.get())?.accessToken ?? null
      return opened
    },
    options,
    session ? async () => void (await session.renewAfter(used)) : undefined,
  )
}

/**
 * Loads what an app shows, then follows the changes to it without a gap: the event stream is opened first
 * and `load` runs once the server has said where the stream starts, so a change committed while `load` runs
 * is delivered afterwards rather than lost. A change may arrive that `data` already reflects; compare
 * `event.version` with what you hold.
 *
 * @example
 * import { loadThenFollow } from '@tasklane/sdk/events'
 *
 * const { data: tasks, changes } = await loadThenFollow(tl, () => tl.tasks.list(projectId).toArray({ maxItems: 1000 }), { projectId })
 * render(tasks)
 * for await (const event of changes) apply(event)
 */
export function loadThenFollow<T, Paths extends AnyPaths = paths>(
  tl: TasklaneClient<Paths>,
  load: () => Promise<T>,
  options: Omit<EventsOptions, 'onReady'> = {},
): Promise<Followed<T, TasklaneEvent<Paths>>> {
  return follow((opts) => events(tl, opts), load, options)
}
