/** Runs every callback added, every `ms`, from one timer (that runs only while callbacks are added). */
export interface Ticker {
  /** Adds `callback`; returns the function that removes it. */
  add(callback: () => void): () => void
}

/**
 * One interval timer for many callbacks: the event streams of an instance share theirs (heartbeats and
 * credential checks), so thousands of streams cost one timer each, not thousands.
 *
 * @example
 * const stop = createTicker(250).add(() => checkCredentials())
 */
export function createTicker(ms: number): Ticker {
  const callbacks = new Set<() => void>()
  let timer: NodeJS.Timeout | undefined
  return {
    add(callback) {
      // A wrapper of its own, so that one callback added twice is two entries.
      const entry = () => callback()
      callbacks.add(entry)
      if (!timer) {
        timer = setInterval(() => {
          for (const run of callbacks) run()
        }, ms)
        timer.unref()
      }
      return () => {
        callbacks.delete(entry)
        if (callbacks.size === 0) {
          clearInterval(timer)
          timer = undefined
        }
      }
    },
  }
}
