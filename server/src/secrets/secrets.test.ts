import { describe, expect, it } from 'vitest'
import { createTestApp } from '../test/app.js'
import { loadSecrets } from './secrets.js'

describe('instance secrets', () => {
  it('generates one master secret per database and derives independent keys per purpose', async () => {
    const t = await createTestApp()
    const again = await loadSecrets(t.ctx.db)
    expect(Buffer.from(again.key('jwt'))).toEqual(Buffer.from(t.ctx.secrets.key('jwt')))
    expect(t.ctx.secrets.key('jwt')).toHaveLength(32)
    expect(Buffer.from(t.ctx.secrets.key('jwt'))).not.toEqual(Buffer.from(t.ctx.secrets.key('cursor')))
  })

  it('uses SECRET_KEY when the operator sets it', async () => {
    const t = await createTestApp({ SECRET_KEY: 'k'.repeat(40) })
    const stored = await loadSecrets(t.ctx.db)
    const configured = await loadSecrets(t.ctx.db, 'k'.repeat(40))
    expect(Buffer.from(t.ctx.secrets.key('jwt'))).toEqual(Buffer.from(configured.key('jwt')))
    expect(Buffer.from(t.ctx.secrets.key('jwt'))).not.toEqual(Buffer.from(stored.key('jwt')))
  })
})
