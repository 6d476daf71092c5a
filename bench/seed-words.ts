// The words the benchmarks seed tasks with: real English words (the `word-list` package), a fixed
// pseudo-random 20,000 of them, drawn with Zipf's law (the word of rank r is drawn with weight 1/r) the way
// words occur in real titles: a few words are in many tasks, most in few. `random` is seeded, so every run
// (and every benchmark that seeds with it in the same order) makes the same data.
import { readFileSync } from 'node:fs'
import wordListPath from 'word-list'

let seed = 42
export const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x7fffffff
}
const dictionary = readFileSync(wordListPath, 'utf8')
  .split('\n')
  .filter((w) => /^[a-z]{3,10}$/.test(w))
for (let i = dictionary.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1))
  ;[dictionary[i], dictionary[j]] = [dictionary[j] as string, dictionary[i] as string]
}
/** The 20,000 words by rank: `WORDS[0]` is drawn most often. */
export const WORDS = dictionary.slice(0, 20_000)
const cumulative: number[] = []
WORDS.reduce((sum, _, r) => {
  cumulative.push(sum + 1 / (r + 1))
  return sum + 1 / (r + 1)
}, 0)
const word = () => {
  const x = random() * (cumulative.at(-1) as number)
  let lo = 0
  let hi = cumulative.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((cumulative[mid] as number) < x) lo = mid + 1
    else hi = mid
  }
  return WORDS[lo] as string
}
/** `n` words joined by spaces. */
export const words = (n: number) => Array.from({ length: n }, word).join(' ')
