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

/** The words of a query, folded; punctuation separates words and carries no query syntax. */
export function searchTerms(q: string): string[] {
  return foldForSearch(q)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, MAX_TERMS)
    .map((t) => t.slice(0, MAX_TERM_LENGTH))
}

/** An FTS5 MATCH expression: every word must occur, each as a prefix (search as you type). */
export function fts5Query(terms: string[]): string {
  return terms.map((t) => `"${t}"*`).join(' ')
}

/** A `to_tsquery('simple', …)` expression with the same meaning as fts5Query. */
export function tsQuery(terms: string[]): string {
  return terms.map((t) => `${t}:*`).join(' & ')
}
