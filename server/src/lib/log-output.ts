import { writeSync } from 'node:fs'
import type { DestinationStream } from 'pino'

// pino's numeric levels: `error` is 50, `fatal` 60.
const ERROR_LEVEL = 50
// Lines are written once this many characters wait (about 15 request lines), so a busy server makes one
// write(2) per batch instead of one per request, and a batch is never more than a few kilobytes.
const BATCH_CHARS = 4096
// How long a write that met a full non-blocking pipe waits before it tries again.
const RETRY_MS = 5

/**
 * Where the server's log lines go: a pino destination that collects lines and writes them to a file
 * descriptor in batches.
 */
export interface LogOutput extends DestinationStream {
  /** Set by pino before each line (the stream asks for it with `pino.metadata`): the line's numeric level. */
  lastLevel: number
  /** Writes every line collected so far, synchronously; `cb` (as pino's `logger.flush(cb)` passes) after. */
  flush(cb?: (err?: Error) => void): void
  /** Writes what is collected and every later line at once; stops listening for the process's exit. */
  end(): void
}

export interface LogOutputOptions {
  /** Where to write; stdout unless given. */
  fd?: number
  /** The longest a line waits before it is written; 0 writes each line at once. */
  flushMs: number
}

/**
 * Collects log lines and writes them in batches: when about 4 KB wait, when the oldest line has waited
 * `flushMs`, at once for a line of level `error` or `fatal` (with every line before it), and synchronously
 * when the process exits (`process.exit`, the end of the event loop, an uncaught exception handled by
 * `process.exit`). Writing each line at once made a write(2) per request, 6–10 µs of CPU against 2.5 µs.
 * Only a process killed outright (SIGKILL, out of memory) loses lines: those of its last `flushMs`.
 *
 * Writes are synchronous, as pino's default destination's are, so a reader that does not keep up slows
 * the server down rather than making it buffer without bound.
 *
 * @example
 * const output = bufferedLogOutput({ flushMs: 100 })
 * const logger = pino({ level: 'info' }, output)
 */
export function bufferedLogOutput({ fd = 1, flushMs }: LogOutputOptions): LogOutput {
  let pending = ''
  let timer: NodeJS.Timeout | undefined
  let immediate = flushMs === 0
  // Set once the reader has gone (EPIPE): nothing written any more can arrive, as pino's own destination does.
  let closed = false

  const flush = (cb?: (err?: Error) => void) => {
    if (timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
    }
    const text = pending
    pending = ''
    if (text !== '' && !closed) writeAll(text)
    cb?.()
  }
  const flushLater = () => {
    timer = undefined
    flush()
  }
  const writeAll = (text: string) => {
    const bytes = Buffer.from(text, 'utf8')
    let offset = 0
    while (offset < bytes.length) {
      try {
        offset += writeSync(fd, bytes, offset)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'EAGAIN') {
          pause(RETRY_MS)
          continue
        }
        if (code === 'EPIPE') closed = true
        else reportLost(err, bytes.length - offset)
        return
      }
    }
  }
  const onExit = () => flush()
  process.on('exit', onExit)

  const output: LogOutput = {
    // Asks pino to set `lastLevel` before each write.
    [Symbol.for('pino.metadata')]: true,
    lastLevel: 0,
    write(line: string) {
      pending += line
      if (immediate || output.lastLevel >= ERROR_LEVEL || pending.length >= BATCH_CHARS) flush()
      else if (timer === undefined) {
        // Unreferenced: waiting lines do not keep the process alive, and its exit writes them.
        timer = setTimeout(flushLater, flushMs)
        timer.unref()
      }
    },
    flush,
    end() {
      immediate = true
      flush()
      process.off('exit', onExit)
    },
  } as LogOutput
  return output
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))
/** Blocks the thread for `ms`: the write is synchronous, and the lines must go out in order. */
function pause(ms: number) {
  Atomics.wait(sleeper, 0, 0, ms)
}

/**
 * A failed write (a full disk) loses its batch; the server goes on serving. Said on stderr, where it may
 * still be read, and not thrown: the write may run in a timer, and a log line is not worth the process.
 */
function reportLost(err: unknown, bytes: number) {
  try {
    writeSync(2, `tasklane: ${bytes} bytes of log lines could not be written: ${(err as Error).message}\n`)
  } catch {
    // Nowhere left to say it.
  }
}
