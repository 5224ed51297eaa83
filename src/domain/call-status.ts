/**
 * Twilio call statuses in the order a call moves through them. Twilio retries and reorders
 * callbacks, so a status is applied only if it moves the call forward: a late `ringing` never
 * undoes `completed`.
 */
export const CALL_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
] as const

export type CallStatus = (typeof CALL_STATUSES)[number]

const RANK: Record<CallStatus, number> = {
  queued: 0,
  initiated: 1,
  ringing: 2,
  'in-progress': 3,
  completed: 4,
  busy: 4,
  'no-answer': 4,
  failed: 4,
  canceled: 4,
}

export function statusRank(s: CallStatus): number {
  return RANK[s]
}

export function isTerminal(s: CallStatus): boolean {
  return RANK[s] === 4
}

/** True when `next` may replace a call whose current rank is `currentRank`. */
export function movesForward(currentRank: number, next: CallStatus): boolean {
  return RANK[next] > currentRank
}
