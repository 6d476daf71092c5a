import type { Principal } from '../../core/principal.js'
import type { ChangeList } from '../../generated/routes.js'
import { listScope } from '../../lib/cursor.js'
import type { ServiceDeps } from '../service-deps.js'
import type { ChangeLog } from './change-log.js'
import { assertNotAhead } from './positions.js'

export interface ChangeListInput {
  since?: string
  projectId?: string
  limit: number
  cursor?: string
}

/** `/v1/changes`: the change log as pages, for clients that poll. */
export function createChangesService({ cursors }: ServiceDeps, log: ChangeLog) {
  return {
    async list(caller: Principal, input: ChangeListInput): Promise<ChangeList> {
      // The page's position is a seq, so a cursor only saves the client from reading `syncToken`; it is
      // signed like every cursor so that one list's cursor cannot be replayed on another.
      const scope = listScope('listChanges', { userId: caller.userId, projectId: input.projectId })
      const from = input.cursor ? String(cursors.decode(scope, input.cursor)[0]) : (input.since ?? '0')
      assertNotAhead(from, BigInt(await log.latestSeq()), { path: '/query/since', name: 'since' })
      // Not past the newest seq, which the log reads as a number.
      const since = Number(from)
      await log.assertRetained(since)
      const data = await log.readVisible(caller, { since, projectId: input.projectId, limit: input.limit })
      const last = data.at(-1)?.seq
      return {
        data,
        nextCursor: last !== undefined && data.length === input.limit ? cursors.encode(scope, [last, '']) : null,
        syncToken: last ?? from,
      }
    },
  }
}

export type ChangesService = ReturnType<typeof createChangesService>
