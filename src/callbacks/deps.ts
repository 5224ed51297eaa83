import type { CallDeps } from '../calls/deps.ts'
import type { RetryPolicy } from '../domain/callback-policy.ts'
import type { Telephony } from '../telephony/telephony.ts'
import type { VoicePaths } from '../voice/paths.ts'

/** Puts a callback attempt on the schedule (BullMQ in the service; Postgres stays the truth). */
export interface CallbackScheduler {
  schedule(c: { callbackId: string; attempt: number; dueAt: Date }): Promise<void>
  /** Many at once (the reconciler, bulk imports): one round trip per few hundred jobs. */
  scheduleMany(cs: readonly { callbackId: string; attempt: number; dueAt: Date }[]): Promise<void>
  /**
   * Drops the jobs of attempts claimed by another job's batch, which could only skip now.
   * Best effort: a job already running, or one left behind, still finds its attempt claimed.
   */
  unscheduleMany(cs: readonly { callbackId: string; attempt: number; dueAt: Date }[]): Promise<void>
}

/** When a caller may be rung (calling hours in the caller's time zone). */
export interface CallingHours {
  nextCallingMoment(at: Date): Date
}

export interface CallbackDeps extends CallDeps {
  telephony: Telephony
  paths: VoicePaths
  scheduler: CallbackScheduler
  callingHours: CallingHours
  retryPolicy: RetryPolicy
}
