import type { ExpressionBuilder } from 'kysely'

import { LIVE_OFFER_STATUS_LITERALS } from '../calls/offers.repository.ts'
import type { Db } from '../db/database.ts'
import { literal } from '../db/literals.ts'
import type { Database } from '../db/schema.ts'

export type Role = 'agent' | 'supervisor' | 'manager' | 'admin'
export type Presence = 'available' | 'busy' | 'away'

export interface Agent {
  id: number
  jobNumber: string
  name: string
  phoneNumber: string | null
  clientIdentity: string | null
  departmentId: number | null
  role: Role
  presence: Presence
  presenceChangedAt: Date
  /** Set while the agent is in after-call work (presence 'busy' until then). */
  wrapUpUntil: Date | null
}

/** Where Twilio rings the agent: their browser/softphone identity, else their phone. */
export function agentAddress(a: Pick<Agent, 'clientIdentity' | 'phoneNumber'>): string {
  if (a.clientIdentity) return `client:${a.clientIdentity}`
  if (a.phoneNumber) return a.phoneNumber
  throw new Error('agent has neither a client identity nor a phone number')
}

function toAgent(r: {
  id: number
  job_number: string
  name: string
  phone_number: string | null
  client_identity: string | null
  department_id: number | null
  role: Role
  presence: Presence
  presence_changed_at: Date
  wrap_up_until: Date | null
}): Agent {
  return {
    id: r.id,
    jobNumber: r.job_number,
    name: r.name,
    phoneNumber: r.phone_number,
    clientIdentity: r.client_identity,
    departmentId: r.department_id,
    role: r.role,
    presence: r.presence,
    presenceChangedAt: r.presence_changed_at,
    wrapUpUntil: r.wrap_up_until,
  }
}

const COLUMNS = [
  'id',
  'job_number',
  'name',
  'phone_number',
  'client_identity',
  'department_id',
  'role',
  'presence',
  'presence_changed_at',
  'wrap_up_until',
] as const

export async function findAgentById(db: Db, id: number): Promise<Agent | undefined> {
  const r = await db.selectFrom('agents').select(COLUMNS).where('id', '=', id).executeTakeFirst()
  return r && toAgent(r)
}

/** What the agent's own presence card shows. */
export async function findOwnPresence(
  db: Db,
  id: number,
): Promise<
  { presence: Presence; wrapUpUntil: Date | null; pauseReason: string | null } | undefined
> {
  const r = await db
    .selectFrom('agents')
    .select(['presence', 'wrap_up_until', 'pause_reason'])
    .where('id', '=', id)
    .executeTakeFirst()
  return r && { presence: r.presence, wrapUpUntil: r.wrap_up_until, pauseReason: r.pause_reason }
}

export async function findAgentByJobNumber(
  db: Db,
  jobNumber: string,
): Promise<(Agent & { passwordHash: string | null; active: boolean }) | undefined> {
  const r = await db
    .selectFrom('agents')
    .select([...COLUMNS, 'password_hash', 'active'])
    .where('job_number', '=', jobNumber)
    .executeTakeFirst()
  return r && { ...toAgent(r), passwordHash: r.password_hash, active: r.active }
}

export async function listAgents(db: Db): Promise<Agent[]> {
  const rows = await db.selectFrom('agents').select(COLUMNS).orderBy('job_number').execute()
  return rows.map(toAgent)
}

/** Every agent with whether they may work at all and why they are away, if they said. */
export async function listAgentsWithPause(
  db: Db,
): Promise<(Agent & { active: boolean; pauseReason: string | null })[]> {
  const rows = await db
    .selectFrom('agents')
    .select([...COLUMNS, 'active', 'pause_reason'])
    .orderBy('job_number')
    .execute()
  return rows.map((r) => ({ ...toAgent(r), active: r.active, pauseReason: r.pause_reason }))
}

/** Available agents not already ringing for some call: the ones the dispatcher may offer. */
export async function listFreeAgents(db: Db): Promise<(Agent & { lastOfferAt: Date | null })[]> {
  const rows = await db
    .selectFrom('agents')
    .select([...COLUMNS, 'last_offer_at'])
    .where('presence', '=', 'available')
    .where('active', '=', true)
    .where(noLiveOffer)
    .execute()
  return rows.map((r) => ({ ...toAgent(r), lastOfferAt: r.last_offer_at }))
}

export async function setPresence(
  db: Db,
  agentId: number,
  presence: Presence,
  at: Date,
  onlyIf?: { presence: Presence; changedAt?: Date },
  /** Why, when the service itself pauses the agent ('away'); otherwise none. */
  pauseReason: string | null = null,
): Promise<boolean> {
  // Any move ends a pause (its reason and its long-pause report go with it) and a wrap-up.
  let q = db
    .updateTable('agents')
    .set({
      presence,
      presence_changed_at: at,
      pause_reason: presence === 'away' ? pauseReason : null,
      pause_flagged_at: null,
      wrap_up_until: null,
    })
    .where('id', '=', agentId)
  if (onlyIf) {
    q = q.where('presence', '=', onlyIf.presence)
    if (onlyIf.changedAt) q = q.where('presence_changed_at', '=', onlyIf.changedAt)
  }
  const r = await q.executeTakeFirst()
  return r.numUpdatedRows === 1n
}

/** The agent's own choice; going away takes a reason (a pause), anything else clears it. */
export async function setOwnPresence(
  db: Db,
  agentId: number,
  p: { presence: Presence; pauseReason: string | null },
  at: Date,
): Promise<void> {
  await db
    .updateTable('agents')
    .set({
      presence: p.presence,
      presence_changed_at: at,
      pause_reason: p.presence === 'away' ? p.pauseReason : null,
      pause_flagged_at: null,
      // The agent's own choice ends any after-call work: pausing keeps them paused.
      wrap_up_until: null,
    })
    .where('id', '=', agentId)
    .execute()
}

export async function touchLastOffer(db: Db, agentIds: readonly number[], at: Date): Promise<void> {
  if (!agentIds.length) return
  await db
    .updateTable('agents')
    .set({ last_offer_at: at })
    .where('id', 'in', [...agentIds])
    .execute()
}

/** Agents being rung or on a hotline call right now, whatever their presence says. */
export async function listEngagedAgentIds(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('agent_offers')
    .select('agent_id as id')
    .where('status', 'in', LIVE_OFFER_STATUS_LITERALS)
    .union(
      db
        .selectFrom('calls')
        .select((eb) => eb.fn.coalesce('answered_by_agent_id', eb.lit(0)).as('id'))
        .where('queue_state', '=', literal('connected'))
        .where('status_rank', '<', literal(4))
        .where('answered_by_agent_id', 'is not', null),
    )
    .execute()
  return rows.map((r) => r.id)
}

/** The agent is not being rung and has no ringing call waiting for their key press. */
export function noLiveOffer(eb: ExpressionBuilder<Database, 'agents'>) {
  return eb.not(
    eb.exists(
      eb
        .selectFrom('agent_offers')
        .select('agent_offers.id')
        .whereRef('agent_offers.agent_id', '=', 'agents.id')
        .where('agent_offers.status', 'in', LIVE_OFFER_STATUS_LITERALS),
    ),
  )
}
