import { describe, expect, it } from 'vitest'
import type { Note, NoteList } from '../../generated/routes.js'
import { createTestApp } from '../../test/app.js'
import { present } from '../../test/present.js'
import { createNote, createProject, jsonRequest } from '../../test/projects.js'
import { signUpUser } from '../../test/users.js'

async function setup() {
  const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
  const alice = await signUpUser(t)
  const project = await createProject(t, alice.authHeaders)
  return { t, h: alice.authHeaders, project }
}

describe('notes', () => {
  it('creates, reads with ETag/304, updates with If-Match and deletes', async () => {
    const { t, h, project } = await setup()
    const note = await createNote(t, h, project.id, { title: 'Plan', body: '# Plan' })
    expect(note).toMatchObject({ title: 'Plan', body: '# Plan', version: 1, projectId: project.id })
    const path = `/v1/notes/${note.id}`
    expect((await jsonRequest(t, 'GET', path, { ...h, 'If-None-Match': '"1"' })).status).toBe(304)
    const updated = await jsonRequest(t, 'PATCH', path, { ...h, 'If-Match': '"1"' }, { body: '# Plan v2' })
    expect(updated.headers.get('etag')).toBe('"2"')
    expect(((await updated.json()) as Note).title).toBe('Plan')
    const stale = await jsonRequest(t, 'PATCH', path, { ...h, 'If-Match': '"1"' }, { title: 'x' })
    expect(stale.status).toBe(412)
    expect(stale.headers.get('etag')).toBe('"2"')
    expect((await jsonRequest(t, 'PATCH', path, h, { body: 'x', extra: 1 })).status).toBe(400)
    expect((await jsonRequest(t, 'DELETE', path, h)).status).toBe(204)
    expect((await jsonRequest(t, 'GET', path, h)).status).toBe(404)
  })

  it('applies 20 concurrent updates without If-Match, every one: last write wins, never 412', async () => {
    const { t, h, project } = await setup()
    const note = await createNote(t, h, project.id)
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => jsonRequest(t, 'PATCH', `/v1/notes/${note.id}`, h, { body: `body ${i}` })),
    )
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200))
    const final = (await (await jsonRequest(t, 'GET', `/v1/notes/${note.id}`, h)).json()) as Note
    expect(final.version).toBe(1 + 20)
    // The last write won: the stored body is the one of the update that answered the highest version.
    const bodies = await Promise.all(results.map(async (r) => (await r.json()) as Note))
    expect(final.body).toBe(bodies.find((n) => n.version === 21)?.body)
  })

  it('searches title and body with case and diacritics folded, ranking title matches first', async () => {
    const { t, h, project } = await setup()
    const inBody = await createNote(t, h, project.id, { title: 'Trip', body: 'We meet in Zürich at the café' })
    const inTitle = await createNote(t, h, project.id, { title: 'ZURICH hotels', body: 'list' })
    await createNote(t, h, project.id, { title: 'Other', body: 'nothing' })
    const search = async (q: string) =>
      (
        (await (
          await jsonRequest(t, 'GET', `/v1/projects/${project.id}/notes?q=${encodeURIComponent(q)}`, h)
        ).json()) as NoteList
      ).data.map((n) => n.id)
    expect(await search('zurich')).toEqual([inTitle.id, inBody.id])
    expect(await search('CAFÉ')).toEqual([inBody.id])
    expect(await search('cafe zur')).toEqual([inBody.id])
    expect(await search('nope')).toEqual([])
  })

  it('sorts by creation or update time in both directions across pages', async () => {
    const { t, h, project } = await setup()
    const notes = []
    for (let i = 0; i < 5; i++) notes.push(await createNote(t, h, project.id, { title: `n${i}` }))
    await jsonRequest(t, 'PATCH', `/v1/notes/${present(notes[0], 'the first note').id}`, h, { body: 'touched' })
    const order = async (sort: string) => {
      const seen: string[] = []
      let path = `/v1/projects/${project.id}/notes?limit=2&sort=${sort}`
      for (;;) {
        const page = (await (await jsonRequest(t, 'GET', path, h)).json()) as NoteList
        seen.push(...page.data.map((n) => n.title))
        if (!page.nextCursor) return seen
        path = `/v1/projects/${project.id}/notes?limit=2&sort=${sort}&cursor=${page.nextCursor}`
      }
    }
    expect(await order('createdAt')).toEqual(['n0', 'n1', 'n2', 'n3', 'n4'])
    expect(await order('-createdAt')).toEqual(['n4', 'n3', 'n2', 'n1', 'n0'])
    expect(await order('updatedAt')).toEqual(['n1', 'n2', 'n3', 'n4', 'n0'])
    expect(await order('-updatedAt')).toEqual(['n0', 'n4', 'n3', 'n2', 'n1'])
  })
})
