import type { Kysely } from 'kysely'
import { describe, expect, it } from 'vitest'
import { newId } from '../lib/ids.js'
import { createTestApp } from '../test/app.js'
import { type KeysetSort, keyset, toPage } from './keyset.js'

interface Items {
  items: { id: string; grp: string; rank: number | null }
}

async function scratch() {
  const t = await createTestApp()
  const db = t.ctx.db.kysely as unknown as Kysely<Items>
  await db.schema
    .createTable('items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('grp', 'text', (c) => c.notNull())
    .addColumn('rank', 'integer')
    .execute()
  await db.schema.createIndex('items_grp_rank_id').on('items').columns(['grp', 'rank', 'id']).execute()
  return db
}

async function walk(db: Kysely<Items>, sort: KeysetSort, limit: number, onPage?: (n: number) => Promise<void>) {
  const seen: Items['items'][] = []
  let after: readonly [string | number | null, string] | undefined
  for (let n = 0; n < 1000; n++) {
    const rows = await keyset(db.selectFrom('items').selectAll().where('grp', '=', 'a'), sort, after, limit).execute()
    const page = toPage(rows, limit, (r) => [sort.key === 'id' ? r.id : r.rank, r.id])
    seen.push(...page.items)
    if (!page.next) break
    after = page.next
    await onPage?.(n)
  }
  return seen
}

describe('keyset pagination', () => {
  it('walks every sort direction, with nulls last, and visits each row once', async () => {
    const db = await scratch()
    const rows = Array.from({ length: 53 }, (_, i) => ({
      id: newId('itm'),
      grp: 'a',
      rank: i % 7 === 0 ? null : i % 5,
    }))
    await db.insertInto('items').values(rows).execute()
    await db
      .insertInto('items')
      .values({ id: newId('itm'), grp: 'b', rank: 1 })
      .execute()
    for (const direction of ['asc', 'desc'] as const) {
      const seen = await walk(db, { key: 'rank', id: 'id', direction, nullable: true }, 4)
      expect(seen.map((r) => r.id).sort()).toEqual(rows.map((r) => r.id).sort())
      const ranks = seen.map((r) => r.rank)
      const firstNull = ranks.indexOf(null)
      expect(ranks.slice(firstNull).every((r) => r === null)).toBe(true)
      const nonNull = ranks.slice(0, firstNull) as number[]
      const sorted = [...nonNull].sort((x, y) => (direction === 'asc' ? x - y : y - x))
      expect(nonNull).toEqual(sorted)
    }
    const byId = await walk(db, { key: 'id', id: 'id', direction: 'asc' }, 10)
    expect(byId.map((r) => r.id)).toEqual(rows.map((r) => r.id))
  })

  it('returns no row twice while rows are inserted between pages', async () => {
    const db = await scratch()
    await db
      .insertInto('items')
      .values(Array.from({ length: 30 }, () => ({ id: newId('itm'), grp: 'a', rank: 1 })))
      .execute()
    const seen = await walk(db, { key: 'id', id: 'id', direction: 'asc' }, 7, async () => {
      await db
        .insertInto('items')
        .values({ id: newId('itm'), grp: 'a', rank: 1 })
        .execute()
    })
    expect(new Set(seen.map((r) => r.id)).size).toBe(seen.length)
    // Rows inserted while walking forward by id land after the cursor, so the walk ends with all of them.
    const all = await db.selectFrom('items').select('id').execute()
    expect(seen.length).toBe(all.length)
  })
})
