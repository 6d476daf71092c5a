/** A JSON POST for `t.request(path, post(body))`, with any extra headers (credentials, Idempotency-Key). */
export const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

/** The `?token=` of the `https://app.example.com<path>` link in a mail's text; throws when there is none. */
export const tokenIn = (text: string, path: string): string => {
  const match = new RegExp(`https://app\\.example\\.com${path}\\?token=([A-Za-z0-9_-]+)`).exec(text)
  if (!match?.[1]) throw new Error(`no ${path} link in:\n${text}`)
  return match[1]
}
