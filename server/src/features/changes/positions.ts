import { ApiError } from '../../core/api-error.js'

/**
 * Refuses a position past the newest change with 400 `since_ahead`. No answer ever gave such a position (it
 * comes from another deployment, or from before a restore), and reading after it would silently skip every
 * change written up to it. Compared as 64-bit integers, as the spec types seqs.
 *
 * @example
 * assertNotAhead('900', 42n, { path: '/query/since', name: 'since' }) // throws since_ahead
 */
export function assertNotAhead(position: string, latest: bigint, where: { path: string; name: string }): void {
  if (BigInt(position) <= latest) return
  throw new ApiError(
    400,
    'since_ahead',
    `${where.name} (${position}) is past the newest change (${latest}); reload and continue from the latest position.`,
    { errors: [{ path: where.path, message: `Past the newest change (${latest})`, code: 'too_big' }] },
  )
}
