import { CompiledQuery, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import type { CursorPosition } from '../lib/cursor.js'
import { foldForSearch, indexedWords, type SearchTier, tsQuery } from '../lib/search.js'
import type { Dialect } from './database.js'
import { type Page, toPage } from './keyset.js'
import type { Database } from './schema.js'

/**
 * The full-text index of a searchable table on SQLite (FTS5, migration 0090): its rows hold the project
 * as a token of their own, so a search reads only its project's matches, in rowid order, newest first.
 * Words of up to PREFIX_INDEX characters are looked up as prefixes in FTS5's prefix indexes (`prefix='1 2 3'`); a longer word
 * is looked up as the words it begins, from the vocabulary table `search_words`, so that no query merges
 * the whole index's entries for a prefix before it can return the first row. PostgreSQL keeps the same
 * vocabulary (migration 0120) for its GIN index, which reads a prefix as the whole postings of every word
 * it begins (see expandedQueries).
 */
const PREFIX_INDEX = 3
/** A longer word beginning more words than this is left to the index's own prefix search. */
const MAX_COMPLETIONS = 32
/**
 * SQLite: a tier of a search for several words is first looked up in every project's rows, up to this many;
 * when there are no more, those are all the tier's matches and the project's are picked from them by their
 * rows. FTS5 reads a doclist newest first one entry at a time (its doclist index only helps reading oldest
 * first), so matching the project's token reads the whole project wherever a tier has few or no matches in
 * it, as when words are each frequent but rarely in the same title; the words' own doclists are shorter.
 * A single word is left to the project's query: the extra lookup costs a frequent word more than it saves.
 * Such a lookup wants every match or none, so it reads oldest first: then FTS5 can skip through the longer
 * doclists of an AND by their doclist index (a quarter less CPU for the benchmark's two words).
 */
const UNSCOPED = 256

/**
 * The token that stands for a project in the index, as the migration's triggers write it
 * (`replace(project_id, '_', '')`): FTS5 would split the id at its underscore.
 */
const projectToken = (projectId: string) => projectId.replace('_', '')

/** PostgreSQL: the lexeme each row's `search_vector` holds for its project; no query word can match it. */
export const projectLexeme = (projectId: string) => `#${projectId}`

/** SQLite: each searchable table's statements for its full-text index (see indexForSearch). */
const INDEXING = Object.fromEntries(
  (
    [
      ['tasks', 'description'],
      ['notes', 'body'],
    ] as const
  ).map(([table, body]) => [
    table,
    {
      insert: `insert into ${table}_search(rowid, project, title, ${body}) values (?, ?, ?, ?)`,
      remove: `delete from ${table}_search where rowid = ?`,
      seq: `select seq from ${table} where id = ?`,
    },
  ]),
) as Record<'tasks' | 'notes', { insert: string; remove: string; seq: string }>

/** A searchable row's text as its full-text index holds it. */
export interface IndexedText {
  projectId: string
  title: string
  body: string | null
}

/**
 * SQLite: puts a row's words into its table's full-text index, under the row's seq, in the write that inserts
 * it; `seq` is the seq the insert was given. By a statement of its own rather than a trigger (migration 0140
 * says why), so every insert of a task or note goes through its repository. Deletes are a trigger's.
 */
export async function indexForSearch(
  db: Kysely<Database>,
  table: 'tasks' | 'notes',
  seq: bigint | number | undefined,
  text: IndexedText,
): Promise<void> {
  // FTS5 would give an entry without a rowid one of its own, which matches no row.
  if (seq === undefined) throw new Error(`A ${table} row was indexed for search without its seq.`)
  const parameters = [seq, projectToken(text.projectId), text.title, text.body ?? '']
  await db.executeQuery(CompiledQuery.raw(INDEXING[table].insert, parameters))
}

/** SQLite: indexForSearch for a row whose title or body was edited: its old entry out, its new one in. */
export async function reindexForSearch(
  db: Kysely<Database>,
  table: 'tasks' | 'notes',
  id: string,
  text: IndexedText,
): Promise<void> {
  const statements = INDEXING[table]
  const { rows } = await db.executeQuery<{ seq: number }>(CompiledQuery.raw(statements.seq, [id]))
  const seq = rows[0]?.seq
  if (seq === undefined) return
  await db.executeQuery(CompiledQuery.raw(statements.remove, [seq]))
  await indexForSearch(db, table, seq, text)
}

const REMEMBER_WORDS = 'insert or ignore into search_words (word) select value from json_each(?)'

/**
 * Adds the words of new or edited text to the vocabulary that long query words are completed from, in the
 * write that indexes the text, so a word is found by its prefix as soon as the write commits. PostgreSQL's
 * are the lexemes its search vectors get from the same folded text, so they agree with the index whatever
 * its parser makes of the text; in order, so that writes adding the same new words wait for each other
 * rather than deadlock.
 */
export async function rememberWords(
  db: Kysely<Database>,
  dialect: Dialect,
  ...texts: (string | null)[]
): Promise<void> {
  if (dialect === 'postgres') {
    const folded = texts.filter((t): t is string => Boolean(t)).map(foldForSearch)
    if (folded.length === 0) return
    await sql`
      insert into search_words (word)
      select distinct w.word from unnest(${folded}::text[]) as u(text), unnest(tsvector_to_array(to_tsvector('simple', u.text))) as w(word)
      order by w.word on conflict do nothing`.execute(db)
    return
  }
  const words = indexedWords(...texts)
  if (words.length === 0) return
  await db.executeQuery(CompiledQuery.raw(REMEMBER_WORDS, [JSON.stringify(words)]))
}

/** The words a query word begins, as looked up (up to one more than MAX_COMPLETIONS), when they are few enough to ask for. */
const completions = (words: string[]): string[] | undefined =>
  words.length === 0 || words.length > MAX_COMPLETIONS ? undefined : words

/** Whether a query word is completed from the vocabulary rather than looked up as a prefix. */
const completed = (term: string) => [...term].length > PREFIX_INDEX

/** The vocabulary's words that `term` begins, when there are 1 to MAX_COMPLETIONS of them. */
async function completionList(db: Kysely<Database>, term: string): Promise<string[] | undefined> {
  const { rows } = await sql<{ word: string }>`
    select word from search_words where word >= ${term} and word < ${`${term}\u{10FFFF}`} limit ${MAX_COMPLETIONS + 1}`.execute(
    db,
  )
  return completions(rows.map((r) => r.word))
}

/** A query word as FTS5 is asked it: a prefix (`words` undefined) or the words it begins. */
interface Expanded {
  term: string
  words: string[] | undefined
}

async function expand(db: Kysely<Database>, terms: string[]): Promise<Expanded[]> {
  return Promise.all(
    terms.map(async (term) => ({
      term,
      words: completed(term) ? await completionList(db, term) : undefined,
    })),
  )
}

const fts5Word = ({ term, words }: Expanded) => (words ? `(${words.map((w) => `"${w}"`).join(' OR ')})` : `"${term}"*`)

/** The FTS5 query for each of `terms` (folded query words): the word as a prefix, or the words it begins. */
export async function fts5Words(db: Kysely<Database>, terms: string[]): Promise<string[]> {
  return (await expand(db, terms)).map(fts5Word)
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

type Keyed<Row> = Row & { key: string }

/**
 * SQLite: up to `limit` matches of one relevance tier, newest first, after the index rowid `key`. The
 * project's index yields its matches in that order and stops at the limit.
 */
async function tier<Row extends { id: string }>(
  db: Kysely<Database>,
  searched: Searched,
  input: SearchInput & { words: string[] },
  level: SearchTier,
  key: string | undefined,
  limit: number,
): Promise<Keyed<Row>[]> {
  const { table, alias, body } = searched
  const columns = sql.join(searched.columns.map((c) => sql.ref(c)))
  const from = sql`${sql.table(table)} as ${sql.table(alias)}`
  const index = sql.table(`${table}_search`)
  const rowid = sql.ref(`${table}_search.rowid`)
  const below = key === undefined ? sql`` : sql`and ${rowid} < ${Number(key)}`
  const { rows: unscoped } =
    input.words.length > 1
      ? await sql<{ seq: number }>`
          select ${rowid} as seq from ${index} where ${index} match ${fts5Match(null, input.words, body, level)} ${below}
          order by ${rowid} limit ${UNSCOPED + 1}`.execute(db)
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

/**
 * SQLite: a search for several words first looks up every project's matches of all the words anywhere, up
 * to this many, and splits them into tiers itself (see splitPage); with more, each tier asks the index.
 */
const SPLIT = 1024

const ASCII = /^\p{ASCII}*$/u

/**
 * Whether every query word is in the title, as FTS5's `title : (…)` decides it: one of the title's tokens
 * (for ASCII text, unicode61's tokens are the runs of letters and digits, case folded) begins with the
 * word, or is one of the words it begins. Only for an ASCII title and ASCII query words, where that is
 * exact; one pattern a word, so that no title is copied or split.
 */
function titleTest(query: Expanded[]): (title: string) => boolean {
  const patterns = query.map(
    ({ term, words }) =>
      new RegExp(words ? `(?:^|[^a-z0-9])(?:${words.join('|')})(?![a-z0-9])` : `(?:^|[^a-z0-9])${term}`, 'i'),
  )
  return (title) => patterns.every((p) => p.test(title))
}

/**
 * SQLite: a page of a search for several words from one index lookup: every match of all the words anywhere
 * (in every project; the project's token would make FTS5 read the whole project's doclist), then the
 * project's rows among them with their titles, each given its tier by its title's words (titleTest, or FTS5
 * itself for a title that is not ASCII), so the words' doclists are read once rather than once per tier.
 * Undefined where the query is not ASCII or has more than SPLIT matches: the tiers' own lookups answer then.
 * The lookup reads oldest first, as UNSCOPED's does.
 */
async function splitPage<Row extends { id: string }>(
  db: Kysely<Database>,
  searched: Searched,
  input: SearchInput,
  query: Expanded[],
): Promise<(Keyed<Row> & { tier: SearchTier })[] | undefined> {
  if (!query.every(({ term, words }) => ASCII.test(term) && (words ?? []).every((w) => ASCII.test(w)))) return undefined
  const { table, alias, body } = searched
  const index = sql.table(`${table}_search`)
  const rowid = sql.ref(`${table}_search.rowid`)
  const from = sql`${sql.table(table)} as ${sql.table(alias)}`
  const seq = sql.ref(`${alias}.seq`)
  const words = query.map(fts5Word)
  const [start, key] = input.after ? [input.after[0], Number(input.after[1])] : [0, undefined]
  // After a tier 1 row only tier 1 rows below it are left; after a tier 0 row tier 1 starts from the top.
  const below = start === 1 && key !== undefined ? sql`and ${rowid} < ${key}` : sql``
  const { rows: found } = await sql<{ seq: number }>`
    select ${rowid} as seq from ${index} where ${index} match ${fts5Match(null, words, body, 'any')} ${below}
    order by ${rowid} limit ${SPLIT + 1}`.execute(db)
  if (found.length > SPLIT) return undefined
  if (found.length === 0) return []
  const { rows: candidates } = await sql<{ seq: number; title: string }>`
    select ${seq} as seq, ${sql.ref(`${alias}.title`)} as title
    from json_each(${JSON.stringify(found.map((r) => r.seq))}) as m cross join ${from} on ${seq} = m.value
    where ${input.conditions} order by ${seq} desc`.execute(db)
  const titleMatch = fts5Match(null, words, body, 0)
  const inTitle = titleTest(query)
  const tiers: SearchTier[] = []
  for (const c of candidates) {
    if (ASCII.test(c.title)) tiers.push(inTitle(c.title) ? 0 : 1)
    else {
      // A range: SQLite 3.53's FTS5 answers `rowid = ?` beside MATCH with every match, ignoring the rowid.
      const { rows } = await sql`
        select ${rowid} from ${index} where ${index} match ${titleMatch} and ${rowid} >= ${c.seq} and ${rowid} <= ${c.seq}`.execute(
        db,
      )
      tiers.push(rows.length > 0 ? 0 : 1)
    }
  }
  const wanted = input.limit + 1
  const picked: { seq: number; tier: SearchTier }[] = []
  for (const level of start === 0 ? ([0, 1] as const) : ([1] as const)) {
    candidates.forEach((c, i) => {
      if (tiers[i] !== level || picked.length === wanted) return
      if (level === start && key !== undefined && c.seq >= key) return
      picked.push({ seq: c.seq, tier: level })
    })
  }
  if (picked.length === 0) return []
  const columns = sql.join(searched.columns.map((c) => sql.ref(c)))
  const { rows } = await sql<Keyed<Row>>`
    select ${columns}, cast(${seq} as text) as key
    from json_each(${JSON.stringify(picked.map((p) => p.seq))}) as m cross join ${from} on ${seq} = m.value`.execute(db)
  const bySeq = new Map(rows.map((r) => [r.key, r]))
  return picked.flatMap((p) => {
    const row = bySeq.get(String(p.seq))
    return row ? [{ ...row, tier: p.tier }] : []
  })
}

/** PostgreSQL: how many of a project's rows a search reads newest first before it asks the index instead. */
const WALK = 500

/** PostgreSQL: a search as two tsquery expressions, every word anywhere and every word in the title. */
interface TsQueries {
  any: RawBuilder<unknown>
  title: RawBuilder<unknown>
}

/** Every word as a prefix: cheap to test on a row, but costly for the index (see expandedQueries). */
const prefixQueries = (terms: string[]): TsQueries => ({
  any: sql`to_tsquery('simple', ${tsQuery(terms)})`,
  title: sql`to_tsquery('simple', ${tsQuery(terms, 0)})`,
})

/** A lexeme in tsquery's input syntax: quoted, its quotes and backslashes doubled. */
const quotedLexeme = (lexeme: string) => `'${lexeme.replace(/['\\]/g, (c) => c + c)}'`

/** A query word as a tsquery, in the title alone (`weight` A) or anywhere: `fts5Word`'s twin. */
const tsWord = ({ term, words }: Expanded, weight: '' | 'A') =>
  words
    ? sql`${`(${words.map((w) => `${quotedLexeme(w)}${weight && `:${weight}`}`).join(' | ')})`}::tsquery`
    : sql`to_tsquery('simple', ${`${term}:*${weight}`})`

/**
 * The same queries for the GIN index: a word longer than PREFIX_INDEX characters becomes the OR of the
 * words it begins, from `search_words` (which holds every lexeme the index has held), when there are at
 * most MAX_COMPLETIONS. GIN reads a prefix by collecting every posting of every word it begins into a
 * bitmap, and cannot skip through it; exact words it intersects, skipping through the frequent ones.
 * The words begun are exactly the lexemes that `word:*` matches, so the rows found are the same.
 */
async function expandedQueries(db: Kysely<Database>, terms: string[]): Promise<TsQueries & { query: Expanded[] }> {
  // The long words' completions in one statement, rather than one each as `expand` asks SQLite.
  const long = [...new Set(terms.filter(completed))]
  const found = new Map<string, string[]>()
  if (long.length > 0) {
    const { rows } = await sql<{ term: string; words: string[] }>`
      select u.term, array(
        select word from search_words where word >= u.term and word < u.term || ${'\u{10FFFF}'}
        order by word limit ${MAX_COMPLETIONS + 1}) as words
      from unnest(${long}::text[]) as u(term)`.execute(db)
    for (const r of rows) found.set(r.term, r.words)
  }
  const query: Expanded[] = terms.map((term) => ({ term, words: completions(found.get(term) ?? []) }))
  const all = (weight: '' | 'A') =>
    sql.join(
      query.map((e) => tsWord(e, weight)),
      sql` && `,
    )
  return { any: sql`(${all('')})`, title: sql`(${all('A')})`, query }
}

/**
 * PostgreSQL: the share of rows whose search vector holds each of the most common lexemes, and a share no
 * other lexeme reaches, from the planner's statistics (ANALYZE, which autovacuum runs as rows change).
 */
interface LexemeShares {
  shares: Map<string, number>
  /** The least share among `shares`: other lexemes were seen in fewer rows of ANALYZE's sample. */
  below: number
  rows: number
}

/** How long an instance keeps a table's lexeme shares before it reads them again. */
const SHARES_TTL_MS = 5 * 60_000
const sharesRead = new WeakMap<object, Map<string, { at: number; shares: Promise<LexemeShares | undefined> }>>()

async function readShares(db: Kysely<Database>, table: string): Promise<LexemeShares | undefined> {
  // Each lexeme's share, then (as PostgreSQL stores them for tsvector) the least and the greatest share.
  const { rows } = await sql<{ lexemes: string[] | null; freqs: number[] | null; rows: number }>`
    select s.most_common_elems::text::text[] as lexemes, s.most_common_elem_freqs as freqs, c.reltuples as rows
    from pg_class c left join pg_stats s
      on s.schemaname = current_schema() and s.tablename = c.relname and s.attname = 'search_vector'
    where c.oid = to_regclass(${table})`.execute(db)
  const { lexemes, freqs, rows: count } = rows[0] ?? { lexemes: null, freqs: null, rows: 0 }
  if (!lexemes || !freqs || freqs.length < lexemes.length + 2 || !(count > 0)) return undefined
  return {
    shares: new Map(lexemes.map((l, i) => [l, freqs[i] ?? 0])),
    below: freqs[lexemes.length] ?? 0,
    rows: count,
  }
}

/** A table's lexeme shares, read at most once per SHARES_TTL_MS (the stale ones answer while they are read again). */
function lexemeShares(db: Kysely<Database>, table: string): Promise<LexemeShares | undefined> {
  const tables = sharesRead.get(db) ?? new Map()
  sharesRead.set(db, tables)
  const known = tables.get(table)
  const now = Date.now()
  if (known && now - known.at < SHARES_TTL_MS) return known.shares
  const shares = readShares(db, table).catch(() => undefined)
  tables.set(table, { at: now, shares: known ? shares.then((s) => s ?? known.shares) : shares })
  return known ? known.shares : shares
}

/** Drops what an instance knows of the lexeme shares, as after an ANALYZE it ran itself (tests do). */
export function forgetLexemeShares(db: Kysely<Database>): void {
  sharesRead.delete(db)
}

/** PostgreSQL: the index is asked at once for a search expected to match at most this many rows of the table. */
const LOOKUP_AT_ONCE = 5_000

/**
 * Whether a search's words are too rare for the walk to fill a page of `wanted` rows from the WALK newest,
 * judged by the table's lexeme shares: a word's share is at most the sum of the shares of the words it
 * begins (a share below `below` for each one not among the common), and all the words at most the least of
 * theirs. The shares are the table's, not the project's, so a project denser in a word than the table is
 * misjudged; that costs time (the index then reads up to about LOOKUP_AT_ONCE rows) but finds the same rows.
 */
function tooRareToWalk(shares: LexemeShares, query: Expanded[], wanted: number): boolean {
  const bound = Math.min(
    ...query.map(({ words }) =>
      words ? words.reduce((sum, w) => sum + (shares.shares.get(w) ?? shares.below), 0) : Number.POSITIVE_INFINITY,
    ),
  )
  return WALK * bound < wanted && bound * shares.rows <= LOOKUP_AT_ONCE
}

/**
 * Whether every word is common enough in the table, by the shares of the common lexemes it begins, that the
 * walk may fill the page: then the walk runs without the vocabulary's lookup first, as it always did.
 */
function commonEnoughToWalk(shares: LexemeShares, terms: string[], wanted: number): boolean {
  return terms.every((term) => {
    let share = 0
    for (const [lexeme, s] of shares.shares) if (lexeme.startsWith(term)) share += s
    return WALK * share >= wanted
  })
}

/** A row as the PostgreSQL queries answer it: `intitle` true for tier 0, false for tier 1. */
type Flagged<Row> = Row & { intitle: boolean }

const keyed = <Row extends { id: string }>(rows: Flagged<Row>[]): (Keyed<Row> & { tier: SearchTier })[] =>
  rows.map(({ intitle, ...row }) => ({ ...(row as unknown as Row), key: row.id, tier: intitle ? 0 : 1 }))

/**
 * PostgreSQL: a page of matches by relevance. GIN yields matches unordered, and cannot tell a title's words
 * from a description's without reading each row. So the project's rows are read newest first, up to WALK
 * of them, marking each match's tier; while matches are dense that fills the page. Where they are sparse
 * (the page's tier has fewer than it needs among those rows, and the project has more), the index is asked
 * once for every match of all the words anywhere, below the cursor in its tier, each marked with its tier,
 * and the page is taken from them, tier 0 first, newest first within each: each word's postings are read
 * once per page rather than once per tier.
 */
async function pgSearchPage<Row extends { id: string }>(
  db: Kysely<Database>,
  searched: Searched,
  input: SearchInput,
): Promise<(Keyed<Row> & { tier: SearchTier })[]> {
  const { table, alias } = searched
  const columns = sql.join(searched.columns.map((c) => sql.ref(c)))
  const from = sql`${sql.table(table)} as ${sql.table(alias)}`
  const id = sql.ref(`${alias}.id`)
  const vector = sql.ref(`${alias}.search_vector`)
  const wanted = input.limit + 1

  /** Up to `take` matches of each of `tiers` among the WALK newest rows below `key`; `ended`: no rows beyond them. */
  async function walk(q: TsQueries, key: string | undefined, tiers: SearchTier[], take: number) {
    const before = key === undefined ? sql`` : sql`and ${id} < ${key}`
    // Tier 1 after tier 0 is needed only where the walk reached the end of the project's rows (see below).
    const parts = tiers.map((t) =>
      t === 0
        ? sql`(select * from w where intitle order by id desc limit ${take})`
        : tiers.includes(0)
          ? sql`(select * from w where not intitle and (select count(*) from w) < ${WALK} order by id desc limit ${take})`
          : sql`(select * from w where not intitle order by id desc limit ${take})`,
    )
    // Whether a row is in tier 0, tier 1 (false) or neither (null); tier 0 alone takes one test a row.
    const tier = tiers.includes(1)
      ? sql`case when ${vector} @@ ${q.any} then ${vector} @@ ${q.title} end`
      : sql`${vector} @@ ${q.title}`
    // The walk keeps only ids and tiers; the columns are read for the rows answered, by their id.
    const { rows } = await sql<Flagged<Row> & { scanned: number }>`
      with w as materialized (
        select ${id} as id, ${tier} as intitle
        from ${from} where ${input.conditions} ${before} order by ${id} desc limit ${WALK})
      select s.scanned, r.* from (select count(*)::int as scanned from w) s
      left join lateral (
        select ${columns}, m.intitle from (${sql.join(parts, sql` union all `)}) m join ${from} on ${id} = m.id
        order by m.intitle desc, ${id} desc) r on true`.execute(db)
    const found = rows.filter((r) => r.id !== null).map(({ scanned, ...r }) => r as unknown as Flagged<Row>)
    return { found: keyed(found), ended: (rows[0]?.scanned ?? 0) < WALK }
  }

  /**
   * Up to `take` matches from the index: from tier 0 below `key` and then tier 1 (`start` 0), or from tier 1
   * below `key` (`start` 1).
   */
  async function lookUp(q: TsQueries, start: SearchTier, key: string | undefined, take: number) {
    const within = start === 1 && key !== undefined ? sql`and ${id} < ${key}` : sql``
    const after =
      start === 1
        ? sql`where not intitle`
        : key === undefined
          ? sql``
          : sql`where (intitle and id < ${key}) or not intitle`
    const project = `'${projectLexeme(input.projectId)}'`
    // OFFSET 0 keeps the index's matches apart from the order: reading the project newest first by the
    // (project_id, id) index and testing each row is what the walk already did.
    // As in the walk, the matches are ranked by id and tier alone, and the columns read for those answered.
    const { rows } = await sql<Flagged<Row>>`
      select ${columns}, p.intitle from (
        select * from (
          select ${id} as id, ${vector} @@ ${q.title} as intitle from ${from}
          where ${input.conditions} ${within} and ${vector} @@ (${q.any} && ${project}::tsquery)
          offset 0) m
        ${after} order by intitle desc, id desc limit ${take}) p
      join ${from} on ${id} = p.id order by p.intitle desc, p.id desc`.execute(db)
    return keyed(rows)
  }

  const prefixes = prefixQueries(input.terms)
  let expansion: ReturnType<typeof expandedQueries> | undefined
  const expanded = () => (expansion ??= expandedQueries(db, input.terms))
  const key = input.after?.[1]
  // Words too rare for the walk to fill the page go to the index at once. Common words, judged without the
  // vocabulary's lookup, walk as before; the others are expanded, which the index needs anyway.
  const shares = await lexemeShares(db, table)
  if (shares && !commonEnoughToWalk(shares, input.terms, wanted)) {
    const q = await expanded()
    if (tooRareToWalk(shares, q.query, wanted)) return lookUp(q, input.after?.[0] === 1 ? 1 : 0, key, wanted)
  }
  if (input.after?.[0] === 1) {
    const walked = await walk(prefixes, key, [1], wanted)
    if (walked.found.length === wanted || walked.ended) return walked.found
    return lookUp(await expanded(), 1, key, wanted)
  }
  // From the top, the walk's tier 1 matches are the first of that tier too.
  const walked = await walk(prefixes, key, key === undefined ? [0, 1] : [0], wanted)
  const first = walked.found.filter((r) => r.tier === 0)
  if (first.length === wanted) return first
  if (!walked.ended) return lookUp(await expanded(), 0, key, wanted)
  // Tier 0 ends on this page: tier 1 follows from the top.
  if (key === undefined) return [...first, ...walked.found.filter((r) => r.tier === 1)].slice(0, wanted)
  const rest = await walk(prefixes, undefined, [1], wanted - first.length)
  if (rest.found.length === wanted - first.length || rest.ended) return [...first, ...rest.found]
  return [...first, ...(await lookUp(await expanded(), 1, undefined, wanted - first.length))]
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
  const position = (r: Keyed<Row> & { tier: SearchTier }): CursorPosition => [r.tier, r.key]
  if (dialect === 'postgres') {
    return toPage(await pgSearchPage<Row>(db, searched, input), limit, position)
  }
  const query = await expand(db, input.terms)
  if (query.length > 1) {
    const split = await splitPage<Row>(db, searched, input, query)
    if (split) {
      return toPage(split, limit, position)
    }
  }
  const words = query.map(fts5Word)
  const rows: (Keyed<Row> & { tier: SearchTier })[] = []
  const start: SearchTier = after?.[0] === 1 ? 1 : 0
  for (const level of start === 0 ? ([0, 1] as const) : ([1] as const)) {
    const key = level === start && after ? after[1] : undefined
    const found = await tier<Row>(db, searched, { ...input, words }, level, key, limit + 1 - rows.length)
    rows.push(...found.map((r) => ({ ...r, tier: level })))
    if (rows.length > limit) break
  }
  return toPage(rows, limit, position)
}
