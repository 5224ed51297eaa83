import type { Agent } from '../agents/agents.repository.ts'
import { findAgentById } from '../agents/agents.repository.ts'
import type { Db } from '../db/database.ts'
import type { Language } from '../domain/language.ts'

/** The active agent whose softphone identity this is (Twilio's `From=client:<identity>`). */
export async function findActiveAgentByIdentity(
  db: Db,
  identity: string,
): Promise<Agent | undefined> {
  const r = await db
    .selectFrom('agents')
    .select('id')
    .where('client_identity', '=', identity)
    .where('active', '=', true)
    .executeTakeFirst()
  return r && findAgentById(db, r.id)
}

/** Whether the agent may work at all (deactivated agents may not), and their identity. */
export async function agentStanding(
  db: Db,
  agentId: number,
): Promise<{ active: boolean; clientIdentity: string | null } | undefined> {
  const r = await db
    .selectFrom('agents')
    .select(['active', 'client_identity'])
    .where('id', '=', agentId)
    .executeTakeFirst()
  return r && { active: r.active, clientIdentity: r.client_identity }
}

/**
 * Gives the agent `identity` unless they already have one; their identity either way, or
 * undefined when `identity` belongs to someone else (the column is unique).
 */
export async function claimClientIdentity(
  db: Db,
  agentId: number,
  identity: string,
): Promise<string | undefined> {
  const taken = await db
    .selectFrom('agents')
    .select('id')
    .where('client_identity', '=', identity)
    .where('id', '!=', agentId)
    .executeTakeFirst()
  if (taken) return undefined
  try {
    await db
      .updateTable('agents')
      .set({ client_identity: identity })
      .where('id', '=', agentId)
      .where('client_identity', 'is', null)
      .execute()
  } catch (e) {
    // Another agent took it between the look and the write.
    if ((e as { code?: string }).code === '23505') return undefined
    throw e
  }
  return (await agentStanding(db, agentId))?.clientIdentity ?? undefined
}

/** The number the case's caller called from, if the case came from a call. */
export async function callerNumberOf(db: Db, callerId: string | null): Promise<string | null> {
  if (!callerId) return null
  const r = await db
    .selectFrom('callers')
    .select('phone_number')
    .where('id', '=', callerId)
    .executeTakeFirst()
  return r?.phone_number ?? null
}

/** The agent's browser leg, once per CallSid: false when a retried webhook already recorded it. */
export async function recordSoftphoneCall(
  db: Db,
  c: {
    callSid: string
    caseId: string
    agentId: number
    hotlineNumber: string
    toNumber: string
    language: Language
    at: Date
  },
): Promise<boolean> {
  const r = await db
    .insertInto('calls')
    .values({
      call_sid: c.callSid,
      direction: 'outbound',
      kind: 'softphone',
      parent_call_sid: null,
      case_id: c.caseId,
      agent_id: c.agentId,
      hotline_number: c.hotlineNumber,
      from_number: c.hotlineNumber,
      to_number: c.toNumber,
      caller_id: null,
      caller_name: null,
      from_city: null,
      from_state: null,
      from_country: null,
      language: c.language,
      preferred_agent_id: null,
      enqueued_at: null,
      answered_by_agent_id: null,
      answered_at: null,
      ended_at: null,
      duration_seconds: null,
      conference_name: null,
      conference_sid: null,
      started_at: c.at,
      created_at: c.at,
      updated_at: c.at,
    })
    .onConflict((oc) => oc.column('call_sid').doNothing())
    .returning('call_sid')
    .executeTakeFirst()
  return r !== undefined
}

/** A softphone call's case and agent, for its status callback. */
export async function findSoftphoneCall(
  db: Db,
  callSid: string,
): Promise<{ caseId: string | null; agentId: number | null } | undefined> {
  const r = await db
    .selectFrom('calls')
    .select(['case_id', 'agent_id'])
    .where('call_sid', '=', callSid)
    .where('kind', '=', 'softphone')
    .executeTakeFirst()
  return r && { caseId: r.case_id, agentId: r.agent_id }
}
