import { describe, expect, it } from 'vitest'
import { newMentions, parseMentions } from './mentions.js'

const ID = 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K'

describe('parseMentions', () => {
  it('finds user ids and email addresses after @, folding email case', () => {
    expect(parseMentions(`Thanks @Ada@Example.com and @${ID}, see you.`)).toEqual({
      userIds: [ID],
      emails: ['ada@example.com'],
    })
  })

  it('stops at sentence punctuation and ignores plain addresses and code', () => {
    expect(parseMentions('Ping @grace@example.org. Mail bob@example.com.')).toEqual({
      userIds: [],
      emails: ['grace@example.org'],
    })
    expect(parseMentions('(@ada@example.com), @ada@example.com: yes')).toEqual({
      userIds: [],
      emails: ['ada@example.com'],
    })
    expect(
      parseMentions('Run `git blame @ada@example.com`\n```\n@bob@example.com\n```\nthen @carol@example.com'),
    ).toEqual({
      userIds: [],
      emails: ['carol@example.com'],
    })
    expect(parseMentions(`@${ID}X and @usr_short and a@${ID}`)).toEqual({ userIds: [], emails: [] })
    expect(parseMentions(null)).toEqual({ userIds: [], emails: [] })
  })

  it('newMentions keeps only names that were not mentioned before', () => {
    expect(newMentions('@a@example.com @b@example.com', '@A@example.com')).toEqual({
      userIds: [],
      emails: ['b@example.com'],
    })
  })
})
