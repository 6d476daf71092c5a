import { newId } from '../../lib/ids.js'
import type { RecordedChange } from '../../write/change.js'
import type { WriteTx } from '../../write/writer.js'
import { changeEventBody, isProjectVisible, matches } from './webhook-events.js'
import type { DeliveryRow, EndpointRow } from './webhooks.repository.js'

/** Stores a delivery of `payload` to `endpoint` and queues its first attempt, in the write's transaction. */
export async function queueDelivery(
  tx: WriteTx,
  endpoint: Pick<EndpointRow, 'id'>,
  event: { eventType: string; changeSeq: bigint | null; payload: string; at: string },
): Promise<DeliveryRow> {
  const row: DeliveryRow = {
    id: newId('msg'),
    endpoint_id: endpoint.id,
    event_type: event.eventType,
    change_seq: event.changeSeq === null ? null : String(event.changeSeq),
    payload: event.payload,
    status: 'pending',
    attempts: 0,
    last_attempt_at: null,
    duration_ms: null,
    response_status: null,
    response_body: null,
    error: null,
    next_attempt_at: event.at,
    created_at: event.at,
  }
  await tx.webhooks.insertDelivery(row)
  await tx.enqueue({ kind: 'webhook', payload: { deliveryId: row.id } })
  return row
}

/**
 * The reaction that turns a recorded change into deliveries: one per enabled endpoint of the change's
 * project that subscribes to its type, stored and queued in the write's own transaction, so a change that
 * rolls back sends nothing and one that commits is never lost.
 */
export async function deliverToWebhooks(tx: WriteTx, change: RecordedChange): Promise<void> {
  if (!isProjectVisible(change) || change.projectId === null) return
  const endpoints = await tx.webhooks.enabledEndpoints(change.projectId)
  let payload: string | undefined
  for (const endpoint of endpoints) {
    if (!(JSON.parse(endpoint.event_types) as string[]).some((p) => matches(p, change.type))) continue
    payload ??= changeEventBody(change)
    await queueDelivery(tx, endpoint, {
      eventType: change.type,
      changeSeq: change.seq,
      payload,
      at: change.occurredAt,
    })
  }
}
