import type { CallbackDeps } from '../callbacks/deps.ts'
import { sendNotificationSms } from '../callbacks/notification-sms.ts'
import { reconcileCallbacks } from '../callbacks/reconciler.ts'
import type { DispatchDeps } from '../calls/deps.ts'
import { runDispatch } from '../calls/dispatcher.ts'
import { endStaleCalls } from '../calls/stale-calls.ts'
import type { EscalationDeps } from '../deadlines/escalation.ts'
import { runDeadlineSweep } from '../deadlines/escalation.ts'
import { escalateUnansweredQuestions } from '../escalations/unanswered.ts'
import { runRecordingRetention } from '../recordings/recordings-retention.ts'
import type { RetentionSettings } from '../retention/retention.ts'
import { runRetention } from '../retention/retention.ts'
import type { Duty } from './beat-runner.ts'

// Emergencies are reported within 90 s and the tightest limit is a minute: check every 15 s.
export const DEADLINE_SWEEP_MS = 15_000
// Retention has no hurry: a few batches every ten minutes keep up with any hotline.
export const RETENTION_EVERY_MS = 600_000
// A lost final status callback leaves a call "live": a minute more on the board is no harm.
export const STALE_CALL_CHECK_MS = 60_000

/**
 * Every periodic duty of the service. Each one reads its work from Postgres, so running it
 * rebuilds whatever Redis lost; each is safe to run on any process, once per beat.
 */
export function periodicDuties(
  deps: CallbackDeps & DispatchDeps & EscalationDeps,
  o: {
    dispatchSweepMs: number
    reconcileEveryMs: number
    deadlineSweepMs?: number
    retention?: RetentionSettings & { readonly recordingsDays?: number }
    retentionEveryMs?: number
    staleCallCheckMs?: number
  },
): Duty[] {
  return [
    {
      // Ring timeouts, lost triggers, voicemail after the longest wait: the ACD's safety net.
      name: 'dispatch-sweep',
      everyMs: o.dispatchSweepMs,
      run: async () => {
        const r = await runDispatch(deps)
        if (r.dialled || r.released || r.toVoicemail) deps.logger.info(r, 'dispatch sweep')
        return r
      },
    },
    {
      // Every pending callback gets its job back; attempts a dead worker held are released.
      name: 'callbacks-reconcile',
      everyMs: o.reconcileEveryMs,
      run: () => reconcileCallbacks(deps),
    },
    {
      // Warnings, breaches, the manager's agenda, long pauses; then the notification SMS outbox.
      name: 'deadlines-sweep',
      everyMs: o.deadlineSweepMs ?? DEADLINE_SWEEP_MS,
      run: async () => ({
        ...(await runDeadlineSweep(deps)),
        unansweredQuestions: await escalateUnansweredQuestions(deps),
        sms: await sendNotificationSms(deps),
      }),
    },
    {
      // Old call legs and status receipts, deleted in batches (RETENTION_* settings).
      name: 'retention',
      everyMs: o.retentionEveryMs ?? RETENTION_EVERY_MS,
      run: async () => {
        const r = await runRetention({
          ...deps,
          retention: o.retention ?? { callLegsDays: 0, webhookReceiptsDays: 0 },
        })
        if (r.receipts || r.offers || r.legs) deps.logger.info(r, 'retention')
        return r
      },
    },
    {
      // Call recordings past RECORDING_RETENTION_DAYS: deleted at Twilio, the rows marked.
      name: 'recordings-retention',
      everyMs: o.retentionEveryMs ?? RETENTION_EVERY_MS,
      run: async () => {
        const r = await runRecordingRetention(deps, o.retention?.recordingsDays ?? 0)
        if (r.deleted || r.failed) deps.logger.info(r, 'recordings retention')
        return r
      },
    },
    {
      // Calls whose final status callback never came: Twilio is asked, and its answer applied.
      name: 'stale-calls',
      everyMs: o.staleCallCheckMs ?? STALE_CALL_CHECK_MS,
      run: async () => {
        const r = await endStaleCalls(deps)
        if (r.ended || r.unknownEnded || r.errors) deps.logger.info(r, 'stale calls')
        return r
      },
    },
  ]
}
