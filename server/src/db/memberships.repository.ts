import { type Kysely, sql } from 'kysely'
import type { Member } from '../generated/routes.js'
import type { CursorPosition } from '../lib/cursor.js'
import { stampedCache } from '../lib/stamped-cache.js'
import { dataStamp } from './data-stamp.js'
import { keyset, type Page, toPage } from './keyset.js'
import { prepared } from './prepared.js'
import type { Database, ProjectMembersTable } from './schema.js'
import { assertTransaction } from './transaction.js'

type Role = Member['role']

/** A member's view of a project's change log: their role, and the seq it starts after (64-bit, as text). */
export interface MemberView {
  project_id: string
  user_id: string
  role: Role
  joined_after: string
}

const toMember = (row: Omit<ProjectMembersTable, 'joined_after'> & { email: string }): Member => ({
  projectId: row.project_id,
  userId: row.user_id,
  email: row.email,
  role: row.role,
  joinedAt: row.joined_at,
})

const memberColumns = ['m.project_id', 'm.user_id', 'm.role', 'm.joined_at', 'u.email'] as const

/**
 * Who belongs to which project, in which role: the one repository that reads and writes `project_members`.
 * Authorization (`authorization/project-access.ts`), projects, invitations, notifications, webhooks and
 * the change log all ask it. Queries that list rows by the reader's membership (a user's projects with
 * their role, the change log's and the notification list's visibility filters) join the table inside
 * their own SQL, where asking here per row would cost a query each.
 */
