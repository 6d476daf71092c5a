import { describe, expect, it } from 'vitest'
import { foldForSearch, fts5Query, searchTerms, tsQuery } from './search.js'

describe('search text folding', () => {
  it('drops diacritics and case the same way for text and queries', () => {
    expect(foldForSearch('Crème Brûlée à Zürich ÅNGSTRÖM')).toBe('creme brulee a zurich angstrom')
    expect(foldForSearch('ﬁnal Ｆｕｌｌ')).toBe('final full')
  })

  it('turns a query into words without query syntax', () => {
    expect(searchTerms('  "Crème" OR brûlée* -x:y ')).toEqual(['creme', 'or', 'brulee', 'x', 'y'])
    expect(searchTerms('!!!')).toEqual([])
    expect(fts5Query(['creme', 'brulee'])).toBe('"creme"* "brulee"*')
    expect(tsQuery(['creme', 'brulee'])).toBe('creme:* & brulee:*')
  })
})
