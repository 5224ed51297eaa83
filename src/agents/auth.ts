import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

import type { Db } from '../db/database.ts'
import type { Agent } from './agents.repository.ts'
import { findAgentById, findAgentByJobNumber } from './agents.repository.ts'

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>
const KEY_LEN = 32

/** scrypt with a random salt, stored as `scrypt$<salt>$<key>` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(password, salt, KEY_LEN)
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, key] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !key) return false
  const expected = Buffer.from(key, 'base64')
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length)
  return timingSafeEqual(actual, expected)
}

/** A login session (cookie or bearer, hours) or a long-lived token for scripts (days). */
export type TokenKind = 'session' | 'agent'

/** Who a request is, and by which token: minting, listing and streams need the token too. */
export interface TokenHolder {
  agent: Agent
  tokenId: string
  kind: TokenKind
}

// Tokens are random; only their hash is stored, so a database dump grants no access.
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export async function issueToken(
  db: Db,
  o: { agentId: number; kind: TokenKind; label: string | null; expiresAt: Date },
): Promise<{ token: string; id: string }> {
  const token = `sw_${o.kind === 'session' ? 's' : 'a'}_${randomBytes(24).toString('base64url')}`
  const row = await db
    .insertInto('api_tokens')
    .values({
      agent_id: o.agentId,
      token_hash: hashToken(token),
      kind: o.kind,
      label: o.label,
      expires_at: o.expiresAt,
      revoked_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { token, id: row.id }
}

export async function agentForToken(
  db: Db,
  token: string,
  at: Date,
): Promise<TokenHolder | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('agents', 'agents.id', 'api_tokens.agent_id')
    .select(['api_tokens.id', 'api_tokens.agent_id', 'api_tokens.kind'])
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    // Deactivating revokes an agent's tokens too; this holds even for one issued meanwhile.
    .where('agents.active', '=', true)
    .where('expires_at', '>', at)
    .executeTakeFirst()
  const agent = row && (await findAgentById(db, row.agent_id))
  return agent && { agent, tokenId: row.id, kind: row.kind }
}

/** Same answer and similar time for an unknown job number and a wrong password. */
export async function checkLogin(
  db: Db,
  jobNumber: string,
  password: string,
): Promise<Agent | undefined> {
  const agent = await findAgentByJobNumber(db, jobNumber)
  const ok = await verifyPassword(password, agent?.passwordHash ?? DUMMY_HASH)
  if (!agent || !ok || !agent.passwordHash || !agent.active) return undefined
  const { passwordHash: _omit, active: _active, ...rest } = agent
  return rest
}

const DUMMY_HASH = 'scrypt$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='
