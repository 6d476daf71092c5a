import { type Kysely, sql } from 'kysely'
import type { Dialect } from '../../db/database.js'
import { keyset, type Page, toPage } from '../../db/keyset.js'
import type { Database, ProjectsTable } from '../../db/schema.js'
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

/** Projects: the only SQL for the projects table (members: db/memberships.repository.ts). */
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

    /** Inserts a project; its creator is made its owner through the memberships repository. */
    async insertProject(project: ProjectsTable): Promise<Project> {
      assertTransaction(db)
      await db.insertInto('projects').values(project).execute()
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
  }
}

export type ProjectsRepository = ReturnType<typeof queries>

/** Projects on `db`: the root connection for reads (`ctx.repositories.projects`), a write's transaction (`tx.projects`) for writes. */
export function projectsRepository(db: Kysely<Database>, dialect: Dialect): ProjectsRepository {
  return queries(db, dialect)
}
