/**
 * Who a Markdown text @mentions. A mention is `@` followed by a user id (`@usr_01JD8X…`, what an app
 * inserts from a member picker and renders as the member's name) or by an email address
 * (`@ada@example.com`, what a person can type; compared without regard to case). Both name exactly one
 * account, so a mention never resolves to the wrong person; it only notifies if that account is a member of
 * the project. An `@` right after a letter, digit or `.`/`+`/`-` is part of an address, not a mention, and
 * mentions in code (inline `code` or fenced blocks) do not count, as on GitHub.
 *
 * @example
 * parseMentions('Thanks @ada@example.com and @usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K!')
 * // { userIds: ['usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K'], emails: ['ada@example.com'] }
 */
export function parseMentions(text: string | null | undefined): { userIds: string[]; emails: string[] } {
  const userIds = new Set<string>()
  const emails = new Set<string>()
  if (text) {
    const prose = text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?(^\1[^\n]*$|(?![\s\S]))/gm, ' ').replace(/`[^`\n]*`/g, ' ')
    for (const match of prose.matchAll(MENTION)) {
      const token = match[1] as string
      if (token.startsWith('usr_')) userIds.add(token)
      else emails.add(token.toLowerCase())
    }
  }
  return { userIds: [...userIds], emails: [...emails] }
}

const MENTION =
  /(?<![\w.+@-])@(usr_[0-9A-Z]{26}(?![\w])|[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)/g

/** The mentions in `next` that were not already in `previous`: editing a text notifies only the newly named. */
export function newMentions(next: string | null | undefined, previous: string | null | undefined) {
  const now = parseMentions(next)
  const before = parseMentions(previous)
  return {
    userIds: now.userIds.filter((id) => !before.userIds.includes(id)),
    emails: now.emails.filter((e) => !before.emails.includes(e)),
  }
}
