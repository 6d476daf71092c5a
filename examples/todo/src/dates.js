// Due dates as people type them: today, tomorrow, a weekday, +3d, +2w, or a date. A due date is the end of
// that day in the local time zone, which is what "due Friday" means to the person typing it.

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']

/**
 * Parses a due date; `none` (or an empty string) clears it.
 *
 * @param {string} text
 * @param {Date} [now]
 * @returns {string | null} an RFC 3339 instant, or null for "no due date"
 * @throws {Error} when the text is not a date this understands
 * @example parseDue('fri') // the coming Friday (today if it is Friday), 23:59:59.999 local time
 */
export function parseDue(text, now = new Date()) {
  const word = text.trim().toLowerCase()
  if (word === '' || word === 'none') return null
  /** @param {Date} day */
  const endOf = (day) => new Date(day.getFullYear(), day.getMonth(), day.getDate(), 23, 59, 59, 999).toISOString()
  /** @param {number} days */
  const inDays = (days) => new Date(now.getFullYear(), now.getMonth(), now.getDate() + days)
  if (word === 'today') return endOf(now)
  if (word === 'tomorrow' || word === 'tmr') return endOf(inDays(1))
  const weekday = WEEKDAYS.findIndex((name) => word.length >= 3 && name.startsWith(word))
  if (weekday >= 0) return endOf(inDays((weekday - now.getDay() + 7) % 7))
  const relative = /^\+(\d{1,3})([dw])$/.exec(word)
  if (relative) return endOf(inDays(Number(relative[1]) * (relative[2] === 'w' ? 7 : 1)))
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(word)
  if (date) {
    const day = new Date(Number(date[1]), Number(date[2]) - 1, Number(date[3]))
    if (day.getMonth() === Number(date[2]) - 1 && day.getDate() === Number(date[3])) return endOf(day)
  }
  throw new Error(`"${text}" is not a due date: use today, tomorrow, a weekday (fri), +3d, +2w, YYYY-MM-DD or none`)
}

/**
 * How a due date reads in a list: "today", "tomorrow", "Fri 12 Dec", or "overdue" in front when past.
 *
 * @param {string} iso
 * @param {Date} [now]
 */
export function describeDue(iso, now = new Date()) {
  const due = new Date(iso)
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate())
  const days = Math.floor((due.getTime() - startOfToday.getTime()) / 86_400_000)
  if (days === 0) return 'today'
  if (days === 1) return 'tomorrow'
  const label = due.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short' })
  return days < 0 ? `overdue since ${label}` : label
}
