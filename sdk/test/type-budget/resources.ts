// The same ten calls with the resource methods.
import { createTasklane, type TasklaneClient } from '../../../node_modules/.cache/tsc/sdk/index.js'

export const tl: TasklaneClient = createTasklane({ baseUrl: 'http://localhost:3000' })

export async function app(tl: TasklaneClient, projectId: string, taskId: string) {
  await tl.operations.getHealth()
  for await (const project of tl.projects.list()) console.log(project.name)
  await tl.projects.create({ name: 'Launch' })
  await tl.projects.get(projectId)
  for await (const task of tl.tasks.list(projectId, { status: 'todo' })) console.log(task.title)
  await tl.tasks.create(projectId, { title: 'Buy milk' })
  await tl.tasks.get(taskId)
  await tl.tasks.update(taskId, { status: 'done' })
  await tl.tasks.delete(taskId)
  await tl.account.getMe()
}
