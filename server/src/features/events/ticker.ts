/** Runs every callback added, every `ms`, from one timer (that runs only while callbacks are added). */
export interface Ticker {
  /** Adds `callback`; returns the function that removes it. */
  add(callback: () => void): () => void
}

/** How often the timer fires at most: each firing runs the callbacks of one slice of the interval. */
const SLICE_MS = 50

/**
 * One timer for many callbacks: the event streams of an instance share theirs (heartbeats and credential
 * checks), so thousands of streams cost one timer, not thousands. The callbacks are spread over slices of
 * the interval, each run every `ms` but not all at once: 10,000 streams' heartbeats run together took the
 * event loop for ~400 ms every interval, which every request and every delivery waiting behind it felt.
 *
 * @example
 * const stop = createTicker(250).add(() => checkCredentials())
 */
export function createTicker(ms: number): Ticker {
  const slices: Set<() => void>[] = Array.from({ length: Math.max(1, Math.floor(ms / SLICE_MS)) }, () => new Set())
  let count = 0
  /** The slice the next callback joins: round robin, so each slice holds about the same number. */
  let nextSlice = 0
  /** The slice the next firing runs. */
  let current = 0
  let timer: NodeJS.Timeout | undefined
  return {
    add(callback) {
      // A wrapper of its own, so that one callback added twice is two entries.
      const entry = () => callback()
      const slice = slices[nextSlice] as Set<() => void>
      nextSlice = (nextSlice + 1) % slices.length
      slice.add(entry)
      count++
      if (!timer) {
        timer = setInterval(() => {
          const due = slices[current] as Set<() => void>
          current = (current + 1) % slices.length
          for (const run of due) run()
        }, ms / slices.length)
        timer.unref()
      }
      return () => {
        if (!slice.delete(entry)) return
        count--
        if (count === 0) {
          clearInterval(timer)
          timer = undefined
        }
      }
    },
  }
}