function queries(db: Kysely<Database>) {
  // Every project-scoped request authorizes through this lookup.
  const roleQuery = prepared(db, (db, projectId: string, userId: string) =>
    db.selectFrom('project_members').select('role').where('project_id', '=', projectId).where('user_id', '=', userId),
  )
  // The answers of that lookup while nothing in the database changed (a removed member or a changed role
  // moves the stamp, so it counts at once): on SQLite it costs a read of the file each time otherwise.
  const roles = stampedCache<Role | undefined>(dataStamp(db), { maxWeight: 10_000, weigh: () => 1 })
  const role = (projectId: string, userId: string) =>
    roles.get(`${projectId} ${userId}`, async () => (await roleQuery(projectId, userId))[0]?.role)
  return {
    async roleOf(projectId: string, userId: string): Promise<Role | undefined> {
      return role(projectId, userId)
    },

    async isMember(projectId: string, userId: string): Promise<boolean> {
      return (await role(projectId, userId)) !== undefined
    },

    /** The caller's role in each of `projectIds` they belong to. */
    async rolesOf(userId: string, projectIds: string[]): Promise<Map<string, Role>> {
      if (projectIds.length === 0) return new Map()
      const rows = await db
        .selectFrom('project_members')
        .select(['project_id', 'role'])
        .where('user_id', '=', userId)
        .where('project_id', 'in', projectIds)
        .execute()
      return new Map(rows.map((r) => [r.project_id, r.role]))
    },

    async findMember(projectId: string, userId: string): Promise<Member | undefined> {
      const row = await db
        .selectFrom('project_members as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(memberColumns)
        .where('m.project_id', '=', projectId)
        .where('m.user_id', '=', userId)
        .executeTakeFirst()
      return row && toMember(row)
    },

    async listMembers(projectId: string, after: CursorPosition | undefined, limit: number): Promise<Page<Member>> {
      const query = db
        .selectFrom('project_members as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(memberColumns)
        .where('m.project_id', '=', projectId)
      const rows = await keyset(
        query,
        { key: 'm.joined_at', id: 'm.user_id', direction: 'asc' },
        after,
        limit,
      ).execute()
      const page = toPage(rows, limit, (r) => [r.joined_at, r.user_id])
      return { items: page.items.map(toMember), next: page.next }
    },

    /** Whether someone with this (normalized) email already belongs to the project. */
    async isMemberEmail(projectId: string, emailNormalized: string): Promise<boolean> {
      const row = await db
        .selectFrom('project_members as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select('m.user_id')
        .where('m.project_id', '=', projectId)
        .where('u.email_normalized', '=', emailNormalized)
        .executeTakeFirst()
      return row !== undefined
    },

    /** The members of `projectId` named by these user ids or (normalized) emails. */
    async membersNamed(projectId: string, userIds: string[], emails: string[]): Promise<string[]> {
      if (userIds.length === 0 && emails.length === 0) return []
      const rows = await db
        .selectFrom('project_members as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select('m.user_id')
        .where('m.project_id', '=', projectId)
        .where((eb) =>
          eb.or([
            ...(userIds.length ? [eb('m.user_id', 'in', userIds)] : []),
            ...(emails.length ? [eb('u.email_normalized', 'in', emails)] : []),
          ]),
        )
        .execute()
      return rows.map((r) => r.user_id)
    },

    /** Email addresses and ids of a project's owners. */
    owners(projectId: string): Promise<{ id: string; email: string }[]> {
      return db
        .selectFrom('project_members as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['u.id', 'u.email'])
        .where('m.project_id', '=', projectId)
        .where('m.role', '=', 'owner')
        .execute()
    },

    /** Everyone in the project, for telling each of them it is gone. */
    async memberIds(projectId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('project_members')
        .select('user_id')
        .where('project_id', '=', projectId)
        .execute()
      return rows.map((r) => r.user_id)
    },

    /**
     * Where each of `userIds` reads the change log from in each project they belong to: their role and the
     * seq their view starts after (`joined_after`, as text: 64-bit). For the event streams' in-memory view.
     */
    views(where: { userIds: string[] } | { projectId: string }): Promise<MemberView[]> {
      let q = db
        .selectFrom('project_members')
        .select(['project_id', 'user_id', 'role', sql<string>`cast(joined_after as text)`.as('joined_after')])
      if ('projectId' in where) q = q.where('project_id', '=', where.projectId)
      else if (where.userIds.length === 0) return Promise.resolve([])
      else q = q.where('user_id', 'in', where.userIds)
      return q.execute()
    },

    /** The projects `userId` belongs to. */
    async projectIdsOf(userId: string): Promise<string[]> {
      const rows = await db.selectFrom('project_members').select('project_id').where('user_id', '=', userId).execute()
      return rows.map((r) => r.project_id)
    },

    /** Projects whose only owner is `userId`, with how many other members each has. */
    async soleOwnedProjects(userId: string): Promise<{ projectId: string; otherMembers: number }[]> {
      const rows = await db
        .selectFrom('project_members as pm')
        .where('pm.user_id', '=', userId)
        .where('pm.role', '=', 'owner')
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('project_members as o')
                .select('o.user_id')
                .whereRef('o.project_id', '=', 'pm.project_id')
                .where('o.role', '=', 'owner')
                .where('o.user_id', '<>', userId),
            ),
          ),
        )
        .select((eb) => [
          'pm.project_id as projectId',
          eb
            .selectFrom('project_members as m')
            .select((inner) => inner.fn.countAll<number>().as('n'))
            .whereRef('m.project_id', '=', 'pm.project_id')
            .where('m.user_id', '<>', userId)
            .as('otherMembers'),
        ])
        .execute()
      return rows.map((r) => ({ projectId: r.projectId, otherMembers: Number(r.otherMembers ?? 0) }))
    },

    async countOwners(projectId: string): Promise<number> {
      const row = await db
        .selectFrom('project_members')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('project_id', '=', projectId)
        .where('role', '=', 'owner')
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },

    /** Adds a member; false when they already were one (an invitation accepted twice). */
    async addMember(member: Omit<ProjectMembersTable, 'joined_after'>): Promise<boolean> {
      assertTransaction(db)
      const inserted = await db
        .insertInto('project_members')
        .values(member)
        .onConflict((oc) => oc.columns(['project_id', 'user_id']).doNothing())
        .executeTakeFirst()
      return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1
    },

    async setRole(projectId: string, userId: string, role: Role): Promise<void> {
      assertTransaction(db)
      await db
        .updateTable('project_members')
        .set({ role })
        .where('project_id', '=', projectId)
        .where('user_id', '=', userId)
        .execute()
    },

    async removeMember(projectId: string, userId: string): Promise<void> {
      assertTransaction(db)
      await db.deleteFrom('project_members').where('project_id', '=', projectId).where('user_id', '=', userId).execute()
    },
  }
}

export type MembershipsRepository = ReturnType<typeof queries>

/** Memberships on `db`: `ctx.repositories.memberships` for reads, `tx.memberships` in a write. */
export function membershipsRepository(db: Kysely<Database>): MembershipsRepository {
  return queries(db)
}
