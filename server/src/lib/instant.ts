/**
 * The stored form of an RFC 3339 date-time that the routes have validated (any offset, `t`/`z` in either
 * case, a leap second): the same instant in UTC as `toISOString()` writes it. Instants are stored and
 * compared as text, so every one must be in this one form.
 *
 * @example
 * toInstant('2026-12-01t10:00:00+02:00') // '2026-12-01T08:00:00.000Z'
 */
export function toInstant(value: string): string {
  const upper = value.toUpperCase()
  // Date has no leap second: `23:59:60` is kept as the last millisecond of the minute it ends.
  const leap = /^(.{17})60(?:\.\d+)?/.exec(upper)
  return new Date(leap ? `${leap[1]}59.999${upper.slice(leap[0].length)}` : upper).toISOString()
}
