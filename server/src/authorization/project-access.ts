import type { Principal } from '../core/principal.js'
import { type Action, authorize, type Resource, type Role } from './permissions.js'

/** Where the caller's role in a project is read: the project members repository. */
export interface MembershipReader {
  roleOf(projectId: string, userId: string): Promise<Role | undefined>
}

export type ProjectAccess = ReturnType<typeof createProjectAccess>

const NO_PROJECT = 'No project with this id.'

/**
 * The one place services ask whether a caller may act inside a project. Credentials and scope were checked
 * once, at the edge (`requireAuth` in the handler), so this asks only the caller's role against the
 * permission table: not a member answers 404 (`notFound`, exactly like a missing id), a member whose role
 * may not answers 403.
 *
 * @example
 * const role = await access.authorize(caller, task.project_id, 'task', 'update', 'No task with this id.')
 */
export function createProjectAccess(members: MembershipReader) {
  return {
    async authorize<R extends Resource>(
      caller: Pick<Principal, 'userId'>,
      projectId: string,
      resource: R,
      action: Action<R>,
      notFound = NO_PROJECT,
    ): Promise<Role> {
      return authorize(resource, action, await members.roleOf(projectId, caller.userId), notFound)
    },
  }
}
