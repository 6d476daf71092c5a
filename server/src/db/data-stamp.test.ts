import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createTestApp } from '../test/app.js'
import { dataStamp } from './data-stamp.js'

describe('dataStamp', () => {
  it('moves with every write on SQLite, is absent inside a transaction, and is never there on PostgreSQL', async () => {
    const t = await createTestApp()
    const db = t.ctx.db.kysely
    const stamp = dataStamp(db)
    if (t.ctx.db.dialect === 'postgres') {
      expect(stamp()).toBeUndefined()
      return
    }
    const at = new Date().toISOString()
    const user = (id: string) => ({
      id,
      email: `${id}@example.com`,
      email_normalized: `${id}@example.com`,
      name: id,
      password_hash: 'x',
      email_verified_at: null,
      created_at: at,
      updated_at: at,
    })
    const seen = [stamp()]
    const moved = () => {
      const now = stamp()
      expect(now).toBeTypeOf('number')
      expect(seen).not.toContain(now)
      seen.push(now)
    }
    expect(stamp()).toBe(seen[0])
    await db.insertInto('users').values(user('usr_a')).execute()
    moved()
    await db.updateTable('users').set({ name: 'A' }).where('id', '=', 'usr_a').execute()
    moved()
    await sql`delete from users where id = 'usr_a'`.execute(db)
    moved()
    // A statement that changes no row leaves it, reads too.
    await db.deleteFrom('users').where('id', '=', 'usr_none').execute()
    await db.selectFrom('users').selectAll().execute()
    expect(stamp()).toBe(seen.at(-1))
    // Inside a transaction there is none, since its writes are counted before the commit.
    await db.transaction().execute(async (trx) => {
      expect(stamp()).toBeUndefined()
      await trx.insertInto('users').values(user('usr_b')).execute()
      expect(stamp()).toBeUndefined()
    })
    moved()
    // A write rolled back moves it as well (what was kept is dropped, never kept wrongly).
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values(user('usr_c')).execute()
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    moved()
  })
})
