import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import type { RunningCli } from './cli.js'

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** A JSON request to a running server; answers the status and the parsed body. */
export async function api(server: RunningCli, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> }
}

export const PASSWORD = 'a long enough test passphrase'

/** Signs a user up on `server` and creates a project; answers the access token and the project id. */
export async function userWithProject(server: RunningCli, email: string) {
  const signUp = await api(server, 'POST', '/v1/auth/signup', undefined, { email, password: PASSWORD, name: 'Files' })
  if (signUp.status !== 201) throw new Error(`signup answered ${signUp.status}`)
  const token = String(signUp.body.accessToken)
  const project = await api(server, 'POST', '/v1/projects', token, { name: 'Files' })
  return { token, projectId: String(project.body.id) }
}

/** Uploads `bytes` as a raw body; answers the response (the caller checks its status). */
export function uploadRaw(
  server: RunningCli,
  token: string,
  projectId: string,
  bytes: Uint8Array<ArrayBuffer>,
  init: { signal?: AbortSignal } = {},
) {
  return fetch(`${server.url}/v1/projects/${projectId}/attachments?filename=blob.bin`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: bytes,
    signal: init.signal,
  })
}

export interface StoredRow {
  id: string
  key: string
  size: number
  sha256: string
}

/** The attachment rows of the SQLite database in `dir` (a data directory, or a backup laid out the same way). */
export function rowsInSqlite(dir: string): StoredRow[] {
  const db = new SqliteDatabase(join(dir, 'tasklane.db'), { readonly: true, fileMustExist: true })
  try {
    return toStoredRows(db.prepare('select id, storage_key, size, sha256 from attachments order by id').all())
  } finally {
    db.close()
  }
}

export function toStoredRows(rows: unknown[]): StoredRow[] {
  return (rows as { id: string; storage_key: string; size: number | string; sha256: string }[]).map((r) => ({
    id: r.id,
    key: r.storage_key,
    size: Number(r.size),
    sha256: r.sha256,
  }))
}

/** The keys of the attachment files under `dir`/files/objects/att, read straight from disk. */
export function filesIn(dir: string): string[] {
  const root = join(dir, 'files', 'objects')
  const att = join(root, 'att')
  if (!existsSync(att)) return []
  return readdirSync(att, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort()
}

/** What a data directory or a backup holds: the attachment rows of its database and its attachment files. */
export function storeContents(dir: string): { rows: StoredRow[]; files: string[] } {
  return { rows: rowsInSqlite(dir), files: filesIn(dir) }
}

/** Rows whose file is missing or differs from what the row records (size or SHA-256). */
export function rowsWithoutTheirBytes(dir: string, rows: StoredRow[]): string[] {
  return rows
    .filter((row) => {
      const path = join(dir, 'files', 'objects', ...row.key.split('/'))
      if (!existsSync(path)) return true
      const bytes = readFileSync(path)
      return bytes.length !== row.size || sha256(bytes) !== row.sha256
    })
    .map((row) => row.id)
}
