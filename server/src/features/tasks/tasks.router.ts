import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { tasksHandlers } from './tasks.handlers.js'

export function createTasksRouter(services: Services) {
  const h = tasksHandlers(services)
  return createRouter()
    .operation('listTasks', h.listTasks)
    .operation('createTask', h.createTask)
    .operation('getTask', h.getTask)
    .operation('updateTask', h.updateTask)
    .operation('deleteTask', h.deleteTask)
}
