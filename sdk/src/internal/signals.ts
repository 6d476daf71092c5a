/** Why an attempt's signal fired; the transport turns this into the right error class. */
export type AbortCause = 'caller' | 'deadline' | 'timeout'

/** An abort reason the SDK can recognise again after fetch rethrows it. */
export class AbortMark extends Error {
  constructor(override readonly cause: AbortCause) {
    super(cause)
  }
}

/**
 * One AbortController per attempt, fired by the caller's signal, the call's deadline or the attempt's own
 * timer. Listeners are removed again so a long-lived caller signal does not collect one per request.
 */
export function linkSignals(signals: (AbortSignal | undefined)[], timeoutMs?: number, cause: AbortCause = 'timeout') {
  const controller = new AbortController()
  const cleanups: (() => void)[] = []
  for (const signal of signals) {
    if (!signal) continue
    if (signal.aborted) {
      controller.abort(signal.reason)
      break
    }
    const onAbort = () => controller.abort(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    cleanups.push(() => signal.removeEventListener('abort', onAbort))
  }
  if (timeoutMs !== undefined && Number.isFinite(timeoutMs) && !controller.signal.aborted) {
    const timer = setTimeout(() => controller.abort(new AbortMark(cause)), timeoutMs)
    cleanups.push(() => clearTimeout(timer))
  }
  return {
    signal: controller.signal,
    done() {
      for (const cleanup of cleanups) cleanup()
    },
  }
}

/** Rejects as soon as `signal` fires, even when the promise's producer ignores it (an in-process fetch). */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/** Waits `ms`, or rejects with the signal's reason when it fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
