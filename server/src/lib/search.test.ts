import { describe, expect, it } from 'vitest'
import { foldForSearch, indexedWords, searchTerms, tsQuery } from './search.js'

describe('search text folding', () => {
  it('drops diacritics and case the same way for text and queries', () => {
    expect(foldForSearch('Crème Brûlée à Zürich ÅNGSTRÖM')).toBe('creme brulee a zurich angstrom')
    expect(foldForSearch('ﬁnal Ｆｕｌｌ')).toBe('final full')
  })

  it('turns a query into words without query syntax', () => {
    expect(searchTerms('  "Crème" OR brûlée* -x:y ')).toEqual(['creme', 'or', 'brulee', 'x', 'y'])
    expect(searchTerms('!!!')).toEqual([])
    expect(tsQuery(['creme', 'brulee'])).toBe('creme:* & brulee:*')
    expect(tsQuery(['creme', 'brulee'], 0)).toBe('creme:*A & brulee:*A')
  })

  it('lists the distinct words of indexed text as queries fold them', () => {
    expect(indexedWords('Crème brûlée, crème!', null, 'Zoë-2')).toEqual(['creme', 'brulee', 'zoe', '2'])
  })
})
