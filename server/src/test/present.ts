import { assert } from 'vitest'

/**
 * Returns `value`, failing the test right here when it is null or undefined, so later lines read the value
 * without a non-null assertion that would turn a missing value into a confusing TypeError further on.
 *
 * @example
 * const last = present(seen.at(-1), 'the last project seen')
 */
export function present<T>(value: T, what = 'the value'): NonNullable<T> {
  assert.exists(value, `expected ${what} to be present`)
  return value
}
