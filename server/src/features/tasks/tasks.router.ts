import { operations } from '../../generated/routes.js'
import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { tasksHandlers } from './tasks.handlers.js'

export function createTasksRouter(services: Services) {
  const h = tasksHandlers(services)
  return createRouter()
    .openapi(operations.listTasks, h.listTasks)
    .openapi(operations.createTask, h.createTask)
    .openapi(operations.getTask, h.getTask)
    .openapi(operations.updateTask, h.updateTask)
    .openapi(operations.deleteTask, h.deleteTask)
}
