import { notifyAgent } from '../callbacks/notifications.ts'
import type { CallDeps } from '../calls/deps.ts'
import { rungOfferStatusesSince } from '../calls/offers.repository.ts'
import { MISSED_OFFERS_PAUSE_REASON, missedInARow } from '../domain/missed-offers.ts'
import { setPresence } from './agents.repository.ts'

/** More than any sensible limit: only the latest offers decide. */
const LOOK_BACK = 50

/**
 * After an offer to this agent rang out: if that makes `missedOffersBeforeAway` in a row since
 * they last became available, they are set away, with a pause reason the board shows, and told
 * why. Runs after the offer's own transaction has committed and before the next wave is
 * dispatched, so that wave does not ring them again. The change is made only if the agent's
 * presence is still the one read (an agent who pressed "available" or took a call meanwhile
 * keeps it). Returns whether the agent was set away.
 */
export async function stepAwayAfterMissedOffers(
  deps: Pick<CallDeps, 'db' | 'clock' | 'config' | 'logger'>,
  agentId: number,
): Promise<boolean> {
  const limit = deps.config.missedOffersBeforeAway
  if (limit <= 0) return false
  const agent = await deps.db
    .selectFrom('agents')
    .select(['presence', 'presence_changed_at', 'active'])
    .where('id', '=', agentId)
    .executeTakeFirst()
  if (!agent?.active || agent.presence !== 'available') return false
  const statuses = await rungOfferStatusesSince(
    deps.db,
    agentId,
    agent.presence_changed_at,
    LOOK_BACK,
  )
  if (!missedInARow(statuses, limit)) return false
  const paused = await setPresence(
    deps.db,
    agentId,
    'away',
    deps.clock.now(),
    { presence: 'available', changedAt: agent.presence_changed_at },
    MISSED_OFFERS_PAUSE_REASON,
  )
  if (!paused) return false
  await notifyAgent(deps, {
    agentId,
    caseId: null,
    kind: 'missed_offers_away',
    body:
      `${limit} calls in a row rang out on your phone, so you were set away and are offered no ` +
      `calls. Set yourself available when you are back. 连续${limit}次未接来电，已将您设为暂停；回来后请设为空闲。`,
  })
  deps.logger.info({ agentId, missed: limit }, 'agent set away after missed offers')
  return true
}
