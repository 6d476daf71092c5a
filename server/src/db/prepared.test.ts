import { describe, expect, it } from 'vitest'
import { createTestApp } from '../test/app.js'
import { compiledOnce, prepared, preparedArrays } from './prepared.js'

describe('prepared queries', () => {
  it('runs the compiled query with each call’s own arguments, also repeated and in any position', async () => {
    const t = await createTestApp()
    const db = t.ctx.db.kysely
    const at = new Date().toISOString()
    await db
      .insertInto('users')
      .values(
        ['a', 'b'].map((n) => ({
          id: `usr_${n}`,
          email: `${n}@example.com`,
          email_normalized: `${n}@example.com`,
          name: n.toUpperCase(),
          password_hash: 'x',
          email_verified_at: null,
          created_at: at,
          updated_at: at,
        })),
      )
      .execute()
    const byIdOrEmail = prepared(db, (db, id: string, email: string) =>
      db
        .selectFrom('users')
        .select('name')
        .where((eb) => eb.or([eb('id', '=', id), eb('email', '=', email)])),
    )
    expect(await byIdOrEmail('usr_a', 'nobody@example.com')).toEqual([{ name: 'A' }])
    expect(await byIdOrEmail('usr_none', 'b@example.com')).toEqual([{ name: 'B' }])
    expect(await byIdOrEmail('usr_none', 'nobody@example.com')).toEqual([])
  })

  it('refuses a query where an argument does not become a bound parameter', async () => {
    const t = await createTestApp()
    const ignoresArg = prepared(t.ctx.db.kysely, (db, _id: string) => db.selectFrom('users').select('id'))
    await expect(ignoresArg('usr_a')).rejects.toThrow(/bound parameter/)
  })

  it('never reads a write that is not committed: a read made while a transaction is open waits for its end', async () => {
    const t = await createTestApp()
    const db = t.ctx.db.kysely
    const nameOf = prepared(db, (db, id: string) => db.selectFrom('users').select('name').where('id', '=', id))
    const at = new Date().toISOString()
    let readDuringTransaction: Promise<{ name: string }[]> | undefined
    await expect(
      db.transaction().execute(async (trx) => {
        await trx
          .insertInto('users')
          .values({
            id: 'usr_rolled_back',
            email: 'gone@example.com',
            email_normalized: 'gone@example.com',
            name: 'Gone',
            password_hash: 'x',
            email_verified_at: null,
            created_at: at,
            updated_at: at,
          })
          .execute()
        readDuringTransaction = nameOf('usr_rolled_back')
        await new Promise((resolve) => setImmediate(resolve))
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    expect(await readDuringTransaction).toEqual([])
    expect(await nameOf('usr_rolled_back')).toEqual([])
  })

  it('answers rows as arrays of the selected columns in their order, the same whether or not it waits for a transaction', async () => {
    const t = await createTestApp()
    const db = t.ctx.db.kysely
    const at = new Date().toISOString()
    await db
      .insertInto('users')
      .values({
        id: 'usr_arrays',
        email: 'arrays@example.com',
        email_normalized: 'arrays@example.com',
        name: 'Arrays',
        password_hash: 'x',
        email_verified_at: null,
        created_at: at,
        updated_at: at,
      })
      .execute()
    const row = preparedArrays(db, (db, id: string) =>
      db.selectFrom('users').select(['name', 'email', 'id']).where('id', '=', id),
    )
    const expected = [['Arrays', 'arrays@example.com', 'usr_arrays']]
    expect(await row('usr_arrays')).toEqual(expected)
    let duringTransaction: Promise<unknown[][]> | undefined
    await db.transaction().execute(async () => {
      duringTransaction = row('usr_arrays')
      await new Promise((resolve) => setImmediate(resolve))
    })
    expect(await duringTransaction).toEqual(expected)
  })

  it('compiles a statement once and runs it with new arguments on the root connection and in transactions', async () => {
    const t = await createTestApp()
    const db = t.ctx.db.kysely
    const at = new Date().toISOString()
    let built = 0
    const insertUser = compiledOnce((db: typeof t.ctx.db.kysely, id: string, name: string | null) => {
      built++
      return db.insertInto('users').values({
        id,
        email: id,
        email_normalized: id,
        name: name as string,
        password_hash: 'x',
        email_verified_at: null,
        created_at: at,
        updated_at: at,
      })
    })
    const nameOf = compiledOnce((db: typeof t.ctx.db.kysely, id: string) =>
      db.selectFrom('users').select('name').where('id', '=', id),
    )
    await insertUser(db, 'usr_once_a', 'A')
    await db.transaction().execute(async (trx) => {
      await insertUser(trx, 'usr_once_b', 'B')
      expect((await nameOf(trx, 'usr_once_b')).rows).toEqual([{ name: 'B' }])
    })
    await expect(
      db.transaction().execute(async (trx) => {
        await insertUser(trx, 'usr_once_c', 'C')
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    expect(built).toBe(1)
    expect((await nameOf(db, 'usr_once_a')).rows).toEqual([{ name: 'A' }])
    expect((await nameOf(db, 'usr_once_b')).rows).toEqual([{ name: 'B' }])
    expect((await nameOf(db, 'usr_once_c')).rows).toEqual([])
    const ignoresArg = compiledOnce((db: typeof t.ctx.db.kysely, _id: string) => db.selectFrom('users').select('id'))
    await expect(ignoresArg(db, 'usr_once_a')).rejects.toThrow(/bound parameter/)
  })
})
