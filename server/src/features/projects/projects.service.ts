import type { Member, MemberList, Project, ProjectCreate, ProjectList, ProjectUpdate } from '../../generated/routes.js'

type Role = Member['role']

import { ApiError } from '../../core/api-error.js'
import { assertIfMatch, preconditionFailed } from '../../core/etag.js'
import type { Principal } from '../../core/principal.js'
import { listScope } from '../../lib/cursor.js'
import { newId } from '../../lib/ids.js'
import { removalChange } from '../../write/change.js'
import type { WriteTx } from '../../write/writer.js'
import type { ServiceDeps } from '../service-deps.js'

export interface PageInput {
  limit: number
  cursor?: string
}

const NO_PROJECT = 'No project with this id.'

export type ProjectsService = ReturnType<typeof createProjectsService>

/** Projects and memberships. */
export function createProjectsService({ repositories, writer, cursors, access, now }: ServiceDeps) {
  const repo = repositories.projects

  /** Deletes a project (everything in it goes with it) and tells each of its members. */
  async function deleteProject(tx: WriteTx, projectId: string, actorId: string | null) {
    const r = tx.projects
    const members = await tx.memberships.memberIds(projectId)
    await r.deleteProject(projectId)
    // One row per former member: once the project is gone nobody is a member, so the rows are addressed.
    for (const userId of members) {
      await tx.record(
        removalChange({
          type: 'project.deleted',
          projectId,
          userId,
          resourceType: 'project',
          resourceId: projectId,
          actorId,
        }),
      )
    }
  }

  /**
   * A member left or was removed: the remaining members see it, and so does the member, who can no longer
   * read the project's changes. Subscribers (tasks) unassign what they were assigned.
   */
  async function recordRemoval(tx: WriteTx, member: Member, actorId: string | null) {
    const common = removalChange({
      type: 'member.removed',
      projectId: member.projectId,
      resourceType: 'member',
      resourceId: member.userId,
      actorId,
      previous: member,
    })
    await tx.record(common)
    await tx.record({ ...common, userId: member.userId })
  }

  /** A former owner's pending invitations end, each recorded as revoked like any other revocation. */
  async function revokeInvitationsFrom(tx: WriteTx, projectId: string, userId: string, actorId: string) {
    const revoked = await tx.projects.revokeInvitationsFrom(projectId, userId, now().toISOString())
    for (const id of revoked) {
      await tx.record(
        removalChange({ type: 'invitation.revoked', projectId, resourceType: 'invitation', resourceId: id, actorId }),
      )
    }
  }

  return {
    /**
     * Runs inside the account-deletion transaction: a project always keeps an owner, so deleting the only
     * owner of a project that others belong to is refused (409 `last_owner`); projects the user has to
     * themselves are their data and go with the account.
     */
    async beforeAccountDeletion(tx: WriteTx, userId: string): Promise<void> {
      const owned = await tx.memberships.soleOwnedProjects(userId)
      const shared = owned.filter((p) => p.otherMembers > 0).map((p) => p.projectId)
      if (shared.length > 0) {
        throw new ApiError(
          409,
          'last_owner',
          `You are the only owner of ${shared.length === 1 ? 'a project' : `${shared.length} projects`} that others belong to (${shared.join(', ')}); make another member an owner or delete ${shared.length === 1 ? 'it' : 'them'} first.`,
        )
      }
      const deleted = new Set(owned.map((p) => p.projectId))
      for (const projectId of deleted) await deleteProject(tx, projectId, null)
      // Memberships elsewhere go with the account; the remaining members see the user leave.
      for (const projectId of await tx.memberships.projectIdsOf(userId)) {
        if (deleted.has(projectId)) continue
        const member = await tx.memberships.findMember(projectId, userId)
        await tx.memberships.removeMember(projectId, userId)
        if (member) await recordRemoval(tx, member, null)
      }
    },

    async list(caller: Principal, page: PageInput): Promise<ProjectList> {
      const scope = listScope('listProjects', { userId: caller.userId })
      const after = page.cursor ? cursors.decode(scope, page.cursor) : undefined
      const result = await repo.listForUser(caller.userId, after, page.limit)
      return { data: result.items, nextCursor: result.next && cursors.encode(scope, result.next) }
    },

    async create(caller: Principal, input: ProjectCreate): Promise<Project> {
      const at = now().toISOString()
      return writer.write(
        async (tx) => {
          const r = tx.projects
          const project = await r.insertProject({
            id: newId('prj'),
            name: input.name,
            description: input.description ?? null,
            created_at: at,
            updated_at: at,
            version: 1,
          })
          await tx.memberships.addMember({
            project_id: project.id,
            user_id: caller.userId,
            role: 'owner',
            joined_at: at,
          })
          await tx.record(projectChange('project.created', project, caller.userId))
          const owner = await tx.memberships.findMember(project.id, caller.userId)
          if (owner) await tx.record(memberChange('member.added', owner, caller.userId))
          return project
        },
        { by: caller },
      )
    },

    async get(caller: Principal, projectId: string): Promise<Project> {
      await access.authorize(caller, projectId, 'project', 'read')
      const project = await repo.findForUser(projectId, caller.userId)
      if (!project) throw new ApiError(404, 'not_found', NO_PROJECT)
      return project
    },

    async update(
      caller: Principal,
      projectId: string,
      patch: ProjectUpdate,
      ifMatch: string | undefined,
    ): Promise<Project> {
      await access.authorize(caller, projectId, 'project', 'update')
      return writer.write(
        async (tx) => {
          const r = tx.projects
          await r.lockProject(projectId)
          const current = await r.findForUser(projectId, caller.userId)
          if (!current) throw new ApiError(404, 'not_found', NO_PROJECT)
          assertIfMatch(ifMatch, current.version)
          const changes: { name?: string; description?: string | null } = {}
          if (patch.name !== undefined) changes.name = patch.name
          if (patch.description !== undefined) changes.description = patch.description
          if (!(await r.updateProject(projectId, current.version, changes, now().toISOString()))) {
            throw preconditionFailed(current.version + 1)
          }
          const updated = await r.findForUser(projectId, caller.userId)
          if (!updated) throw new ApiError(404, 'not_found', NO_PROJECT)
          await tx.record({ ...projectChange('project.updated', updated, caller.userId), previous: current })
          return updated
        },
        { by: caller },
      )
    },

    async remove(caller: Principal, projectId: string, ifMatch: string | undefined): Promise<void> {
      await access.authorize(caller, projectId, 'project', 'delete')
      await writer.write(
        async (tx) => {
          const r = tx.projects
          await r.lockProject(projectId)
          const current = await r.findForUser(projectId, caller.userId)
          if (!current) throw new ApiError(404, 'not_found', NO_PROJECT)
          assertIfMatch(ifMatch, current.version)
          await deleteProject(tx, projectId, caller.userId)
        },
        { by: caller },
      )
    },

    async listMembers(caller: Principal, projectId: string, page: PageInput): Promise<MemberList> {
      await access.authorize(caller, projectId, 'member', 'read')
      const scope = listScope('listMembers', { projectId })
      const after = page.cursor ? cursors.decode(scope, page.cursor) : undefined
      const result = await repositories.memberships.listMembers(projectId, after, page.limit)
      return { data: result.items, nextCursor: result.next && cursors.encode(scope, result.next) }
    },

    async updateMember(caller: Principal, projectId: string, userId: string, role: Role): Promise<Member> {
      await access.authorize(caller, projectId, 'member', 'update')
      return writer.write(
        async (tx) => {
          const r = tx.projects
          await r.lockProject(projectId)
          const member = await tx.memberships.findMember(projectId, userId)
          if (!member) throw new ApiError(404, 'not_found', 'No member with this id in the project.')
          if (member.role === 'owner' && role !== 'owner' && (await tx.memberships.countOwners(projectId)) <= 1) {
            throw lastOwner()
          }
          await tx.memberships.setRole(projectId, userId, role)
          if (member.role === 'owner' && role !== 'owner')
            await revokeInvitationsFrom(tx, projectId, userId, caller.userId)
          const updated = { ...member, role }
          await tx.record({ ...memberChange('member.updated', updated, caller.userId), previous: member })
          return updated
        },
        { by: caller },
      )
    },

    async removeMember(caller: Principal, projectId: string, userId: string): Promise<void> {
      // Leaving is removing yourself, which every role may; removing someone else is for owners.
      const action = caller.userId === userId ? 'leave' : 'remove'
      await access.authorize(caller, projectId, 'member', action)
      await writer.write(
        async (tx) => {
          const r = tx.projects
          await r.lockProject(projectId)
          const member = await tx.memberships.findMember(projectId, userId)
          if (!member) throw new ApiError(404, 'not_found', 'No member with this id in the project.')
          if (member.role === 'owner' && (await tx.memberships.countOwners(projectId)) <= 1) throw lastOwner()
          await tx.memberships.removeMember(projectId, userId)
          await recordRemoval(tx, member, caller.userId)
          await revokeInvitationsFrom(tx, projectId, userId, caller.userId)
        },
        { by: caller },
      )
    },

    /** Whether `userId` belongs to the project (tasks can only be assigned to members). */
    async isMember(projectId: string, userId: string): Promise<boolean> {
      return (await repositories.memberships.roleOf(projectId, userId)) !== undefined
    },
  }
}

function lastOwner() {
  return new ApiError(
    409,
    'last_owner',
    'A project must keep an owner: make another member owner first, or delete the project.',
  )
}

const projectChange = (type: 'project.created' | 'project.updated', project: Project, actorId: string) => ({
  type,
  projectId: project.id,
  resourceType: 'project',
  resourceId: project.id,
  version: project.version,
  actorId,
  data: project,
})

const memberChange = (type: 'member.added' | 'member.updated', member: Member, actorId: string | null) => ({
  type,
  projectId: member.projectId,
  resourceType: 'member',
  resourceId: member.userId,
  version: null,
  actorId,
  data: member,
})
