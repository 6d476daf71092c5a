import type { EventsOptions } from './event-types.js'
import type { EventStream } from './events.js'

/**
 * What `loadThenFollow` resolves to: what `load` returned, and the changes since the moment before it ran.
 *
 * @example
 * const { data, changes } = await loadThenFollow(tl, () => tl.tasks.list(projectId).toArray({ maxItems: 500 }))
 */
export interface Followed<T, E> {
  data: T
  /** Every change from just before `load` ran: some may already be in `data` (check `version`), none is missing. */
  changes: AsyncIterable<E>
  /** The stream behind `changes`, e.g. for its `lastEventId`. */
  stream: EventStream<E>
}

/** `loadThenFollow` over any way of opening the stream (`open` is `events(tl, …)` in the public entry). */
export async function loadThenFollow<T, E>(
  open: (options: EventsOptions) => EventStream<E>,
  load: () => Promise<T>,
  options: Omit<EventsOptions, 'onReady'> = {},
): Promise<Followed<T, E>> {
  let ready: () => void = () => {}
  const started = new Promise<void>((resolve) => {
    ready = resolve
  })
  const stream = open({ ...options, onReady: () => ready() })
  const iterator = stream[Symbol.asyncIterator]()
  // The first `next` opens the connection; it settles with the first change, or fails when it cannot open.
  const first = iterator.next()
  await Promise.race([started, first])
  const data = await load()
  let pending: Promise<IteratorResult<E, void>> | null = first
  const changes: AsyncIterable<E> = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        const next = pending ?? iterator.next()
        pending = null
        return next
      },
      return: (value?: unknown) => iterator.return(value as undefined),
    }),
  }
  return { data, changes, stream }
}
