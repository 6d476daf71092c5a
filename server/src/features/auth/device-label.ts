const BROWSERS: [RegExp, string][] = [
  [/Edg\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/Chrome\//, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/^curl\//, 'curl'],
  [/^node|undici/i, 'Node.js'],
  [/okhttp/i, 'OkHttp'],
  [/python/i, 'Python'],
]
const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
]

/** The longest label made from an unrecognised User-Agent. */
const MAX_RAW_LABEL = 60

/**
 * A short, human label for a User-Agent ("Firefox on Linux"), for the sessions list. A User-Agent it does
 * not recognise is shown as it came, but only its printable ASCII (a header may carry tabs and Latin-1
 * bytes), with runs of anything else as one space, cut to MAX_RAW_LABEL characters.
 *
 * @example
 * deviceLabel('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0') // 'Firefox on Linux'
 * deviceLabel('MyApp\t2.1 \u00ff') // 'MyApp 2.1'
 */
export function deviceLabel(userAgent: string | undefined): string {
  const text = (userAgent ?? '')
    .slice(0, 1000)
    .replace(/[^\x21-\x7E]+/g, ' ')
    .trim()
  if (!text) return 'Unknown device'
  const browser = BROWSERS.find(([re]) => re.test(text))?.[1]
  const system = SYSTEMS.find(([re]) => re.test(text))?.[1]
  if (browser && system) return `${browser} on ${system}`
  return browser ?? system ?? text.slice(0, MAX_RAW_LABEL).trimEnd()
}
