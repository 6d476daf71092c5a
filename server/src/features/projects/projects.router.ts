import type { AppContext } from '../../context.js'
import { operations } from '../../generated/routes.js'
import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { projectsHandlers } from './projects.handlers.js'

export function createProjectsRouter(ctx: AppContext, services: Services) {
  const h = projectsHandlers(ctx, services)
  return createRouter()
    .openapi(operations.listProjects, h.listProjects)
    .openapi(operations.createProject, h.createProject)
    .openapi(operations.getProject, h.getProject)
    .openapi(operations.updateProject, h.updateProject)
    .openapi(operations.deleteProject, h.deleteProject)
    .openapi(operations.listMembers, h.listMembers)
    .openapi(operations.updateMember, h.updateMember)
    .openapi(operations.removeMember, h.removeMember)
    .openapi(operations.createInvitation, h.createInvitation)
    .openapi(operations.listInvitations, h.listInvitations)
    .openapi(operations.revokeInvitation, h.revokeInvitation)
    .openapi(operations.acceptInvitation, h.acceptInvitation)
}
