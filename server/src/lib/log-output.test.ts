import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { bufferedLogOutput, type LogOutput } from './log-output.js'

// The output writes to a real file descriptor (a temporary file here, stdout in the server); the processes
// that exit, crash and stop with lines waiting are in server/test/logging.test.ts.
describe('bufferedLogOutput', () => {
  let dir: string
  let file: string
  let fd: number
  const outputs: LogOutput[] = []
  const written = () =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string })
  const logger = (flushMs: number) => {
    const output = bufferedLogOutput({ fd, flushMs })
    outputs.push(output)
    return { output, log: pino({ level: 'info', base: undefined, timestamp: false }, output) }
  }

  beforeEach(() => {
    vi.useFakeTimers()
    dir = mkdtempSync(join(tmpdir(), 'tasklane-log-'))
    file = join(dir, 'out.log')
    fd = openSync(file, 'a')
  })
  afterEach(() => {
    for (const output of outputs.splice(0)) output.end()
    vi.useRealTimers()
    closeSync(fd)
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps lines until the first has waited flushMs, then writes them all in order', () => {
    const { log } = logger(100)
    log.info('one')
    vi.advanceTimersByTime(60)
    log.info('two')
    log.warn('three')
    expect(written()).toEqual([])
    vi.advanceTimersByTime(39)
    expect(written()).toEqual([])
    vi.advanceTimersByTime(1)
    expect(written().map((l) => l.msg)).toEqual(['one', 'two', 'three'])
    // The next line starts a new wait.
    log.info('four')
    expect(written()).toHaveLength(3)
    vi.advanceTimersByTime(100)
    expect(written().map((l) => l.msg)).toEqual(['one', 'two', 'three', 'four'])
  })

  it('writes a line of level error or fatal at once, after every line waiting before it', () => {
    const { log } = logger(60_000)
    log.info('before')
    log.error('failed')
    expect(written().map((l) => [l.level, l.msg])).toEqual([
      [30, 'before'],
      [50, 'failed'],
    ])
    log.info('between')
    log.fatal('crashed')
    expect(written().map((l) => l.msg)).toEqual(['before', 'failed', 'between', 'crashed'])
    // Child loggers (a request's) write through the same output.
    log.child({ requestId: 'req_1' }).error('in a request')
    expect(written().at(-1)).toMatchObject({ msg: 'in a request', requestId: 'req_1' })
  })

  it('writes once about 4 KB of lines wait, without waiting for the timer', () => {
    const { log } = logger(60_000)
    const line = 'x'.repeat(200)
    let lines = 0
    while (written().length === 0) {
      log.info(line)
      lines++
      expect(lines).toBeLessThan(30)
    }
    // Every line up to the one that filled the batch, none after it.
    expect(written()).toHaveLength(lines)
    expect(lines).toBeGreaterThan(10)
    log.info('waits')
    expect(written()).toHaveLength(lines)
  })

  it("writes what waits when the logger is flushed (pino's logger.flush), synchronously", () => {
    const { log } = logger(60_000)
    log.info('waiting')
    const done = vi.fn()
    log.flush(done)
    expect(written().map((l) => l.msg)).toEqual(['waiting'])
    expect(done).toHaveBeenCalledOnce()
  })

  it('writes each line at once with flushMs 0', () => {
    const { log } = logger(0)
    log.info('one')
    expect(written().map((l) => l.msg)).toEqual(['one'])
    log.info('two')
    expect(written().map((l) => l.msg)).toEqual(['one', 'two'])
  })

  it('on end(), writes what waits, then every later line at once, and no longer listens for the exit', () => {
    const exitListeners = process.listenerCount('exit')
    const { output, log } = logger(60_000)
    expect(process.listenerCount('exit')).toBe(exitListeners + 1)
    log.info('waiting')
    output.end()
    expect(written().map((l) => l.msg)).toEqual(['waiting'])
    expect(process.listenerCount('exit')).toBe(exitListeners)
    log.info('after the end')
    expect(written().map((l) => l.msg)).toEqual(['waiting', 'after the end'])
  })

  it('writes lines as UTF-8', () => {
    const { log } = logger(100)
    log.info('Grüße, 日本語 ✓')
    vi.advanceTimersByTime(100)
    expect(written().map((l) => l.msg)).toEqual(['Grüße, 日本語 ✓'])
  })
})
