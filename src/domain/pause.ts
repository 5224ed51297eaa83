/**
 * A pause: an agent who went away saying why. Away without a reason (a new or deactivated
 * agent, a row set by a script) is not a pause: nobody is expected on the line then.
 */
export const PAUSE_LIMIT_MINUTES = 30
export const PAUSE_LIMIT_MS = PAUSE_LIMIT_MINUTES * 60_000

export interface PauseState {
  role: string
  presence: 'available' | 'busy' | 'away'
  pauseReason: string | null
  presenceChangedAt: Date
}

/** A pause past the limit; only agents' pauses count (supervisors and up are not on the queue). */
export function isPauseOverLimit(a: PauseState, now: Date): boolean {
  return (
    a.role === 'agent' &&
    a.presence === 'away' &&
    a.pauseReason !== null &&
    now.getTime() - a.presenceChangedAt.getTime() > PAUSE_LIMIT_MS
  )
}
