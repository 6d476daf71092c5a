import { type Migration, PostgresAdapter, sql } from 'kysely'
import type { MigrationDb } from './migration-db.js'

const isPostgres = (db: MigrationDb) => db.getExecutor().adapter instanceof PostgresAdapter

// Projects and what lives in them. Timestamps are RFC 3339 text (see schema.ts). Every list is served by
// an index that starts with its parent and ends with `(sort column, id)`, so keyset pages seek instead of
// scanning. A user's memberships, comments and invitations go with the user (ON DELETE CASCADE); tasks and
// notes they created stay with the project.
export const projects: Migration = {
  async up(db: MigrationDb) {
    const pg = isPostgres(db)
    await db.schema
      .createTable('projects')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('project_members')
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('joined_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'user_id'])
      .execute()
    await db.schema
      .createIndex('project_members_user')
      .on('project_members')
      .columns(['user_id', 'project_id'])
      .execute()
    await db.schema
      .createIndex('project_members_joined')
      .on('project_members')
      .columns(['project_id', 'joined_at', 'user_id'])
      .execute()

    await db.schema
      .createTable('invitations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('invited_by', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('accepted_at', 'text')
      .addColumn('revoked_at', 'text')
      .execute()
    await db.schema.createIndex('invitations_project').on('invitations').columns(['project_id', 'id']).execute()
    await db.schema.createIndex('invitations_email').on('invitations').columns(['email', 'created_at']).execute()

    // SQLite: an INTEGER PRIMARY KEY alias (`seq`) gives the full-text index a rowid that VACUUM never
    // renumbers; the public id stays the text ULID.
    let tasks = db.schema.createTable('tasks')
    tasks = pg
      ? tasks.addColumn('id', 'text', (c) => c.primaryKey())
      : tasks.addColumn('seq', 'integer', (c) => c.primaryKey()).addColumn('id', 'text', (c) => c.notNull().unique())
    await tasks
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('due_at', 'text')
      .addColumn('labels', 'text', (c) => c.notNull())
      .addColumn('assignee_id', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('position', pg ? 'double precision' : 'real', (c) => c.notNull())
      .addColumn('completed_at', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .$call((b) => (pg ? b.addColumn('search_vector', sql`tsvector`, (c) => c.notNull()) : b))
      .execute()
    for (const column of ['created_at', 'updated_at', 'due_at', 'priority', 'position']) {
      await db.schema.createIndex(`tasks_by_${column}`).on('tasks').columns(['project_id', column, 'id']).execute()
    }
    await db.schema.createIndex('tasks_by_assignee').on('tasks').columns(['project_id', 'assignee_id', 'id']).execute()

    await db.schema
      .createTable('task_labels')
      .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('task_labels_pk', ['task_id', 'label'])
      .execute()
    await db.schema
      .createIndex('task_labels_by_label')
      .on('task_labels')
      .columns(['project_id', 'label', 'task_id'])
      .execute()

    let notes = db.schema.createTable('notes')
    notes = pg
      ? notes.addColumn('id', 'text', (c) => c.primaryKey())
      : notes.addColumn('seq', 'integer', (c) => c.primaryKey()).addColumn('id', 'text', (c) => c.notNull().unique())
    await notes
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .$call((b) => (pg ? b.addColumn('search_vector', sql`tsvector`, (c) => c.notNull()) : b))
      .execute()
    for (const column of ['created_at', 'updated_at']) {
      await db.schema.createIndex(`notes_by_${column}`).on('notes').columns(['project_id', column, 'id']).execute()
    }

    await db.schema
      .createTable('comments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('author_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('comments_by_task').on('comments').columns(['task_id', 'id']).execute()

    if (pg) {
      await sql`create index tasks_search on tasks using gin (search_vector)`.execute(db)
      await sql`create index notes_search on notes using gin (search_vector)`.execute(db)
    } else {
      // Case and diacritics are folded by the tokenizer itself; title and body are weighted at query time.
      for (const [table, body] of [
        ['tasks', 'description'],
        ['notes', 'body'],
      ] as const) {
        const fts = `${table}_fts`
        await sql
          .raw(
            `create virtual table ${fts} using fts5(title, ${body}, content='${table}', content_rowid='seq', tokenize='unicode61 remove_diacritics 2')`,
          )
          .execute(db)
        await sql
          .raw(
            `create trigger ${table}_fts_insert after insert on ${table} begin
               insert into ${fts}(rowid, title, ${body}) values (new.seq, new.title, coalesce(new.${body}, ''));
             end`,
          )
          .execute(db)
        await sql
          .raw(
            `create trigger ${table}_fts_delete after delete on ${table} begin
               insert into ${fts}(${fts}, rowid, title, ${body}) values ('delete', old.seq, old.title, coalesce(old.${body}, ''));
             end`,
          )
          .execute(db)
        await sql
          .raw(
            `create trigger ${table}_fts_update after update of title, ${body} on ${table} begin
               insert into ${fts}(${fts}, rowid, title, ${body}) values ('delete', old.seq, old.title, coalesce(old.${body}, ''));
               insert into ${fts}(rowid, title, ${body}) values (new.seq, new.title, coalesce(new.${body}, ''));
             end`,
          )
          .execute(db)
      }
    }
  },
  async down(db: MigrationDb) {
    for (const table of ['tasks_fts', 'notes_fts']) await sql.raw(`drop table if exists ${table}`).execute(db)
    for (const table of ['comments', 'notes', 'task_labels', 'tasks', 'invitations', 'project_members', 'projects']) {
      await db.schema.dropTable(table).execute()
    }
  },
}
