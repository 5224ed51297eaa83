import type { Config } from '../config.ts'
import type { Db } from '../db/database.ts'
import type { WorkingCalendar } from '../domain/calendar/working-calendar.ts'
import type { LimitSettings } from '../limit-settings/limit-settings.ts'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics/metrics.ts'
import type { Telephony } from '../telephony/telephony.ts'
import type { DirectoryCache } from './directory-cache.ts'
import type { InboundRecorder } from './inbound-recorder.ts'

export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/** Work that must happen after a commit: the dispatcher runs on a queue, never inline. */
export interface Triggers {
  /** `key` makes the trigger idempotent: a retried webhook enqueues nothing new. */
  dispatch(key: string, delayMs?: number): Promise<void>
}

/** What the call use-cases need; built once in the composition root. */
export interface CallDeps {
  db: Db
  clock: Clock
  config: Config
  logger: Logger
  /** This process's Prometheus instruments (queue waits, return calls, clocks). */
  metrics: Metrics
  triggers: Triggers
  directory: DirectoryCache
  /** The deployment's working-day calendar, with administrators' overrides: time limits run on it. */
  calendar: WorkingCalendar
  /** Time-limit policies and calendar overrides as stored; `calendar` is its calendar. */
  limitSettings: LimitSettings
  inboundRecorder: InboundRecorder
}

export interface DispatchDeps extends CallDeps {
  telephony: Telephony
  newId(): string
}
