import { CompiledQuery, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import type { CursorPosition } from '../lib/cursor.js'
import { indexedWords, type SearchTier, tsQuery } from '../lib/search.js'
import type { Dialect } from './database.js'
import { type Page, toPage } from './keyset.js'
import type { Database } from './schema.js'

/**
 * The full-text index of a searchable table on SQLite (FTS5, migration 0090): its rows hold the project
 * as a token of their own, so a search reads only its project's matches, in rowid order, newest first.
 * Words of up to PREFIX_INDEX characters are looked up as prefixes in FTS5's prefix indexes (`prefix='1 2 3'`); a longer word
 * is looked up as the words it begins, from the vocabulary table `search_words`, so that no query merges
 * the whole index's entries for a prefix before it can return the first row.
 */
const PREFIX_INDEX = 3
/** A longer word beginning more words than this is left to FTS5's own prefix search. */
const MAX_COMPLETIONS = 32
/**
 * SQLite: a tier of a search for several words is first looked up in every project's rows, up to this many;
 * when there are no more, those are all the tier's matches and the project's are picked from them by their
 * rows. FTS5 reads a doclist newest first one entry at a time (its doclist index only helps reading oldest
 * first), so matching the project's token reads the whole project wherever a tier has few or no matches in
 * it, as when words are each frequent but rarely in the same title; the words' own doclists are shorter.
 * A single word is left to the project's query: the extra lookup costs a frequent word more than it saves.
 */
const UNSCOPED = 256

/**
 * The token that stands for a project in the index, as the migration's triggers write it
 * (`replace(project_id, '_', '')`): FTS5 would split the id at its underscore.
 */
const projectToken = (projectId: string) => projectId.replace('_', '')

/** PostgreSQL: the lexeme each row's `search_vector` holds for its project; no query word can match it. */
export const projectLexeme = (projectId: string) => `#${projectId}`

const REMEMBER_WORDS = 'insert or ignore into search_words (word) select value from json_each(?)'

/** Adds the words of new or edited text to the vocabulary that long query words are completed from. */
export async function rememberWords(db: Kysely<Database>, ...texts: (string | null)[]): Promise<void> {
  const words = indexedWords(...texts)
  if (words.length === 0) return
  await db.executeQuery(CompiledQuery.raw(REMEMBER_WORDS, [JSON.stringify(words)]))
}

async function completions(db: Kysely<Database>, term: string): Promise<string | undefined> {
  const { rows } = await sql<{ word: string }>`
    select word from search_words where word >= ${term} and word < ${`${term}\u{10FFFF}`} limit ${MAX_COMPLETIONS + 1}`.execute(
    db,
  )
  if (rows.length === 0 || rows.length > MAX_COMPLETIONS) return undefined
  return `(${rows.map((r) => `"${r.word}"`).join(' OR ')})`
}

/** The FTS5 query for each of `terms` (folded query words): the word as a prefix, or the words it begins. */
export async function fts5Words(db: Kysely<Database>, terms: string[]): Promise<string[]> {
  return Promise.all(terms.map(async (t) => ([...t].length > PREFIX_INDEX && (await completions(db, t))) || `"${t}"*`))
}

/**
 * The FTS5 MATCH expression for every one of `words` (from fts5Words) in a project (or, `null`, in every
 * project): in the title (`tier` 0), in title or body but not all in the title (tier 1), or anywhere (`any`).
 */
export function fts5Match(projectId: string | null, words: string[], body: string, where: SearchTier | 'any'): string {
  const all = `(${words.join(' AND ')})`
  const project = projectId === null ? '' : `project : "${projectToken(projectId)}" AND `
  if (where === 0) return `${project}title : ${all}`
  if (where === 1) return `${project}({title ${body}} : ${all} NOT title : ${all})`
  return `${project}{title ${body}} : ${all}`
}

/** A searchable table as searchPage queries it. */
export interface Searched {
  table: 'tasks' | 'notes'
  /** The alias that `columns` and the conditions use for the table. */
  alias: 't' | 'n'
  /** The column searched besides the title. */
  body: 'description' | 'body'
  columns: readonly string[]
}

/** PostgreSQL: how many of a project's rows a search reads newest first before it asks the index instead. */
const WALK = 500

type Keyed<Row> = Row & { key: string }

/**
 * Up to `limit` matches of one relevance tier, newest first, after `key` (SQLite: the index's rowid;
 * PostgreSQL: the row's id). SQLite's index yields a project's matches in that order and stops at the
 * limit. PostgreSQL's GIN index yields matches unordered, so the project's rows are read newest first
 * while matches are dense; where they are sparse (fewer than `limit` in WALK rows) the index is asked.
 */
async function tier<Row extends { id: string }>(
  db: Kysely<Database>,
  dialect: Dialect,
  searched: Searched,
  input: SearchInput & { words: string[] },
  level: SearchTier,
  key: string | undefined,
  limit: number,
): Promise<Keyed<Row>[]> {
  const { table, alias, body } = searched
  const columns = sql.join(searched.columns.map((c) => sql.ref(c)))
  const from = sql`${sql.table(table)} as ${sql.table(alias)}`
  if (dialect === 'sqlite') {
    const index = sql.table(`${table}_search`)
    const rowid = sql.ref(`${table}_search.rowid`)
    const below = key === undefined ? sql`` : sql`and ${rowid} < ${Number(key)}`
    const { rows: unscoped } =
      input.words.length > 1
        ? await sql<{ seq: number }>`
            select ${rowid} as seq from ${index} where ${index} match ${fts5Match(null, input.words, body, level)} ${below}
            order by ${rowid} desc limit ${UNSCOPED + 1}`.execute(db)
        : { rows: undefined }
    if (unscoped && unscoped.length <= UNSCOPED) {
      if (unscoped.length === 0) return []
      // CROSS JOIN keeps the few matches first: the project's conditions must not lead to reading its rows.
      const seq = sql.ref(`${alias}.seq`)
      const { rows } = await sql<Keyed<Row>>`
        select ${columns}, cast(${seq} as text) as key
        from json_each(${JSON.stringify(unscoped.map((r) => r.seq))}) as m cross join ${from} on ${seq} = m.value
        where ${input.conditions} order by ${seq} desc limit ${limit}`.execute(db)
      return rows
    }
    const match = fts5Match(input.projectId, input.words, body, level)
    const { rows } = await sql<Keyed<Row>>`
      select ${columns}, cast(${rowid} as text) as key from ${index} join ${from} on ${sql.ref(`${alias}.seq`)} = ${rowid}
      where ${index} match ${match} and ${input.conditions} ${below}
      order by ${rowid} desc limit ${limit}`.execute(db)
    return rows
  }
  const id = sql.ref(`${alias}.id`)
  const vector = sql.ref(`${alias}.search_vector`)
  const query = sql`to_tsquery('simple', ${tsQuery(input.terms, level)})`
  const before = key === undefined ? sql`` : sql`and ${id} < ${key}`
  const { rows } = await sql<Row & { scanned: number }>`
    with w as materialized (
      select ${columns}, ${vector} @@ ${query} as hit from ${from}
      where ${input.conditions} ${before} order by ${id} desc limit ${WALK})
    select s.scanned, r.* from (select count(*)::int as scanned from w) s
    left join lateral (select * from w where hit order by id desc limit ${limit}) r on true`.execute(db)
  const found = rows.filter((r) => r.id !== null)
  if (found.length === limit || (rows[0]?.scanned ?? 0) < WALK) return found.map((r) => ({ ...r, key: r.id }))
  const { rows: sparse } = await sql<Row>`
    select * from (
      select ${columns} from ${from}
      where ${input.conditions} ${before}
        and ${vector} @@ (${query} && ${`'${projectLexeme(input.projectId)}'`}::tsquery)
      offset 0) m
    order by id desc limit ${limit}`.execute(db)
  return sparse.map((r) => ({ ...r, key: r.id }))
}

export interface SearchInput {
  projectId: string
  /** Folded query words, at least one. */
  terms: string[]
  /** The list's other filters on the table's alias, including its project. */
  conditions: RawBuilder<SqlBool>
  /** Tier and key of the previous page's last row. */
  after: CursorPosition | undefined
  limit: number
}

/** A page of matches by relevance: tier 0, then tier 1, each newest first (see SearchTier). */
export async function searchPage<Row extends { id: string }>(
  db: Kysely<Database>,
  dialect: Dialect,
  searched: Searched,
  input: SearchInput,
): Promise<Page<Row>> {
  const { after, limit } = input
  const words = dialect === 'sqlite' ? await fts5Words(db, input.terms) : []
  const rows: (Keyed<Row> & { tier: SearchTier })[] = []
  const start: SearchTier = after?.[0] === 1 ? 1 : 0
  for (const level of start === 0 ? ([0, 1] as const) : ([1] as const)) {
    const key = level === start && after ? after[1] : undefined
    const found = await tier<Row>(db, dialect, searched, { ...input, words }, level, key, limit + 1 - rows.length)
    rows.push(...found.map((r) => ({ ...r, tier: level })))
    if (rows.length > limit) break
  }
  const page = toPage(rows, limit, (r) => [r.tier, r.key])
  return { items: page.items, next: page.next }
}
