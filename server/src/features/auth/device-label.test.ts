import { describe, expect, it } from 'vitest'
import { createTestApp } from '../../test/app.js'
import { signUpUser } from '../../test/users.js'
import { deviceLabel } from './device-label.js'

describe('the device label of a session', () => {
  it('names known browsers and systems, and keeps only a bounded, printable part of any other User-Agent', () => {
    expect(deviceLabel('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0')).toBe(
      'Firefox on Linux',
    )
    expect(deviceLabel(undefined)).toBe('Unknown device')
    expect(deviceLabel('\t \u00ff\u00e9')).toBe('Unknown device')
    expect(deviceLabel('MyApp\t2.1\u00ff\u00e9build')).toBe('MyApp 2.1 build')
    const long = deviceLabel(`Tool/${'x'.repeat(10_000)}`)
    expect(long).toBe(`Tool/${'x'.repeat(55)}`)
  })

  it('lists a session started with a User-Agent of tabs and Latin-1 bytes as the contract allows', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    const login = await t.request('/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': `Odd\tClient\u00e9 ${'<b>'.repeat(3000)}` },
      body: JSON.stringify({ email: alice.user.email, password: alice.password }),
    })
    expect(login.status).toBe(200)
    // Every answer of t.request is checked against openapi.yaml: deviceLabel has no control characters.
    const list = await t.request('/v1/me/sessions', { headers: alice.authHeaders })
    expect(list.status).toBe(200)
    const labels = (await list.json()).data.map((s: { deviceLabel: string }) => s.deviceLabel)
    expect(labels).toContain(`Odd Client ${'<b>'.repeat(16)}<`)
  })
})
