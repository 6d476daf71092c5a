import type { RecordedChange } from '../../write/change.js'

/**
 * The change types an endpoint may subscribe to: every type of the change log except notifications, which
 * belong to one user and are never sent to a project's endpoints.
 */
let eventTypes: readonly string[] | undefined
// From the generated routes, loaded when first needed.
const EVENT_TYPES = async () => {
  const { ChangeSchema } = await import('../../generated/routes.js')
  eventTypes ??= ChangeSchema().shape.type.options.filter((type) => !type.startsWith('notification.'))
  return eventTypes
}

/** The patterns in `patterns` that match no event type (`task.*` matches, `tsk.*` does not). */
export async function unknownPatterns(patterns: readonly string[]): Promise<string[]> {
  const types = await EVENT_TYPES()
  return patterns.filter((p) => !types.some((type) => matches(p, type)))
}

/** Whether an endpoint subscribed to `pattern` wants events of `type`. */
export function matches(pattern: string, type: string): boolean {
  if (pattern === '*') return true
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1))
  return pattern === type
}

/**
 * Whether a change is one a project's owners may read, so an endpoint of that project may receive it:
 * changes addressed to one user (notifications, someone's own removal) never are.
 */
export const isProjectVisible = (change: { projectId: string | null; userId: string | null }) =>
  change.projectId !== null && change.userId === null

/**
 * The body of a change event: the change as `listChanges` answers it to an owner, in the Standard Webhooks
 * envelope `{ type, timestamp, data }`.
 */
export function changeEventBody(change: Omit<RecordedChange, 'previous'>): string {
  let data = change.data as Record<string, unknown>
  // listChanges adds the reader's role to a project's state; an endpoint reads as an owner.
  if (change.resourceType === 'project' && change.type !== 'project.deleted') data = { ...data, role: 'owner' }
  return JSON.stringify({
    type: change.type,
    timestamp: change.occurredAt,
    data: {
      seq: String(change.seq),
      type: change.type,
      projectId: change.projectId,
      resourceType: change.resourceType,
      resourceId: change.resourceId,
      version: change.version,
      actorId: change.actorId,
      occurredAt: change.occurredAt,
      data,
    },
  })
}
