import type { AppContext } from '../../context.js'
import { etagOf, isNotModified } from '../../core/etag.js'
import type { Invitation, Member, operations, Project } from '../../generated/routes.js'
import { requireAuth } from '../../http/auth.js'
import type { AppRouteHandler } from '../../http/env.js'
import { setNextLink } from '../../http/pagination.js'
import type { RatePolicy } from '../../http/rate-limit.js'
import { answersWith } from '../../idempotency/idempotency.js'
import type { Services } from '../services.js'

type Routes = typeof operations

export function projectsHandlers(ctx: AppContext, { projects, invitations }: Services) {
  const inviteProject: RatePolicy = { name: 'invitations-project', ...ctx.config.RATE_LIMIT_INVITATIONS_PROJECT }
  const inviteUser: RatePolicy = { name: 'invitations-user', ...ctx.config.RATE_LIMIT_INVITATIONS_USER }
  const inviteRecipient: RatePolicy = { name: 'invitations-recipient', ...ctx.config.RATE_LIMIT_INVITATIONS_RECIPIENT }

  const listProjects: AppRouteHandler<Routes['listProjects']> = async (c) => {
    const { limit = 20, cursor } = c.req.valid('query')
    const page = await projects.list(requireAuth(c, 'read'), { limit, cursor })
    setNextLink(c, page.nextCursor)
    return c.json(page, 200)
  }

  const createProject: AppRouteHandler<Routes['createProject']> = async (c) => {
    const respond = answersWith(c, (project: Project) =>
      c.json(project, 201, { Location: `/v1/projects/${project.id}`, ETag: etagOf(project.version) }),
    )
    return respond(await projects.create(requireAuth(c, 'write'), c.req.valid('json')))
  }

  const getProject: AppRouteHandler<Routes['getProject']> = async (c) => {
    const project = await projects.get(requireAuth(c, 'read'), c.req.valid('param').projectId)
    const etag = etagOf(project.version)
    if (isNotModified(c.req.valid('header')['If-None-Match'], project.version)) return c.body(null, 304, { ETag: etag })
    return c.json(project, 200, { ETag: etag })
  }

  const updateProject: AppRouteHandler<Routes['updateProject']> = async (c) => {
    const { projectId } = c.req.valid('param')
    const ifMatch = c.req.valid('header')['If-Match']
    const project = await projects.update(requireAuth(c, 'write'), projectId, c.req.valid('json'), ifMatch)
    return c.json(project, 200, { ETag: etagOf(project.version) })
  }

  const deleteProject: AppRouteHandler<Routes['deleteProject']> = async (c) => {
    await projects.remove(requireAuth(c, 'write'), c.req.valid('param').projectId, c.req.valid('header')['If-Match'])
    return c.body(null, 204)
  }

  const listMembers: AppRouteHandler<Routes['listMembers']> = async (c) => {
    const { limit = 20, cursor } = c.req.valid('query')
    const page = await projects.listMembers(requireAuth(c, 'read'), c.req.valid('param').projectId, { limit, cursor })
    setNextLink(c, page.nextCursor)
    return c.json(page, 200)
  }

  const updateMember: AppRouteHandler<Routes['updateMember']> = async (c) => {
    const { projectId, userId } = c.req.valid('param')
    const member = await projects.updateMember(requireAuth(c, 'write'), projectId, userId, c.req.valid('json').role)
    return c.json(member, 200)
  }

  const removeMember: AppRouteHandler<Routes['removeMember']> = async (c) => {
    const { projectId, userId } = c.req.valid('param')
    await projects.removeMember(requireAuth(c, 'write'), projectId, userId)
    return c.body(null, 204)
  }

  const createInvitation: AppRouteHandler<Routes['createInvitation']> = async (c) => {
    const { projectId } = c.req.valid('param')
    const respond = answersWith(c, (invitation: Invitation) =>
      c.json(invitation, 201, {
        Location: `/v1/projects/${projectId}/invitations/${invitation.id}`,
        // Invitations are never changed, only revoked: their version is always 1.
        ETag: etagOf(1),
      }),
    )
    const principal = requireAuth(c, 'write')
    const invitation = await invitations.create(principal, projectId, c.req.valid('json'), async (email) => {
      await ctx.rateLimiter.consume(c, inviteProject, `project:${projectId}`)
      await ctx.rateLimiter.consume(c, inviteUser, `user:${principal.userId}`)
      await ctx.rateLimiter.consume(c, inviteRecipient, `email:${email}`)
    })
    return respond(invitation)
  }

  const listInvitations: AppRouteHandler<Routes['listInvitations']> = async (c) => {
    const { limit = 20, cursor } = c.req.valid('query')
    const page = await invitations.list(requireAuth(c, 'read'), c.req.valid('param').projectId, { limit, cursor })
    setNextLink(c, page.nextCursor)
    return c.json(page, 200)
  }

  const revokeInvitation: AppRouteHandler<Routes['revokeInvitation']> = async (c) => {
    const { projectId, invitationId } = c.req.valid('param')
    await invitations.revoke(requireAuth(c, 'write'), projectId, invitationId)
    return c.body(null, 204)
  }

  const acceptInvitation: AppRouteHandler<Routes['acceptInvitation']> = async (c) => {
    const respond = answersWith(c, (member: Member) => c.json(member, 200))
    return respond(await invitations.accept(requireAuth(c, 'write'), c.req.valid('json').token))
  }

  return {
    listProjects,
    createProject,
    getProject,
    updateProject,
    deleteProject,
    listMembers,
    updateMember,
    removeMember,
    createInvitation,
    listInvitations,
    revokeInvitation,
    acceptInvitation,
  }
}
