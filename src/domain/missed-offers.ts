/**
 * An agent who lets calls ring out is not at their phone: a closed console tab, a softphone that
 * lost its connection, a desk phone left behind. Left "available", every caller in the queue
 * would wait a full ring for them, wave after wave. After `limit` offers in a row that rang out
 * (or found the line busy or unreachable) the agent is set away, as Amazon Connect's "missed"
 * state and TaskRouter's reservation timeout do, and comes back by saying so.
 *
 * Only rings the agent could have answered count. A ring stopped because a colleague answered
 * first, or the caller hung up, says nothing about the agent; a decline or an answer shows they
 * are there and breaks the run.
 */
export const MISSED_OFFER_STATUSES = ['no_answer', 'busy', 'failed'] as const
const NEUTRAL = ['cancelled', 'taken', 'caller_gone', 'dialing', 'ringing'] as const

export function isMissedOffer(status: string): boolean {
  return (MISSED_OFFER_STATUSES as readonly string[]).includes(status)
}

/**
 * The agent's offers since they last became available, newest first: do the latest ones make
 * `limit` misses in a row? `limit` 0 turns the rule off.
 */
export function missedInARow(statusesNewestFirst: readonly string[], limit: number): boolean {
  if (limit <= 0) return false
  let missed = 0
  for (const s of statusesNewestFirst) {
    if ((NEUTRAL as readonly string[]).includes(s)) continue
    if (!isMissedOffer(s)) return false
    if (++missed >= limit) return true
  }
  return false
}

/** The pause reason supervisors see on the board (both console languages, as category names). */
export const MISSED_OFFERS_PAUSE_REASON = '未接来电 missed calls'
