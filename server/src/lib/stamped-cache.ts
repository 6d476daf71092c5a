/**
 * What was computed from stored data, kept while the data's stamp (`db/data-stamp.ts`) stays the same: all
 * of it is dropped when the stamp moves, and nothing is kept while there is no stamp. At most `maxWeight`
 * (as `weigh` counts a value) is kept; beyond it the oldest values go first.
 *
 * The stamp is read before the value is computed: a write committed in between makes the value newer than
 * its stamp, never older, so it is only dropped sooner than it had to be. A value is not kept at all when
 * another call saw the stamp move while it was computed.
 *
 * Values are shared by every caller that asks for the same key: they must not be changed.
 *
 * @example
 * const pages = stampedCache(stamp, { maxWeight: 10_000, weigh: (page) => page.data.length + 1 })
 * const page = await pages.get(key, () => readPage())
 */
export function stampedCache<V>(
  stamp: () => number | undefined,
  options: { maxWeight: number; weigh: (value: V) => number },
) {
  let at: number | undefined
  const kept = new Map<string, { value: V; weight: number }>()
  let weight = 0

  return {
    async get(key: string, compute: () => Promise<V>): Promise<V> {
      const now = stamp()
      if (now === undefined) return compute()
      if (now !== at) {
        kept.clear()
        weight = 0
        at = now
      }
      const hit = kept.get(key)
      if (hit) return hit.value
      const value = await compute()
      const w = options.weigh(value)
      if (at === now && !kept.has(key) && w <= options.maxWeight) {
        kept.set(key, { value, weight: w })
        weight += w
        for (const [oldest, entry] of kept) {
          if (weight <= options.maxWeight) break
          kept.delete(oldest)
          weight -= entry.weight
        }
      }
      return value
    },
  }
}
