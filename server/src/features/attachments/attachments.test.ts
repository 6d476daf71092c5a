import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Attachment, ProjectStorage } from '../../generated/routes.js'
import { createTestApp } from '../../test/app.js'
import { addMember, createComment, createNote, createProject, createTask, jsonRequest } from '../../test/projects.js'
import { signUpUser } from '../../test/users.js'
import { createLinkSigner } from './download.js'
import { tinyPng } from './test-files.js'
import { rowCount, storedKeys, upload, uploaded } from './test-support.js'

async function setup(env: Record<string, string> = {}) {
  const t = await createTestApp(env)
  const alice = await signUpUser(t)
  const project = await createProject(t, alice.authHeaders)
  return { t, alice, project }
}

const sha = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex')

describe('uploading and downloading', () => {
  it('stores a multipart upload attached to a task, with the type read from its bytes', async () => {
    const { t, alice, project } = await setup()
    const task = await createTask(t, alice.authHeaders, project.id)
    const png = await tinyPng()
    const res = await upload(
      t,
      alice.authHeaders,
      project.id,
      { name: 'shot.png', type: 'text/plain', bytes: png },
      {
        taskId: task.id,
      },
    )
    expect(res.status).toBe(201)
    const attachment = (await res.json()) as Attachment
    expect(attachment).toMatchObject({
      projectId: project.id,
      taskId: task.id,
      noteId: null,
      commentId: null,
      filename: 'shot.png',
      contentType: 'image/png',
      claimedContentType: 'text/plain',
      size: png.length,
      sha256: sha(png),
      thumbnails: true,
      createdBy: alice.user.id,
      version: 1,
    })
    expect(res.headers.get('location')).toBe(`/v1/attachments/${attachment.id}`)

    const got = await t.request(`/v1/attachments/${attachment.id}`, { headers: alice.authHeaders })
    expect(await got.json()).toEqual(attachment)
    const list = await t.request(`/v1/projects/${project.id}/attachments?taskId=${task.id}`, {
      headers: alice.authHeaders,
    })
    expect(((await list.json()) as { data: Attachment[] }).data.map((a) => a.id)).toEqual([attachment.id])
    const none = await t.request(`/v1/projects/${project.id}/attachments?noteId=not_01JD8X3Z7Q2W6V5T4R3P1N0M9K`, {
      headers: alice.authHeaders,
    })
    expect(((await none.json()) as { data: Attachment[] }).data).toEqual([])

    const download = await t.request(`/v1/attachments/${attachment.id}/content`, { headers: alice.authHeaders })
    expect(download.status).toBe(200)
    expect(Buffer.from(await download.arrayBuffer())).toEqual(png)
    expect(Object.fromEntries(download.headers)).toMatchObject({
      'content-type': 'image/png',
      'content-disposition': `inline; filename="shot.png"; filename*=UTF-8''shot.png`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "sandbox; default-src 'none'",
      etag: `"${sha(png)}"`,
      'content-length': String(png.length),
    })
    const usage = await t.request(`/v1/projects/${project.id}/storage`, { headers: alice.authHeaders })
    expect((await usage.json()) as ProjectStorage).toMatchObject({ usedBytes: png.length, fileCount: 1 })
  })

  it('stores a raw body with its name in the query, keeping the claimed type apart', async () => {
    const { t, alice, project } = await setup()
    const note = await createNote(t, alice.authHeaders, project.id)
    const text = 'plain words, claimed to be a PDF'
    const res = await t.request(
      `/v1/projects/${project.id}/attachments?filename=${encodeURIComponent('Résumé "v2".txt')}&noteId=${note.id}&sha256=${sha(text)}`,
      { method: 'POST', headers: { ...alice.authHeaders, 'content-type': 'application/pdf' }, body: text },
    )
    const attachment = await uploaded(res)
    expect(attachment).toMatchObject({
      noteId: note.id,
      filename: 'Résumé "v2".txt',
      contentType: 'text/plain',
      claimedContentType: 'application/pdf',
      size: text.length,
    })
    const download = await t.request(`/v1/attachments/${attachment.id}/content`, { headers: alice.authHeaders })
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="R_sum_ _v2_.txt"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22v2%22.txt`,
    )
    expect(await download.text()).toBe(text)
  })

  it('serves ranges, 416 past the end, 304 for the current ETag and HEAD without a body', async () => {
    const { t, alice, project } = await setup()
    const attachment = await uploaded(await upload(t, alice.authHeaders, project.id, { bytes: '0123456789' }))
    const url = `/v1/attachments/${attachment.id}/content`
    const get = (headers: Record<string, string>, method = 'GET') =>
      t.request(url, { method, headers: { ...alice.authHeaders, ...headers } })

    const part = await get({ range: 'bytes=2-5' })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe('bytes 2-5/10')
    expect(await part.text()).toBe('2345')
    const suffix = await get({ range: 'bytes=-3' })
    expect([suffix.status, await suffix.text()]).toEqual([206, '789'])
    const open = await get({ range: 'bytes=7-' })
    expect([open.status, await open.text()]).toEqual([206, '789'])
    const beyond = await get({ range: 'bytes=10-' })
    expect(beyond.status).toBe(416)
    expect(beyond.headers.get('content-range')).toBe('bytes */10')
    expect(((await beyond.json()) as { code: string }).code).toBe('range_not_satisfiable')
    const several = await get({ range: 'bytes=0-1,3-4' })
    expect([several.status, await several.text()]).toEqual([200, '0123456789'])
    const stale = await get({ range: 'bytes=0-1', 'if-range': '"0000"' })
    expect([stale.status, await stale.text()]).toEqual([200, '0123456789'])
    const fresh = await get({ range: 'bytes=0-1', 'if-range': `"${attachment.sha256}"` })
    expect([fresh.status, await fresh.text()]).toEqual([206, '01'])
    const unchanged = await get({ 'if-none-match': `"${attachment.sha256}"` })
    expect(unchanged.status).toBe(304)
    const head = await get({}, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe('10')
    expect(await head.text()).toBe('')
  })

  it('serves HTML and SVG uploads as attachments in a sandbox, so their script cannot run', async () => {
    const { t, alice, project } = await setup()
    for (const [name, bytes, type] of [
      ['page.html', '<!doctype html><script>alert(document.cookie)</script>', 'text/html'],
      [
        'logo.svg',
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
        'image/svg+xml',
      ],
    ] as const) {
      const attachment = await uploaded(
        await upload(t, alice.authHeaders, project.id, { name, type: 'image/png', bytes }),
      )
      expect(attachment.contentType).toBe(type)
      expect(attachment.thumbnails).toBe(false)
      const res = await t.request(`/v1/attachments/${attachment.id}/content`, { headers: alice.authHeaders })
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; /)
      expect(res.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'")
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    }
  })

  it('renames and re-attaches a file, and deletes it with its bytes', async () => {
    const { t, alice, project } = await setup()
    const task = await createTask(t, alice.authHeaders, project.id)
    const comment = await createComment(t, alice.authHeaders, task.id)
    const attachment = await uploaded(await upload(t, alice.authHeaders, project.id, { bytes: 'hello' }))
    const patched = await jsonRequest(t, 'PATCH', `/v1/attachments/${attachment.id}`, alice.authHeaders, {
      filename: 'greeting.txt',
      commentId: comment.id,
    })
    expect(await patched.json()).toMatchObject({ filename: 'greeting.txt', commentId: comment.id, version: 2 })
    const both = await jsonRequest(t, 'PATCH', `/v1/attachments/${attachment.id}`, alice.authHeaders, {
      taskId: task.id,
      noteId: 'not_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
    })
    expect([both.status, ((await both.json()) as { code: string }).code]).toEqual([400, 'invalid_target'])
    const foreign = await jsonRequest(t, 'PATCH', `/v1/attachments/${attachment.id}`, alice.authHeaders, {
      taskId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
    })
    expect(foreign.status).toBe(404)

    expect(await storedKeys(t)).toEqual([`att/${attachment.id}`])
    const deleted = await t.request(`/v1/attachments/${attachment.id}`, {
      method: 'DELETE',
      headers: alice.authHeaders,
    })
    expect(deleted.status).toBe(204)
    await t.ctx.attachmentJanitor.drain()
    expect(await storedKeys(t)).toEqual([])
    expect(await rowCount(t)).toBe(0)
    const usage = await t.request(`/v1/projects/${project.id}/storage`, { headers: alice.authHeaders })
    expect(await usage.json()).toMatchObject({ usedBytes: 0, fileCount: 0 })
  })

  it('removes the files of a deleted task, note, comment and project, each recorded as attachment.deleted', async () => {
    const { t, alice, project } = await setup()
    const task = await createTask(t, alice.authHeaders, project.id)
    const note = await createNote(t, alice.authHeaders, project.id)
    const comment = await createComment(t, alice.authHeaders, task.id)
    const onTask = await uploaded(await upload(t, alice.authHeaders, project.id, { bytes: 'a' }, { taskId: task.id }))
    const onNote = await uploaded(await upload(t, alice.authHeaders, project.id, { bytes: 'b' }, { noteId: note.id }))
    const onComment = await uploaded(
      await upload(t, alice.authHeaders, project.id, { bytes: 'c' }, { commentId: comment.id }),
    )
    const loose = await uploaded(await upload(t, alice.authHeaders, project.id, { bytes: 'd' }))

    await t.request(`/v1/notes/${note.id}`, { method: 'DELETE', headers: alice.authHeaders })
    await t.request(`/v1/tasks/${task.id}`, { method: 'DELETE', headers: alice.authHeaders })
    await t.ctx.attachmentJanitor.drain()
    expect(await storedKeys(t)).toEqual([`att/${loose.id}`])

    const changes = await t.request('/v1/changes?since=0&limit=100', { headers: alice.authHeaders })
    const deletions = ((await changes.json()) as { data: { type: string; resourceId: string }[] }).data
      .filter((c) => c.type === 'attachment.deleted')
      .map((c) => c.resourceId)
    expect(deletions.sort()).toEqual([onTask.id, onNote.id, onComment.id].sort())

    await t.request(`/v1/projects/${project.id}`, { method: 'DELETE', headers: alice.authHeaders })
    await t.ctx.attachmentJanitor.drain()
    expect(await storedKeys(t)).toEqual([])
    expect(await rowCount(t)).toBe(0)
  })
})

describe('who may do what', () => {
  it('lets the uploader or a project owner delete a file, and no other editor', async () => {
    const { t, alice, project } = await setup()
    const bob = await signUpUser(t)
    const carol = await signUpUser(t)
    await addMember(t, project.id, bob.user.id, 'editor')
    await addMember(t, project.id, carol.user.id, 'editor')
    const bobs = await uploaded(await upload(t, bob.authHeaders, project.id, { bytes: 'bob' }))
    const del = (who: { authHeaders: Record<string, string> }, id: string) =>
      t.request(`/v1/attachments/${id}`, { method: 'DELETE', headers: who.authHeaders })
    expect((await del(carol, bobs.id)).status).toBe(403)
    expect((await del(alice, bobs.id)).status).toBe(204)
    const again = await uploaded(await upload(t, bob.authHeaders, project.id, { bytes: 'bob' }))
    expect((await del(bob, again.id)).status).toBe(204)
  })
})

describe('signed links', () => {
  it('serve the file without credentials until the user loses access', async () => {
    const { t, alice, project } = await setup()
    const bob = await signUpUser(t)
    await addMember(t, project.id, bob.user.id, 'viewer')
    const png = await tinyPng()
    const attachment = await uploaded(await upload(t, alice.authHeaders, project.id, { name: 'a.png', bytes: png }))
    const linkRes = await t.request(`/v1/attachments/${attachment.id}/link`, { headers: bob.authHeaders })
    expect(linkRes.headers.get('cache-control')).toBe('no-store')
    const { url } = (await linkRes.json()) as { url: string }
    const viaLink = await t.request(url)
    expect(viaLink.status).toBe(200)
    expect(Buffer.from(await viaLink.arrayBuffer())).toEqual(png)
    expect(viaLink.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/)
    const thumbLink = await t.request(`/v1/attachments/${attachment.id}/link?thumbnail=64`, {
      headers: bob.authHeaders,
    })
    const thumb = await t.request(((await thumbLink.json()) as { url: string }).url)
    expect([thumb.status, thumb.headers.get('content-type')]).toEqual([200, 'image/webp'])

    await t.request(`/v1/projects/${project.id}/members/${bob.user.id}`, {
      method: 'DELETE',
      headers: alice.authHeaders,
    })
    expect((await t.request(url)).status).toBe(404)
  })

  it('refuse a link that is altered or expired', async () => {
    const { t, alice, project } = await setup()
    const attachment = await uploaded(await upload(t, alice.authHeaders, project.id, { bytes: 'x' }))
    const signer = createLinkSigner(t.ctx.secrets.key('attachment-links'))
    const expired = signer.sign({
      attachmentId: attachment.id,
      userId: alice.user.id,
      variant: 'original',
      expires: Math.floor(Date.now() / 1000) - 1,
    })
    expect((await t.request(`/v1/files/${expired}`)).status).toBe(404)
    const forged = createLinkSigner(new Uint8Array(32)).sign({
      attachmentId: attachment.id,
      userId: alice.user.id,
      variant: 'original',
      expires: Math.floor(Date.now() / 1000) + 60,
    })
    expect((await t.request(`/v1/files/${forged}`)).status).toBe(404)
  })
})

describe('thumbnails', () => {
  it('are made once, cached in the store, and answer 304 for their ETag', async () => {
    const { t, alice, project } = await setup()
    const attachment = await uploaded(
      await upload(t, alice.authHeaders, project.id, { name: 'big.png', bytes: await tinyPng(600, 300) }),
    )
    const res = await t.request(`/v1/attachments/${attachment.id}/thumbnails/256`, { headers: alice.authHeaders })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/webp')
    const sharp = (await import('sharp')).default
    expect(await sharp(Buffer.from(await res.arrayBuffer())).metadata()).toMatchObject({ width: 256, height: 128 })
    expect(await storedKeys(t)).toEqual([`att/${attachment.id}`, `thumb/${attachment.id}/256.webp`])
    const again = await t.request(`/v1/attachments/${attachment.id}/thumbnails/256`, {
      headers: { ...alice.authHeaders, 'if-none-match': res.headers.get('etag') as string },
    })
    expect(again.status).toBe(304)
  })

  it('answer 422 for a file that is not an image', async () => {
    const { t, alice, project } = await setup()
    const attachment = await uploaded(await upload(t, alice.authHeaders, project.id, { bytes: 'text' }))
    const res = await t.request(`/v1/attachments/${attachment.id}/thumbnails/64`, { headers: alice.authHeaders })
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([422, 'not_an_image'])
  })
})
