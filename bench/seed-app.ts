// What the benchmarks set up in the app before they measure it: a user and their project, signed up and
// created through the API, and the project's tasks, seeded straight through SQL in large transactions (the
// API path is what is measured, not the seeding). Shared, so every benchmark that seeds measures the same data.
import { sql } from 'kysely'
import type { App } from '../server/src/app.js'
import type { AppContext } from '../server/src/context.js'
import { indexForSearch, projectLexeme, rememberWords } from '../server/src/db/search.js'
import { newId } from '../server/src/lib/ids.js'
import { foldForSearch } from '../server/src/lib/search.js'
import { random, words } from './seed-words.js'

/** A request to `app` with a JSON body, if any; answers the JSON answer, and throws on any status from 300. */
export const callJson = async (
  app: App,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
) => {
  const res = await app.request(path, {
    method,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${await res.text()}`)
  return res.json()
}

/** Signs the benchmark's user up and creates their project named `projectName`. */
export async function signUpWithProject(app: App, projectName: string) {
  const signup = await callJson(
    app,
    'POST',
    '/v1/auth/signup',
    {},
    { email: 'bench@example.com', password: 'bench passphrase long enough', name: 'Bench' },
  )
  const auth = { Authorization: `Bearer ${signup.accessToken}` }
  const project = await callJson(app, 'POST', '/v1/projects', auth, { name: projectName })
  return { signup, auth, project }
}

const base = Date.parse('2026-01-01T00:00:00.000Z')

/**
 * `count` tasks of Zipf-drawn words (seed-words.ts) in the project, created by `userId`, with the search
 * vector and vocabulary the tasks repository keeps for them.
 */
export async function seedTasks(ctx: AppContext, projectId: string, userId: string, count: number) {
  for (let offset = 0; offset < count; offset += 500) {
    const rows = []
    for (let i = offset; i < Math.min(count, offset + 500); i++) {
      const at = new Date(base + i * 1000).toISOString()
      rows.push({
        id: newId('tsk'),
        project_id: projectId,
        title: words(3 + Math.floor(random() * 5)),
        description: `${words(8 + Math.floor(random() * 17))}.`,
        status: i % 3 === 0 ? 'todo' : i % 3 === 1 ? 'in_progress' : 'done',
        priority: i % 4,
        due_at: i % 5 === 0 ? null : new Date(base + (i % 365) * 86_400_000).toISOString(),
        labels: '[]',
        assignee_id: null,
        position: i + 1,
        completed_at: null,
        created_by: userId,
        created_at: at,
        updated_at: at,
        version: 1,
      })
    }
    await ctx.db.kysely.transaction().execute(async (trx) => {
      if (ctx.db.dialect === 'postgres') {
        // The search vector as the tasks repository writes it.
        const vector = (r: (typeof rows)[number]) =>
          sql`setweight(to_tsvector('simple', ${foldForSearch(r.title)}), 'A') || setweight(to_tsvector('simple', ${foldForSearch(r.description)}), 'B') || array_to_tsvector(array[${projectLexeme(r.project_id)}])`
        await trx
          .insertInto('tasks')
          .values(rows.map((r) => ({ ...r, search_vector: vector(r) })))
          .execute()
      } else {
        // Each row's words into the full-text index, under its seq, as the tasks repository puts them.
        for (const r of rows) {
          const { insertId } = await trx.insertInto('tasks').values(r).executeTakeFirst()
          await indexForSearch(trx, 'tasks', insertId, {
            projectId: r.project_id,
            title: r.title,
            body: r.description,
          })
        }
      }
      // The vocabulary long search words are completed from, as the tasks repository keeps it.
      await rememberWords(trx, ctx.db.dialect, ...rows.flatMap((r) => [r.title, r.description]))
    })
  }
}
