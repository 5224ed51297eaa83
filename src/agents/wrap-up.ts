import { LIVE_OFFER_STATUS_LITERALS } from '../calls/offers.repository.ts'
import type { Db } from '../db/database.ts'
import { noLiveOffer } from './agents.repository.ts'

/**
 * After-call work (话后整理). An agent whose call ends stays 'busy' with `wrap_up_until` set, and
 * counts as available from then on. The truth is that column in Postgres, not a timer: whoever
 * looks next (the dispatcher on its beat, the board, the console) flips due rows with
 * `endDueWrapUps`, so a restart or a wiped Redis cannot leave an agent busy for ever. Any move the
 * agent makes meanwhile (pause, available, busy) clears the column and so ends the wrap-up.
 */

/**
 * The agent's call is over: wrap up until `at + seconds` (or straight back to available when
 * `seconds` is 0), unless they are no longer 'busy' (they paused on the call, or were
 * deactivated) or already wrapping up. True when the row moved.
 */
export async function startWrapUp(
  db: Db,
  agentId: number,
  at: Date,
  seconds: number,
  /** The offer whose call ended; any other ring or call of the agent's means they moved on. */
  offerId: string,
): Promise<boolean> {
  const r = await db
    .updateTable('agents')
    .set(
      seconds > 0
        ? { wrap_up_until: new Date(at.getTime() + seconds * 1000) }
        : {
            presence: 'available',
            presence_changed_at: at,
            wrap_up_until: null,
            pause_reason: null,
            pause_flagged_at: null,
          },
    )
    .where('id', '=', agentId)
    .where('presence', '=', 'busy')
    .where('wrap_up_until', 'is', null)
    // A late or reordered "completed" for an earlier leg must not wrap up an agent who is on
    // their next call already (they made themselves available and took it meanwhile).
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('agent_offers as o')
            .select('o.id')
            .whereRef('o.agent_id', '=', 'agents.id')
            .where('o.id', '!=', offerId)
            .where('o.created_at', '>', (sub) =>
              sub.selectFrom('agent_offers').select('created_at').where('id', '=', offerId),
            )
            .where((o) =>
              o.or([
                o('o.status', 'in', LIVE_OFFER_STATUS_LITERALS),
                o.and([
                  o('o.status', '=', 'accepted'),
                  o.not(
                    o.exists(
                      o
                        .selectFrom('calls as leg')
                        .select('leg.call_sid')
                        .whereRef('leg.call_sid', '=', 'o.leg_call_sid')
                        .where('leg.ended_at', 'is not', null),
                    ),
                  ),
                ]),
              ]),
            ),
        ),
      ),
    )
    .executeTakeFirst()
  return r.numUpdatedRows === 1n
}

/**
 * Every wrap-up that has run its time becomes available, dated when it ended (so "available
 * since" and longest-idle ordering are true however late the flip). Returns the agents moved.
 */
export async function endDueWrapUps(db: Db, at: Date): Promise<number[]> {
  const rows = await db
    .updateTable('agents')
    .set((eb) => ({
      presence: 'available',
      presence_changed_at: eb.ref('wrap_up_until').$notNull(),
      wrap_up_until: null,
      pause_reason: null,
      pause_flagged_at: null,
    }))
    .where('presence', '=', 'busy')
    .where('wrap_up_until', '<=', at)
    .returning('id')
    .execute()
  return rows.map((r) => r.id)
}

/**
 * Of the given agents, those in after-call work with no ring or call of their own: the
 * dispatcher rings them only for a caller who asked for them (their own case coming back).
 */
export async function listWrappingUp(db: Db, agentIds: readonly number[]): Promise<number[]> {
  if (agentIds.length === 0) return []
  const rows = await db
    .selectFrom('agents')
    .select('id')
    .where('id', 'in', [...agentIds])
    .where('active', '=', true)
    .where('presence', '=', 'busy')
    .where('wrap_up_until', 'is not', null)
    .where(noLiveOffer)
    .execute()
  return rows.map((r) => r.id)
}
