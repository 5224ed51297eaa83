import { sql } from 'kysely'

import { notifyAgent } from '../callbacks/notifications.ts'
import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import { isPauseOverLimit, PAUSE_LIMIT_MINUTES, PAUSE_LIMIT_MS } from '../domain/pause.ts'
import type { Agent } from './agents.repository.ts'
import { listAgentsWithPause } from './agents.repository.ts'

export interface RosterEntry extends Agent {
  active: boolean
  pauseReason: string | null
  pauseOverLimit: boolean
}

/** Every agent with their presence, why they are away and whether that has run too long. */
export async function agentRoster(deps: { db: Db; clock: Clock }): Promise<RosterEntry[]> {
  const now = deps.clock.now()
  return (await listAgentsWithPause(deps.db)).map((a) => ({
    ...a,
    pauseOverLimit: a.active && isPauseOverLimit(a, now),
  }))
}

/**
 * Pauses that passed the limit since the last sweep, each reported once to the duty
 * supervisors: the claim is one UPDATE, so sweeps running at once report a pause once. A new
 * presence clears the claim, so the next pause is reported again.
 */
export async function flagLongPauses(deps: { db: Db; clock: Clock }, at: Date): Promise<number> {
  const claimed = await deps.db
    .updateTable('agents')
    .set({ pause_flagged_at: at })
    .where('role', '=', 'agent')
    .where('active', '=', true)
    .where('presence', '=', 'away')
    .where('pause_reason', 'is not', null)
    .where('pause_flagged_at', 'is', null)
    .where('presence_changed_at', '<', new Date(at.getTime() - PAUSE_LIMIT_MS))
    .returning(['id', 'job_number', 'name', 'pause_reason', 'presence_changed_at'])
    .execute()
  if (claimed.length === 0) return 0
  const supervisors = await deps.db
    .selectFrom('hotlines')
    .innerJoin('agents', 'agents.id', 'hotlines.duty_supervisor_id')
    .select(sql<number>`distinct agents.id`.as('id'))
    .where('agents.active', '=', true)
    .execute()
  for (const a of claimed) {
    const minutes = Math.floor((at.getTime() - a.presence_changed_at.getTime()) / 60_000)
    const body =
      `Agent ${a.job_number} ${a.name} has been away for ${minutes} minutes ` +
      `(${a.pause_reason ?? 'no reason'}), over the ${PAUSE_LIMIT_MINUTES}-minute pause limit.`
    for (const s of supervisors) {
      if (s.id === a.id) continue
      await notifyAgent(deps, { agentId: s.id, caseId: null, kind: 'pause_over_limit', body })
    }
  }
  return claimed.length
}
