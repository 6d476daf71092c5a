import { ApiError } from '../../core/api-error.js'
import type { Scope } from '../../core/principal.js'
import type { ApiKey, ApiKeyList } from '../../generated/routes.js'
import { listScope } from '../../lib/cursor.js'
import { newId } from '../../lib/ids.js'
import { toInstant } from '../../lib/instant.js'
import { type AuthDeps, iso } from './auth.common.js'
import type { ApiKeyRow } from './auth.repository.js'
import { hashToken, randomToken } from './tokens.js'

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes.split(' ') as Scope[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  }
}

/** API keys for scripts and servers: made with scopes, shown once, stored hashed, listed and revoked by their owner. */
export function apiKeysFlow(deps: AuthDeps) {
  const { repositories, writer, cursors, revocations } = deps

  return {
    async createApiKey(userId: string, input: { name: string; scopes: Scope[]; expiresAt?: string }) {
      const now = Date.now()
      const expiresAt = input.expiresAt && toInstant(input.expiresAt)
      if (expiresAt && Date.parse(expiresAt) <= now) {
        throw new ApiError(400, 'validation_failed', 'expiresAt must be in the future.', {
          title: 'Validation failed',
          errors: [{ path: '/body/expiresAt', message: 'Must be in the future', code: 'too_small' }],
        })
      }
      const key = randomToken('tl')
      const row: ApiKeyRow = {
        id: newId('key'),
        user_id: userId,
        name: input.name,
        prefix: key.slice(0, 8),
        key_hash: hashToken(key),
        // `write` implies `read`: a key that may change data may also read it.
        scopes: (['read', 'write'] as const)
          .filter((s) => input.scopes.includes(s) || (s === 'read' && input.scopes.includes('write')))
          .join(' '),
        created_at: iso(now),
        expires_at: expiresAt || null,
        last_used_at: null,
        revoked_at: null,
      }
      await writer.write((tx) => tx.apiKeys.insertApiKey(row), { silent: true })
      return { ...toApiKey(row), key }
    },

    async listApiKeys(userId: string, limit: number, cursor?: string): Promise<ApiKeyList> {
      const scope = listScope('listApiKeys', { userId })
      const after = cursor ? cursors.decode(scope, cursor) : undefined
      const page = await repositories.apiKeys.listApiKeys(userId, after, limit)
      return { data: page.items.map(toApiKey), nextCursor: page.next && cursors.encode(scope, page.next) }
    },

    async revokeApiKey(userId: string, apiKeyId: string): Promise<void> {
      const revoked = await writer.write((tx) => tx.apiKeys.revokeApiKey(userId, apiKeyId, iso()), { silent: true })
      if (!revoked) {
        throw new ApiError(404, 'not_found', 'No API key with this id.')
      }
      revocations.add([apiKeyId])
    },
  }
}
