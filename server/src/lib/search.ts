/**
 * Full-text search helpers shared by every searchable list. Text is folded the same way on both databases:
 * Unicode compatibility decomposition, combining marks dropped, lower-cased ("Crème Brûlée" → "creme
 * brulee"). SQLite's FTS5 does this itself (`unicode61 remove_diacritics 2`); PostgreSQL indexes text that
 * was folded here, with the `simple` configuration, so no extension (unaccent) and no language stemming is
 * needed and results agree across databases.
 */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
}

const MAX_TERMS = 16
const MAX_TERM_LENGTH = 64

const words = (text: string) =>
  foldForSearch(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)

/** The words of a query, folded; punctuation separates words and carries no query syntax. */
export function searchTerms(q: string): string[] {
  return words(q)
    .slice(0, MAX_TERMS)
    .map((t) => t.slice(0, MAX_TERM_LENGTH))
}

/** The distinct words of indexed text, folded as queries are: what a query word may be the prefix of. */
export function indexedWords(...texts: (string | null)[]): string[] {
  return [...new Set(texts.flatMap((text) => (text ? words(text) : [])))]
}

/**
 * Relevance, the same on both databases: tier 0 holds the matches with every word in the title, tier 1 the
 * rest; within a tier the newest come first. An index answers each tier in that order, so a page of results
 * costs the same however many rows match.
 */
export type SearchTier = 0 | 1

/**
 * Part of the cursor scope of a list by relevance: a cursor issued under an earlier ranking (a bm25 score
 * in place of the tier) is refused with 400 `invalid_cursor` instead of being misread.
 */
export const SEARCH_RANKING = 'tiers'

/**
 * A `to_tsquery('simple', …)` expression: every word as a prefix, in title or description (`any`) or in
 * the title only (`A`, tier 0).
 */
export function tsQuery(terms: string[], where: 0 | 'any' = 'any'): string {
  return terms.map((t) => `${t}:*${where === 0 ? 'A' : ''}`).join(' & ')
}
