import { type Kysely, sql } from 'kysely'
import type { Dialect } from '../../db/database.js'
import { keyset, type Page, toPage } from '../../db/keyset.js'
import { prepared } from '../../db/prepared.js'
import type { Database, ProjectMembersTable, ProjectsTable } from '../../db/schema.js'
import { assertTransaction } from '../../db/transaction.js'
import type { Member, Project } from '../../generated/routes.js'

type Role = Member['role']

import type { CursorPosition } from '../../lib/cursor.js'

type ProjectRow = ProjectsTable & { role: Role }

const toProject = (row: ProjectRow): Project => ({
  id: row.id,
  name: row.name,
  description: row.description,
  role: row.role,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  version: row.version,
})

const toMember = (row: Omit<ProjectMembersTable, 'joined_after'> & { email: string }): Member => ({
  projectId: row.project_id,
  userId: row.user_id,
  email: row.email,
  role: row.role,
  joinedAt: row.joined_at,
})

/** Projects and their members: the only SQL for these two tables. */
function queries(db: Kysely<Database>, dialect: Dialect) {
  const projectColumns = [
    'p.id',
    'p.name',
    'p.description',
    'p.created_at',
    'p.updated_at',
    'p.version',
    'm.role',
  ] as const
  // Every project-scoped request authorizes through this lookup.
  const roleQuery = prepared(db, (db, projectId: string, userId: string) =>
    db.selectFrom('project_members').select('role').where('project_id', '=', projectId).where('user_id', '=', userId),
  )
  return {
    /**
     * Serialises changes to one project's membership (PostgreSQL row lock; SQLite runs one writer at a
     * time anyway), so two owners demoting each other cannot leave a project with none.
     */
    async lockProject(projectId: string): Promise<void> {
      assertTransaction(db)
      if (dialect === 'postgres') {
        await sql`select id from projects where id = ${projectId} for update`.execute(db)
      }
    },

    async insertProject(project: ProjectsTable, ownerId: string): Promise<Project> {
      assertTransaction(db)
      await db.insertInto('projects').values(project).execute()
      await db
        .insertInto('project_members')
        .values({ project_id: project.id, user_id: ownerId, role: 'owner', joined_at: project.created_at })
        .execute()
      return toProject({ ...project, role: 'owner' })
    },

    async findForUser(projectId: string, userId: string): Promise<Project | undefined> {
      const row = await db
        .selectFrom('projects as p')
        .innerJoin('project_members as m', (j) => j.onRef('m.project_id', '=', 'p.id').on('m.user_id', '=', userId))
        .select(projectColumns)
        .where('p.id', '=', projectId)
        .executeTakeFirst()
      return row && toProject(row)
    },

    async listForUser(userId: string, after: CursorPosition | undefined, limit: number): Promise<Page<Project>> {
      const query = db
        .selectFrom('project_members as m')
        .innerJoin('projects as p', 'p.id', 'm.project_id')
        .select(projectColumns)
        .where('m.user_id', '=', userId)
      const rows = await keyset(
        query,
        { key: 'm.project_id', id: 'm.project_id', direction: 'asc' },
        after,
        limit,
      ).execute()
      const page = toPage(rows, limit, (r) => [r.id, r.id])
      return { items: page.items.map(toProject), next: page.next }
    },

    /** Applies `patch` if the version is still `expectedVersion`; undefined when it moved on meanwhile. */
    async updateProject(
      projectId: string,
      expectedVersion: number,
      patch: Partial<Pick<ProjectsTable, 'name' | 'description'>>,
      now: string,
    ): Promise<boolean> {
      assertTransaction(db)
      const result = await db
        .updateTable('projects')
        .set({ ...patch, updated_at: now, version: sql`version + 1` })
        .where('id', '=', projectId)
        .where('version', '=', expectedVersion)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async deleteProject(projectId: string, expectedVersion?: number): Promise<boolean> {
      assertTransaction(db)
      let q = db.deleteFrom('projects').where('id', '=', projectId)
      if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion)
      const result = await q.executeTakeFirst()
      return Number(result.numDeletedRows) === 1
    },

    async roleOf(projectId: string, userId: string): Promise<Role | undefined> {
      return (await roleQuery(projectId, userId))[0]?.role
    },

    async findMember(projectId: string, userId: string): Promise<Member | undefined> {
      const row = await db
        .selectFrom('project_members as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['m.project_id', 'm.user_id', 'm.role', 'm.joined_at', 'u.email'])
        .where('m.project_id', '=', projectId)
        .where('m.user_id', '=', userId)
        .executeTakeFirst()
      return row && toMember(row)
    },

    async listMembers(projectId: string, after: CursorPosition | undefined, limit: number): Promise<Page<Member>> {
      const query = db
        .selectFrom('project_members as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['m.project_id', 'm.user_id', 'm.role', 'm.joined_at', 'u.email'])
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

    async addMember(member: Omit<ProjectMembersTable, 'joined_after'>): Promise<void> {
      assertTransaction(db)
      await db.insertInto('project_members').values(member).execute()
    },

    /**
     * Revokes the pending invitations `userId` sent in the project: someone who is no longer an owner
     * must not keep a way back in (an owner invitation to another address of theirs). Answers the revoked ids.
     */
    async revokeInvitationsFrom(projectId: string, userId: string, now: string): Promise<string[]> {
      assertTransaction(db)
      const pending = await db
        .selectFrom('invitations')
        .select('id')
        .where('project_id', '=', projectId)
        .where('invited_by', '=', userId)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .execute()
      const ids = pending.map((row) => row.id)
      if (ids.length > 0) await db.updateTable('invitations').set({ revoked_at: now }).where('id', 'in', ids).execute()
      return ids
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

    /** Everyone in the project, for telling each of them it is gone. */
    async memberIds(projectId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('project_members')
        .select('user_id')
        .where('project_id', '=', projectId)
        .execute()
      return rows.map((r) => r.user_id)
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
  }
}

export type ProjectsRepository = ReturnType<typeof queries>

/** Projects on `db`: the root connection for reads (`ctx.repositories.projects`), a write's transaction (`tx.projects`) for writes. */
export function projectsRepository(db: Kysely<Database>, dialect: Dialect): ProjectsRepository {
  return queries(db, dialect)
}
