/**
 * The service level (15秒接通率) and its bounds, pure. The repository counts; these rules say
 * what the counts mean, so the API, the CSV, the console and the tests agree.
 *
 * - A caller is *offered* once their call entered the queue (they chose in the menu); a call that
 *   ended in the menu was never offered. Calls still waiting are not settled and not yet offered.
 * - *Answered within*: the first agent took the call at most `answerSeconds` after the first
 *   queue entry (inclusive: exactly 15.000 s is within, 15.001 s is not).
 * - *Abandoned short*: hung up in the queue at most `shortAbandonSeconds` after entering it; left
 *   out of the denominator (misdialled or changed their mind), as contact centres do.
 */

export const SERVICE_LEVEL_DIMENSIONS = ['hotline', 'day', 'hour', 'agent'] as const
export type ServiceLevelDimension = (typeof SERVICE_LEVEL_DIMENSIONS)[number]

export interface ServiceLevelBounds {
  answerSeconds: number
  shortAbandonSeconds: number
}

/** Inclusive bound: a wait of exactly the limit is within it. */
export function isWithin(waitSeconds: number, limitSeconds: number): boolean {
  return waitSeconds <= limitSeconds
}

/**
 * answeredWithin ÷ (offered − abandonedShort); null when nothing is left to judge, never a
 * made-up 100 %.
 */
export function serviceLevel(c: {
  offered: number
  answeredWithin: number
  abandonedShort: number
}): number | null {
  const denominator = c.offered - c.abandonedShort
  if (denominator < 0 || c.answeredWithin > denominator) {
    throw new RangeError(
      `inconsistent counts: ${c.answeredWithin} within of ${c.offered} offered, ` +
        `${c.abandonedShort} abandoned short`,
    )
  }
  return denominator === 0 ? null : c.answeredWithin / denominator
}

/** Seconds to one decimal, as the report shows them; null stays null. */
export function roundSeconds(s: number | null): number | null {
  return s === null ? null : Math.round(s * 10) / 10
}
