/** What a write says it changed; `data` is the resource as its get operation answers it, or a tombstone. */
export interface ChangeInput {
  /** e.g. `task.updated`: `<resourceType>.<created|updated|deleted|…>`. */
  type: string
  projectId: string | null
  /** Set: only this user may read the change (a notification, their own removal from a project). */
  userId?: string | null
  resourceType: string
  resourceId: string
  version: number | null
  actorId: string | null
  data: unknown
  /** The resource before the write, for in-transaction reactions only; never stored. */
  previous?: unknown
}

/** A change as stored, handed to reactions. */
export interface RecordedChange {
  /** 64-bit: may exceed 2^53. */
  seq: bigint
  type: string
  projectId: string | null
  userId: string | null
  resourceType: string
  resourceId: string
  version: number | null
  actorId: string | null
  data: unknown
  occurredAt: string
  previous?: unknown
}

/**
 * The change for a resource that is gone: no version, and a tombstone `{ id, deleted: true }` as its data,
 * the same shape for every kind of resource so clients drop it by id.
 */
export function removalChange(input: Omit<ChangeInput, 'version' | 'data'>): ChangeInput {
  return { ...input, version: null, data: { id: input.resourceId, deleted: true } }
}
