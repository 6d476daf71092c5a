import { sql } from 'kysely'
import type { Queryable } from '../../db/database.js'
import { keyset, type Page, toPage } from '../../db/keyset.js'
import { compiledOnce } from '../../db/prepared.js'
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from '../../db/schema.js'
import { assertTransaction } from '../../db/transaction.js'
import type { WebhookDelivery, WebhookEndpoint } from '../../generated/routes.js'
import type { CursorPosition } from '../../lib/cursor.js'

export type EndpointRow = WebhookEndpointsTable
export type DeliveryRow = WebhookDeliveriesTable

/** A delivery's columns, its change's seq as text (node-postgres would round a bigint past 2^53). */
const deliveryColumns = [
  'id',
  'endpoint_id',
  'event_type',
  sql<string | null>`cast(change_seq as text)`.as('change_seq'),
  'payload',
  'status',
  'attempts',
  'last_attempt_at',
  'duration_ms',
  'response_status',
  'response_body',
  'error',
  'next_attempt_at',
  'created_at',
] as const

/** Asked on every change a write records, so compiled once rather than on each write's transaction. */
const enabledEndpoints = compiledOnce((db: Queryable, projectId: string) =>
  db.selectFrom('webhook_endpoints').selectAll().where('project_id', '=', projectId).where('enabled', '=', 1),
)

export const toEndpoint = (row: EndpointRow): WebhookEndpoint => ({
  id: row.id,
  projectId: row.project_id,
  url: row.url,
  description: row.description,
  eventTypes: JSON.parse(row.event_types) as string[],
  enabled: row.enabled === 1,
  disabledReason: row.disabled_reason,
  previousSecretExpiresAt: row.previous_secret_expires_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  version: row.version,
})

export const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  id: row.id,
  endpointId: row.endpoint_id,
  eventType: row.event_type,
  changeSeq: row.change_seq,
  status: row.status,
  attempts: row.attempts,
  lastAttemptAt: row.last_attempt_at,
  durationMs: row.duration_ms,
  responseStatus: row.response_status,
  responseBody: row.response_body,
  error: row.error,
  nextAttemptAt: row.next_attempt_at,
  createdAt: row.created_at,
})

/** Webhook endpoints and their delivery log: the only SQL for them. */
export function webhooksRepository(db: Queryable, dialect: 'sqlite' | 'postgres' = 'sqlite') {
  return {
    async countForProject(projectId: string): Promise<number> {
      const row = await db
        .selectFrom('webhook_endpoints')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('project_id', '=', projectId)
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },

    async insertEndpoint(row: EndpointRow): Promise<void> {
      assertTransaction(db)
      await db.insertInto('webhook_endpoints').values(row).execute()
    },

    findEndpoint(id: string): Promise<EndpointRow | undefined> {
      return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst()
    },

    /** The endpoint, locked against concurrent changes for the rest of the transaction (PostgreSQL). */
    findEndpointForUpdate(id: string): Promise<EndpointRow | undefined> {
      let q = db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id)
      if (dialect === 'postgres') q = q.forUpdate()
      return q.executeTakeFirst()
    },

    async listEndpoints(
      projectId: string,
      after: CursorPosition | undefined,
      limit: number,
    ): Promise<Page<EndpointRow>> {
      const rows = await keyset(
        db.selectFrom('webhook_endpoints').selectAll().where('project_id', '=', projectId),
        { key: 'id', id: 'id', direction: 'asc' },
        after,
        limit,
      ).execute()
      return toPage(rows, limit, (r) => [r.id, r.id])
    },

    async updateEndpoint(id: string, changes: Partial<EndpointRow>): Promise<void> {
      assertTransaction(db)
      await db.updateTable('webhook_endpoints').set(changes).where('id', '=', id).execute()
    },

    async deleteEndpoint(id: string): Promise<void> {
      assertTransaction(db)
      await db.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute()
      await db.deleteFrom('webhook_endpoints').where('id', '=', id).execute()
    },

    /** The enabled endpoints of a project: the candidates for each of its changes. */
    async enabledEndpoints(projectId: string): Promise<EndpointRow[]> {
      return (await enabledEndpoints(db, projectId)).rows
    },

    async insertDelivery(row: DeliveryRow): Promise<void> {
      assertTransaction(db)
      await db.insertInto('webhook_deliveries').values(row).execute()
    },

    findDelivery(id: string): Promise<DeliveryRow | undefined> {
      return db.selectFrom('webhook_deliveries').select(deliveryColumns).where('id', '=', id).executeTakeFirst()
    },

    async listDeliveries(
      endpointId: string,
      after: CursorPosition | undefined,
      limit: number,
    ): Promise<Page<DeliveryRow>> {
      const rows = await keyset(
        db.selectFrom('webhook_deliveries').select(deliveryColumns).where('endpoint_id', '=', endpointId),
        { key: 'id', id: 'id', direction: 'desc' },
        after,
        limit,
      ).execute()
      return toPage(rows, limit, (r) => [r.id, r.id])
    },

    async updateDelivery(id: string, changes: Partial<DeliveryRow>): Promise<void> {
      assertTransaction(db)
      await db.updateTable('webhook_deliveries').set(changes).where('id', '=', id).execute()
    },

    /** Notes a failed attempt on the endpoint; answers since when it has been failing. */
    async markFailing(id: string, now: string): Promise<string | null> {
      assertTransaction(db)
      await db
        .updateTable('webhook_endpoints')
        .set({ failing_since: now })
        .where('id', '=', id)
        .where('failing_since', 'is', null)
        .execute()
      const row = await db
        .selectFrom('webhook_endpoints')
        .select('failing_since')
        .where('id', '=', id)
        .executeTakeFirst()
      return row?.failing_since ?? null
    },

    async markHealthy(id: string): Promise<void> {
      assertTransaction(db)
      await db
        .updateTable('webhook_endpoints')
        .set({ failing_since: null })
        .where('id', '=', id)
        .where('failing_since', 'is not', null)
        .execute()
    },

    /** Turns a failing endpoint off; false when it was off already (another attempt got there first). */
    async disableFailing(id: string, now: string): Promise<boolean> {
      assertTransaction(db)
      const result = await db
        .updateTable('webhook_endpoints')
        .set((eb) => ({
          enabled: 0,
          disabled_reason: 'failing',
          updated_at: now,
          version: eb('version', '+', 1),
        }))
        .where('id', '=', id)
        .where('enabled', '=', 1)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
  }
}
