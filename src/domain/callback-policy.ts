/**
 * When to try a return call again. Pure: the calendar's calling hours come in as a function.
 *
 * Rules (issue 4): at most `maxAttempts`; at least `minGapMinutes` between attempts (the gap
 * grows with each failed attempt, so a caller is not rung every few minutes all day); only
 * inside calling hours; brought forward to the earliest decent moment when the case's limit is
 * at risk, because a caller reached late is better than a limit missed silently.
 */
export interface RetryPolicy {
  maxAttempts: number
  minGapMinutes: number
  /** Each failed attempt multiplies the gap by this, up to `maxGapMinutes`. */
  backoffFactor: number
  maxGapMinutes: number
  /** Share of the time to the deadline after which a retry is pulled forward. */
  atRiskShare: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  minGapMinutes: 10,
  backoffFactor: 3,
  maxGapMinutes: 240,
  atRiskShare: 0.8,
}

export type NextAttempt = { kind: 'retry'; at: Date } | { kind: 'exhausted' }

export function nextAttempt(input: {
  now: Date
  /** Attempts made so far, including the one that just failed. */
  attemptsMade: number
  policy: RetryPolicy
  nextCallingMoment: (at: Date) => Date
  /** When the callback's own step is due, if it has a limit. */
  deadline: Date | null
  /** When the wait for this step started (to measure how much of the limit is used). */
  since: Date | null
}): NextAttempt {
  const { now, policy } = input
  if (input.attemptsMade >= policy.maxAttempts) return { kind: 'exhausted' }
  const gapMinutes = Math.min(
    policy.maxGapMinutes,
    policy.minGapMinutes * policy.backoffFactor ** Math.max(0, input.attemptsMade - 1),
  )
  const regular = input.nextCallingMoment(new Date(now.getTime() + gapMinutes * 60_000))
  if (input.deadline && input.since) {
    const total = input.deadline.getTime() - input.since.getTime()
    const riskAt = new Date(input.since.getTime() + total * policy.atRiskShare)
    if (regular.getTime() > riskAt.getTime()) {
      // At risk: the shortest gap, at the first moment we may ring.
      const soonest = input.nextCallingMoment(
        new Date(now.getTime() + policy.minGapMinutes * 60_000),
      )
      return { kind: 'retry', at: soonest.getTime() < regular.getTime() ? soonest : regular }
    }
  }
  return { kind: 'retry', at: regular }
}
