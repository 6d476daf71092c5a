import { describe, expect, it } from 'vitest'
import { signWebhook } from '../src/testing/index.js'
import { verifyWebhook, type WebhookEvent, WebhookVerificationError } from '../src/webhooks.js'

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const NEXT_SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'

const event: WebhookEvent = {
  type: 'task.updated',
  timestamp: '2026-11-20T09:30:00.000Z',
  data: {
    seq: '42',
    type: 'task.updated',
    projectId: 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
    resourceType: 'task',
    resourceId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
    version: 3,
    actorId: 'usr_01JD8X3Z7Q2W6V5T4R3P1N0M9K',
    occurredAt: '2026-11-20T09:30:00.000Z',
    data: { id: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K', title: 'Ship it' },
  },
}

describe('verifyWebhook', () => {
  it('answers the typed event of a delivery signed with the secret, from plain or Fetch headers', () => {
    const { body, headers } = signWebhook(event, SECRET)
    expect(headers['webhook-id']).toMatch(/^msg_[0-9A-Z]{26}$/)
    const verified = verifyWebhook(body, headers, SECRET)
    expect(verified).toEqual(event)
    if (verified.type !== 'webhook.ping') expect(verified.data.resourceId).toBe('tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K')
    expect(verifyWebhook(new TextEncoder().encode(body), new Headers(headers), SECRET)).toEqual(event)
  })

  it('accepts any of several secrets during a rotation, and deliveries signed with both', () => {
    const old = signWebhook(event, SECRET)
    const both = signWebhook(event, [NEXT_SECRET, SECRET])
    expect(both.headers['webhook-signature']?.split(' ')).toHaveLength(2)
    expect(verifyWebhook(old.body, old.headers, [NEXT_SECRET, SECRET])).toEqual(event)
    expect(verifyWebhook(both.body, both.headers, NEXT_SECRET)).toEqual(event)
  })

  it('refuses a changed body, another secret, a changed id and missing headers', () => {
    const { body, headers } = signWebhook(event, SECRET)
    const fails = (b: string, h: Record<string, string>, s: string | string[]) =>
      expect(() => verifyWebhook(b, h, s)).toThrow(WebhookVerificationError)
    fails(body.replace('Ship it', 'Ship it!'), headers, SECRET)
    fails(body, headers, NEXT_SECRET)
    fails(body, { ...headers, 'webhook-id': 'msg_01JD8X3Z7Q2W6V5T4R3P1N0M9X' }, SECRET)
    fails(body, { 'webhook-id': headers['webhook-id'] as string }, SECRET)
    fails(body, headers, [])
  })

  it('refuses a timestamp more than five minutes off, in either direction', () => {
    const now = Date.now()
    const old = signWebhook(event, SECRET, { timestamp: new Date(now - 6 * 60_000) })
    const future = signWebhook(event, SECRET, { timestamp: new Date(now + 6 * 60_000) })
    const recent = signWebhook(event, SECRET, { timestamp: new Date(now - 4 * 60_000) })
    expect(() => verifyWebhook(old.body, old.headers, SECRET)).toThrow(/too old/)
    expect(() => verifyWebhook(future.body, future.headers, SECRET)).toThrow(/too new/)
    expect(verifyWebhook(recent.body, recent.headers, SECRET)).toEqual(event)
  })
})
