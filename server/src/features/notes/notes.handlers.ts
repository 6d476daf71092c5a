import { etagOf, isNotModified } from '../../core/etag.js'
import type { Note, operations } from '../../generated/routes.js'
import { requireAuth } from '../../http/auth.js'
import type { AppRouteHandler } from '../../http/env.js'
import { setNextLink } from '../../http/pagination.js'
import { answersWith } from '../../idempotency/idempotency.js'
import type { Services } from '../services.js'

type Routes = typeof operations

export function notesHandlers({ notes }: Services) {
  const listNotes: AppRouteHandler<Routes['listNotes']> = async (c) => {
    const { limit = 20, ...query } = c.req.valid('query')
    const page = await notes.list(requireAuth(c, 'read'), c.req.valid('param').projectId, { limit, ...query })
    setNextLink(c, page.nextCursor)
    return c.json(page, 200)
  }

  const createNote: AppRouteHandler<Routes['createNote']> = async (c) => {
    const respond = answersWith(c, (note: Note) =>
      c.json(note, 201, { Location: `/v1/notes/${note.id}`, ETag: etagOf(note.version) }),
    )
    return respond(await notes.create(requireAuth(c, 'write'), c.req.valid('param').projectId, c.req.valid('json')))
  }

  const getNote: AppRouteHandler<Routes['getNote']> = async (c) => {
    const note = await notes.get(requireAuth(c, 'read'), c.req.valid('param').noteId)
    const etag = etagOf(note.version)
    if (isNotModified(c.req.valid('header')['If-None-Match'], note.version)) return c.body(null, 304, { ETag: etag })
    return c.json(note, 200, { ETag: etag })
  }

  const updateNote: AppRouteHandler<Routes['updateNote']> = async (c) => {
    const ifMatch = c.req.valid('header')['If-Match']
    const note = await notes.update(requireAuth(c, 'write'), c.req.valid('param').noteId, c.req.valid('json'), ifMatch)
    return c.json(note, 200, { ETag: etagOf(note.version) })
  }

  const deleteNote: AppRouteHandler<Routes['deleteNote']> = async (c) => {
    await notes.remove(requireAuth(c, 'write'), c.req.valid('param').noteId, c.req.valid('header')['If-Match'])
    return c.body(null, 204)
  }

  return { listNotes, createNote, getNote, updateNote, deleteNote }
}
