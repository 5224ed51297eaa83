import { isRecording } from '../domain/recording.ts'
import { coerceError } from '../errors.ts'
import { attemptFailed } from './after-attempt.ts'
import { setAttemptCalls } from './callbacks.repository.ts'
import type { CallbackDeps } from './deps.ts'
import type { Dial } from './dialer.ts'

/** 'busy': another job's batch holds the callback right now; run the job again shortly. */
export type DialResult =
  'dialled' | 'skipped' | 'rescheduled' | 'cancelled' | 'failed' | 'unknown' | 'busy'

// Long enough for a caller to reach the phone; voicemail usually picks up around 25-30 s.
const CALLBACK_RING_SECONDS = 25

/**
 * The create-call requests of claimed attempts, all at once; the CallSids are written as they
 * come back, in as few statements as the answers allow. Results are in the order of `dials`.
 */
export async function dialAll(
  deps: CallbackDeps,
  dials: readonly Dial[],
  settled: (d: Dial) => void,
): Promise<DialResult[]> {
  const record = coalesce((calls: { callbackId: string; attempt: number; callSid: string }[]) =>
    setAttemptCalls(deps.db, calls),
  )
  // Return calls are recorded as the hotline they come from (`from`) says. Looked up before any
  // request: a lookup that fails dials nothing (the reconciler releases the claimed attempts).
  let recorded: Set<string>
  try {
    recorded = await recordingHotlines(deps, dials)
  } catch (e) {
    for (const d of dials) settled(d)
    throw e
  }
  const results = await Promise.allSettled(
    dials.map(async (d): Promise<DialResult> => {
      let answer: { callSid: string } | { error: unknown }
      // Lateness as dialled: a job fires up to a second early, which counts as on time.
      const lateMs = deps.clock.now().getTime() - d.cb.dueAt.getTime()
      deps.metrics.callbackLateness.observe({ purpose: d.cb.purpose }, Math.max(0, lateMs) / 1000)
      try {
        answer = await deps.telephony.createCall({
          to: d.address,
          from: d.from,
          // The caller is rung directly only for a confirmation; otherwise the person who must
          // speak is rung first, and dials the caller once they accept (see person-first.ts).
          url: d.personFirst
            ? deps.paths.callbackPerson(d.cb.id, d.attempt)
            : deps.paths.callbackAnswer(d.cb.id, d.attempt),
          statusCallback: deps.paths.callbackStatus(d.cb.id, d.attempt),
          statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
          timeoutSeconds: CALLBACK_RING_SECONDS,
          ...(d.personFirst ? {} : { machineDetection: 'Enable' as const }),
          ...(recorded.has(d.from) && { recordingStatusCallback: deps.paths.recordingStatus }),
        })
      } catch (error) {
        answer = { error }
      } finally {
        settled(d)
      }
      if ('callSid' in answer) {
        await record({ callbackId: d.cb.id, attempt: d.attempt, callSid: answer.callSid })
        return 'dialled'
      }
      const definite = typeof (answer.error as { status?: unknown }).status === 'number'
      deps.logger.warn(
        { err: coerceError(answer.error), callbackId: d.cb.id, attempt: d.attempt, definite },
        'callback dial failed',
      )
      // An error answer means no call was made: count the attempt and retry with backoff. No
      // answer at all is ambiguous: wait for a status callback, or the reconciler's stale rule.
      if (!definite) return 'unknown'
      await attemptFailed(deps, d.cb.id, d.attempt, 'failed')
      return 'failed'
    }),
  )
  // Every request has settled before a failure to record one fails the job.
  const failure = results.find((r) => r.status === 'rejected')
  if (failure) throw failure.reason
  return results.map((r) => (r.status === 'fulfilled' ? r.value : 'unknown'))
}

async function recordingHotlines(deps: CallbackDeps, dials: readonly Dial[]): Promise<Set<string>> {
  const numbers = [...new Set(dials.map((d) => d.from))]
  const hotlines = await Promise.all(numbers.map((n) => deps.directory.hotline(n)))
  return new Set(hotlines.flatMap((h) => (h && isRecording(h.recording) ? [h.phoneNumber] : [])))
}

/**
 * Batches calls to `write` that arrive while one is running: the first item is written at once,
 * those that come in meanwhile go together in the next write. Each caller's promise settles
 * when a write including its item has.
 */
function coalesce<T>(write: (items: T[]) => Promise<void>): (item: T) => Promise<void> {
  let queued: { item: T; done: PromiseWithResolvers<void> }[] = []
  let writing = false
  async function drain() {
    writing = true
    while (queued.length) {
      const batch = queued
      queued = []
      try {
        await write(batch.map((q) => q.item))
        for (const q of batch) q.done.resolve()
      } catch (e) {
        for (const q of batch) q.done.reject(e)
      }
    }
    writing = false
  }
  return (item) => {
    const done = Promise.withResolvers<void>()
    queued.push({ item, done })
    if (!writing) void drain()
    return done.promise
  }
}
