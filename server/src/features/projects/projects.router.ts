import type { AppContext } from '../../context.js'
import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { projectsHandlers } from './projects.handlers.js'

export function createProjectsRouter(ctx: AppContext, services: Services) {
  const h = projectsHandlers(ctx, services)
  return createRouter()
    .operation('listProjects', h.listProjects)
    .operation('createProject', h.createProject)
    .operation('getProject', h.getProject)
    .operation('updateProject', h.updateProject)
    .operation('deleteProject', h.deleteProject)
    .operation('listMembers', h.listMembers)
    .operation('updateMember', h.updateMember)
    .operation('removeMember', h.removeMember)
    .operation('createInvitation', h.createInvitation)
    .operation('listInvitations', h.listInvitations)
    .operation('revokeInvitation', h.revokeInvitation)
    .operation('acceptInvitation', h.acceptInvitation)
}
