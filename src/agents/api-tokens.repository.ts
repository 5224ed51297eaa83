import type { Db } from '../db/database.ts'
import type { TokenKind } from './auth.ts'

/** A token as its owner sees it: never the secret (only its hash is stored anyway). */
export interface TokenView {
  id: string
  kind: TokenKind
  label: string | null
  createdAt: Date
  expiresAt: Date
  lastUsedAt: Date | null
}

/** The agent's tokens still in force (sessions and API tokens), newest first. */
export async function listLiveTokens(db: Db, agentId: number, at: Date): Promise<TokenView[]> {
  const rows = await db
    .selectFrom('api_tokens')
    .select(['id', 'kind', 'label', 'created_at', 'expires_at', 'last_used_at'])
    .where('agent_id', '=', agentId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', at)
    .orderBy('id', 'desc')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    label: r.label,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
  }))
}

/**
 * Revokes one of the agent's own tokens. False when the agent has no such token (someone
 * else's looks the same as none); revoking an already revoked one again is fine.
 */
export async function revokeOwnToken(
  db: Db,
  o: { agentId: number; tokenId: string },
  at: Date,
): Promise<boolean> {
  const found = await db
    .updateTable('api_tokens')
    .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
    .where('id', '=', o.tokenId)
    .where('agent_id', '=', o.agentId)
    .returning('id')
    .executeTakeFirst()
  return found !== undefined
}

/** Of these token ids, the ones still in force (not revoked, not expired, agent active). */
export async function liveTokenIds(db: Db, ids: string[], at: Date): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  const rows = await db
    .selectFrom('api_tokens')
    .innerJoin('agents', 'agents.id', 'api_tokens.agent_id')
    .select('api_tokens.id')
    .where('api_tokens.id', 'in', ids)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', at)
    .where('agents.active', '=', true)
    .execute()
  return new Set(rows.map((r) => r.id))
}

/** Records that a token was used; callers throttle it, so a busy script is not a write each time. */
export async function touchToken(db: Db, tokenId: string, at: Date): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', tokenId).execute()
}
