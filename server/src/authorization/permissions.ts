import { ApiError } from '../core/api-error.js'
import type { Scope } from '../core/principal.js'

export type Role = 'owner' | 'editor' | 'viewer'

/**
 * Who may do what inside a project: role × action × resource. Every check in the services reads this
 * table, and the authorization test generates its matrix from it, so the two cannot drift apart.
 * Actions named `read` need the `read` scope; every other action changes data and needs `write`.
 */
const PERMISSIONS = {
  project: { read: ['owner', 'editor', 'viewer'], update: ['owner'], delete: ['owner'] },
  member: {
    read: ['owner', 'editor', 'viewer'],
    update: ['owner'],
    remove: ['owner'],
    leave: ['owner', 'editor', 'viewer'],
  },
  invitation: { read: ['owner'], create: ['owner'], revoke: ['owner'] },
  task: {
    read: ['owner', 'editor', 'viewer'],
    create: ['owner', 'editor'],
    update: ['owner', 'editor'],
    delete: ['owner', 'editor'],
  },
  note: {
    read: ['owner', 'editor', 'viewer'],
    create: ['owner', 'editor'],
    update: ['owner', 'editor'],
    delete: ['owner', 'editor'],
  },
  comment: {
    read: ['owner', 'editor', 'viewer'],
    create: ['owner', 'editor'],
    // Authors edit and delete their own comments while they may still write in the project.
    updateOwn: ['owner', 'editor'],
    deleteOwn: ['owner', 'editor'],
    // Owners moderate: they may delete anyone's comment.
    deleteAny: ['owner'],
  },
  attachment: {
    read: ['owner', 'editor', 'viewer'],
    create: ['owner', 'editor'],
    // Whoever uploaded a file renames, re-attaches and deletes it while they may still write in the
    // project; owners may do so with anyone's.
    updateOwn: ['owner', 'editor'],
    updateAny: ['owner'],
    deleteOwn: ['owner', 'editor'],
    deleteAny: ['owner'],
  },
  // Endpoints receive everything an owner may read, and their secrets sign as the project: owners only.
  webhook: {
    read: ['owner'],
    create: ['owner'],
    update: ['owner'],
    delete: ['owner'],
    rotate: ['owner'],
    ping: ['owner'],
    redeliver: ['owner'],
    replay: ['owner'],
  },
} as const satisfies Record<string, Record<string, readonly Role[]>>

export type Resource = keyof typeof PERMISSIONS
export type Action<R extends Resource> = keyof (typeof PERMISSIONS)[R] & string

/** Whether `role` may do `action` on `resource`, per the table. */
export function can<R extends Resource>(role: Role | undefined, resource: R, action: Action<R>): boolean {
  if (!role) return false
  const roles = PERMISSIONS[resource][action] as readonly Role[]
  return roles.includes(role)
}

/** For each role, the resources it may read: what the change log shows a member of that role. */
export function readableResources(): Record<Role, Resource[]> {
  const roles: Role[] = ['owner', 'editor', 'viewer']
  const resources = Object.keys(PERMISSIONS) as Resource[]
  return Object.fromEntries(
    roles.map((role) => [role, resources.filter((resource) => can(role, resource, 'read' as Action<typeof resource>))]),
  ) as Record<Role, Resource[]>
}

/** The credential scope an action needs. */
export function scopeFor(action: string): Scope {
  return action === 'read' ? 'read' : 'write'
}

/**
 * The role check for an action inside a project, once the edge (`requireAuth`) has checked credentials and
 * scope, so the order leaks nothing: no credentials → 401; credentials without the scope → 403 (true
 * whatever the id); then not a member → 404, exactly like a missing id; a member whose role may not → 403.
 *
 * @example
 * authorize('task', 'update', membership?.role, 'No task with this id.')
 */
export function authorize<R extends Resource>(
  resource: R,
  action: Action<R>,
  role: Role | undefined,
  notFound: string,
): Role {
  if (!role) throw new ApiError(404, 'not_found', notFound)
  if (!can(role, resource, action)) {
    throw new ApiError(403, 'forbidden', `A project ${role} may not ${action} this ${resource}.`)
  }
  return role
}
