import { AbortError, TasklaneError } from './errors.js'

/**
 * A macrotask between pages: a server (or a mock) that answers at once resolves each page in microtasks
 * only, and a loop of those would never let a timer fire, so neither `AbortSignal.timeout` nor a test
 * runner's timeout could stop it.
 */
const nextTick = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

/**
 * One page of a list, as `Paginator.pages()` yields it.
 *
 * @example
 * for await (const page of tl.paginate('/v1/projects').pages()) console.log(page.data.length, page.nextCursor)
 */
export interface Page<T, B = unknown> {
  data: T[]
  /** The cursor of the page after this one; null on the last page. */
  nextCursor: string | null
  /** The cursor that fetched this page (undefined for the first). */
  cursor: string | undefined
  requestId: string | null
  response: Response
  /** The whole answer, typed: e.g. `listChanges`' `syncToken`, the `since` of the next poll. */
  body: B
}

/**
 * Walks a cursor-paginated list: `for await` over items, `.pages()` over pages, `.toArray({ maxItems })`.
 * Pages are fetched lazily, one at a time, and errors are thrown (as the SDK's error classes).
 *
 * @example
 * const tasks = tl.paginate('/v1/projects/{projectId}/tasks', { params: { path: { projectId } } })
 * for await (const task of tasks) {
 *   console.log(task.title)
 * }
 */
export class Paginator<T, B = unknown> implements AsyncIterable<T> {
  /**
   * Where to resume: a new `paginate(..., { params: { query: { cursor } } })` from this cursor sees every
   * item not yet fully handled (possibly a few again, never one less). `undefined` means the start, `null`
   * that the list is exhausted.
   */
  cursor: string | null | undefined

  /**
   * The last page fetched, so that what its answer says beside the items stays at hand while iterating
   * items (e.g. `listChanges`' `syncToken`).
   */
  lastPage: Page<T, B> | undefined

  readonly #fetchPage: (cursor: string | undefined) => Promise<Page<T, B>>
  readonly #signal: AbortSignal | undefined

  constructor(
    fetchPage: (cursor: string | undefined) => Promise<Page<T, B>>,
    start: string | undefined,
    signal?: AbortSignal,
  ) {
    this.#fetchPage = fetchPage
    this.cursor = start
    this.#signal = signal
  }

  /**
   * Yields whole pages, with their cursors and request ids.
   *
   * @example
   * for await (const page of tl.paginate('/v1/projects').pages()) {
   *   await save(page.data)
   *   await checkpoint(page.nextCursor)
   * }
   */
  async *pages(): AsyncGenerator<Page<T, B>, void, undefined> {
    let first = true
    while (this.cursor !== null) {
      if (!first) await nextTick()
      first = false
      if (this.#signal?.aborted) throw new AbortError(this.#signal.reason)
      const page = await this.#fetchPage(this.cursor)
      this.lastPage = page
      yield page
      if (page.nextCursor !== null && page.nextCursor === page.cursor) {
        throw new TasklaneError(`The server answered the cursor it was sent (${page.cursor}) as the next one`, {
          code: 'pagination_loop',
          requestId: page.requestId ?? undefined,
        })
      }
      this.cursor = page.nextCursor ?? null
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) {
      for (const item of page.data) {
        if (this.#signal?.aborted) throw new AbortError(this.#signal.reason)
        yield item
      }
    }
  }

  /**
   * Collects items into an array, stopping after `maxItems` (required, so a huge list cannot exhaust memory
   * by accident).
   *
   * @example
   * const first50 = await tl.paginate('/v1/projects').toArray({ maxItems: 50 })
   */
  async toArray({ maxItems }: { maxItems: number }): Promise<T[]> {
    const items: T[] = []
    if (maxItems <= 0) return items
    for await (const item of this) {
      items.push(item)
      if (items.length >= maxItems) break
    }
    return items
  }
}
