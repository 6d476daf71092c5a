import { ApiError } from './api-error.js'

/** The strong entity tag of a resource at `version`. */
export const etagOf = (version: number): string => `"${version}"`

// RFC 9110 §13.1: a list of entity tags, or `*`; a weak tag (W/"3") matches for If-None-Match only.
function tags(header: string): string[] {
  return header
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
}

/** Whether `If-None-Match` names the current version, so a GET may answer 304 Not Modified. */
export function isNotModified(ifNoneMatch: string | undefined, version: number): boolean {
  if (!ifNoneMatch) return false
  const current = etagOf(version)
  return tags(ifNoneMatch).some((t) => t === '*' || t === current || t === `W/${current}`)
}

/**
 * Checks `If-Match` against the current version and throws 412 (with the current `ETag`, so the client can
 * re-read and retry) when it names another one. No header means no precondition.
 *
 * @example
 * assertIfMatch(input.ifMatch, row.version)
 */
export function assertIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch === undefined) return
  const current = etagOf(version)
  if (tags(ifMatch).some((t) => t === '*' || t === current)) return
  throw preconditionFailed(version)
}

export function preconditionFailed(version: number): ApiError {
  return new ApiError(412, 'precondition_failed', 'The resource has changed since it was read; fetch it again.', {
    headers: { ETag: etagOf(version) },
  })
}
