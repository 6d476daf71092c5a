import { createHash, randomBytes } from 'node:crypto'
import { ApiError } from '../../core/api-error.js'
import type { Principal } from '../../core/principal.js'
import type { Invitation, InvitationCreate, InvitationList, Member } from '../../generated/routes.js'
import { listScope } from '../../lib/cursor.js'
import { newId } from '../../lib/ids.js'
import { removalChange } from '../../write/change.js'
import type { ServiceDeps } from '../service-deps.js'
import type { PageInput, ProjectsService } from './projects.service.js'

const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000
const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url')
const normalizeEmail = (email: string) => email.trim().toLowerCase()

export function createInvitationsService(
  { config, repositories, writer, cursors, access, now }: ServiceDeps,
  projects: ProjectsService,
) {
  const repo = repositories.invitations
  const publicUrl = (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '')

  return {
    /**
     * Invites `input.email`. `admit` runs after authorization and before anything is stored or sent; the
     * HTTP layer counts the per-project and per-recipient rate limits there, so callers who may not
     * invite cannot use up a project's quota.
     */
    async create(
      caller: Principal,
      projectId: string,
      input: InvitationCreate,
      admit: (email: string) => Promise<void>,
    ): Promise<Invitation> {
      await access.authorize(caller, projectId, 'invitation', 'create')
      const email = normalizeEmail(input.email)
      await admit(email)
      if (await repositories.memberships.isMemberEmail(projectId, email)) {
        throw new ApiError(409, 'already_member', 'This address belongs to a member of the project already.')
      }
      const project = await projects.get(caller, projectId)
      const token = `inv_${randomBytes(32).toString('base64url')}`
      const at = now()
      const invitation = await writer.write(
        async (tx) => {
          const { invitation, revoked } = await tx.invitations.replacePending({
            id: newId('inv'),
            project_id: projectId,
            email,
            role: input.role,
            token_hash: hashToken(token),
            invited_by: caller.userId,
            created_at: at.toISOString(),
            expires_at: new Date(at.getTime() + INVITATION_TTL_MS).toISOString(),
            accepted_at: null,
            revoked_at: null,
          })
          for (const id of revoked) await tx.record(invitationEnded('invitation.revoked', projectId, id, caller.userId))
          await tx.record({
            type: 'invitation.created',
            projectId,
            resourceType: 'invitation',
            resourceId: invitation.id,
            version: 1,
            actorId: caller.userId,
            data: invitation,
          })
          // In the invitation's own transaction: the mail goes out if and only if the invitation exists.
          await tx.enqueue({
            kind: 'mail',
            payload: {
              to: email,
              subject: `You are invited to “${project.name}” on Tasklane`,
              text:
                `Hello,\n\nYou have been invited to join the project “${project.name}” on Tasklane as ${input.role}.\n\n` +
                `To accept, sign in (or sign up) and open this link within 7 days:\n\n${publicUrl}/accept-invitation?token=${token}\n\n` +
                `Your invitation token: ${token}\n\nIf you did not expect this, ignore this email.\n`,
            },
          })
          return invitation
        },
        { by: caller },
      )
      return invitation
    },

    async list(caller: Principal, projectId: string, page: PageInput): Promise<InvitationList> {
      await access.authorize(caller, projectId, 'invitation', 'read')
      const scope = listScope('listInvitations', { projectId })
      const after = page.cursor ? cursors.decode(scope, page.cursor) : undefined
      const result = await repo.listPending(projectId, now().toISOString(), after, page.limit)
      return { data: result.items, nextCursor: result.next && cursors.encode(scope, result.next) }
    },

    async revoke(caller: Principal, projectId: string, invitationId: string): Promise<void> {
      await access.authorize(caller, projectId, 'invitation', 'revoke')
      await writer.write(
        async (tx) => {
          if (!(await tx.invitations.revoke(projectId, invitationId, now().toISOString()))) {
            throw new ApiError(404, 'not_found', 'No pending invitation with this id.')
          }
          await tx.record(invitationEnded('invitation.revoked', projectId, invitationId, caller.userId))
        },
        { by: caller },
      )
    },

    async accept(caller: Principal, token: string): Promise<Member> {
      const member = await writer.write(
        async (tx) => {
          const at = now().toISOString()
          const invitation = await tx.invitations.consume(hashToken(token), at)
          if (!invitation) return undefined
          // An existing member keeps their role.
          const added = await tx.memberships.addMember({
            project_id: invitation.project_id,
            user_id: caller.userId,
            role: invitation.role,
            joined_at: at,
          })
          const member = await tx.memberships.findMember(invitation.project_id, caller.userId)
          if (!member) throw new Error('the member just added is missing')
          await tx.record(invitationEnded('invitation.accepted', member.projectId, invitation.id, caller.userId))
          if (added) {
            await tx.record({
              type: 'member.added',
              projectId: member.projectId,
              resourceType: 'member',
              resourceId: member.userId,
              version: null,
              actorId: caller.userId,
              data: member,
            })
          }
          return member
        },
        { by: caller },
      )
      if (!member) {
        throw new ApiError(
          404,
          'invitation_not_found',
          'This invitation does not exist, has expired, or was already used.',
        )
      }
      return member
    },
  }
}

/** An invitation stops being pending: for the pending list it is gone. */
const invitationEnded = (
  type: 'invitation.revoked' | 'invitation.accepted',
  projectId: string,
  invitationId: string,
  actorId: string,
) => removalChange({ type, projectId, resourceType: 'invitation', resourceId: invitationId, actorId })

export type InvitationsService = ReturnType<typeof createInvitationsService>
