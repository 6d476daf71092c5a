import type { Task } from '../../generated/routes.js'
import type { RecordedChange } from '../../write/change.js'
import type { WriteTx } from '../../write/writer.js'

/** The change a task's creation or update records. */
export const taskChange = (type: 'task.created' | 'task.updated', task: Task, actorId: string | null) => ({
  type,
  projectId: task.projectId,
  resourceType: 'task',
  resourceId: task.id,
  version: task.version,
  actorId,
  data: task,
})

/**
 * On `member.removed` (as the remaining members see it): a task stays in the project when its assignee
 * leaves (or is removed, or deletes their account), unassigned, in the same write.
 */
export function unassignRemovedMember(now: () => Date) {
  return async (tx: WriteTx, change: RecordedChange): Promise<void> => {
    if (change.userId !== null || !change.projectId) return
    for (const task of await tx.tasks.unassignAll(change.projectId, change.resourceId, now().toISOString())) {
      const previous = { ...task, assigneeId: change.resourceId, version: task.version - 1 }
      await tx.record({ ...taskChange('task.updated', task, change.actorId), previous })
    }
  }
}
