import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../core/api-error.js'
import { createCursorCodec, listScope } from './cursor.js'

const codec = createCursorCodec(randomBytes(32))
const scope = listScope('listTasks', { projectId: 'prj_1', status: 'todo', sort: '-dueAt' })

function rejects(fn: () => unknown) {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(400)
    expect((err as ApiError).code).toBe('invalid_cursor')
    return
  }
  throw new Error('expected the cursor to be rejected')
}

describe('list cursors', () => {
  it('round-trips a position as a URL-safe token', () => {
    const cursor = codec.encode(scope, ['2026-11-20T09:30:00.000Z', 'tsk_01J'])
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(codec.decode(scope, cursor)).toEqual(['2026-11-20T09:30:00.000Z', 'tsk_01J'])
    expect(codec.decode(scope, codec.encode(scope, [null, 'tsk_2']))).toEqual([null, 'tsk_2'])
    expect(codec.decode(scope, codec.encode(scope, [-3.25, 'tsk_3']))).toEqual([-3.25, 'tsk_3'])
  })

  it('rejects a cursor whose position was edited', () => {
    const cursor = codec.encode(scope, ['a', 'tsk_1'])
    const forgedPayload = Buffer.from(JSON.stringify(['b', 'tsk_1'])).toString('base64url')
    rejects(() => codec.decode(scope, forgedPayload + cursor.slice(-22)))
    rejects(() => codec.decode(scope, `${cursor.slice(0, -1)}${cursor.endsWith('A') ? 'B' : 'A'}`))
  })

  it('rejects a cursor of another list, filter or sort, and of another server key', () => {
    const cursor = codec.encode(scope, ['a', 'tsk_1'])
    rejects(() => codec.decode(listScope('listTasks', { projectId: 'prj_2', status: 'todo', sort: '-dueAt' }), cursor))
    rejects(() => codec.decode(listScope('listTasks', { projectId: 'prj_1', status: 'done', sort: '-dueAt' }), cursor))
    rejects(() => codec.decode(listScope('listTasks', { projectId: 'prj_1', status: 'todo' }), cursor))
    rejects(() => codec.decode(listScope('listNotes', { projectId: 'prj_1', status: 'todo', sort: '-dueAt' }), cursor))
    rejects(() => createCursorCodec(randomBytes(32)).decode(scope, cursor))
  })

  it('rejects garbage', () => {
    for (const junk of ['x', 'abc', 'A'.repeat(40), '-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-'])
      rejects(() => codec.decode(scope, junk))
  })

  it('ignores limit and parameter order when identifying a list', () => {
    expect(listScope('listTasks', { b: 1, a: 2, limit: 5, cursor: 'x' })).toBe(listScope('listTasks', { a: 2, b: 1 }))
  })
})
