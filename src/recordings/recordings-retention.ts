import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import { coerceError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import type { Telephony } from '../telephony/telephony.ts'
import { listExpiredRecordings, markRecordingsDeleted } from './recordings.repository.ts'

export interface RecordingRetentionResult {
  deleted: number
  /** Twilio refused or did not answer: these stay and are tried again next beat. */
  failed: number
  /** The time budget ran out with recordings left: the next beat goes on. */
  more: boolean
}

const DAY_MS = 24 * 3600 * 1000
// Deletes run a few at a time: quick through a backlog, gentle on Twilio's rate limit.
const PARALLEL_DELETES = 5

/**
 * Deletes at Twilio the recordings older than `days` (0: never) and marks their rows, in batches
 * until none is left or `budgetMs` is spent. A recording Twilio no longer has counts as deleted;
 * any other failure leaves its row for the next beat.
 */
export async function runRecordingRetention(
  deps: { db: Db; clock: Clock; telephony: Telephony; logger: Logger },
  days: number,
  o: { batchSize?: number; budgetMs?: number } = {},
): Promise<RecordingRetentionResult> {
  const out: RecordingRetentionResult = { deleted: 0, failed: 0, more: false }
  if (days === 0) return out
  const batch = o.batchSize ?? 100
  const deadline = Date.now() + (o.budgetMs ?? 20_000)
  const before = new Date(deps.clock.now().getTime() - days * DAY_MS)
  let afterId = '0'
  for (;;) {
    if (Date.now() >= deadline) {
      out.more = true
      return out
    }
    const due = await listExpiredRecordings(deps.db, before, { afterId, limit: batch })
    if (due.length === 0) return out
    afterId = due[due.length - 1]?.id ?? afterId
    const gone: string[] = []
    for (let i = 0; i < due.length; i += PARALLEL_DELETES) {
      const slice = due.slice(i, i + PARALLEL_DELETES)
      const results = await Promise.allSettled(
        slice.map((r) => deps.telephony.deleteRecording(r.recordingSid)),
      )
      results.forEach((r, j) => {
        const rec = slice[j]
        if (!rec) return
        if (r.status === 'fulfilled') gone.push(rec.id)
        else {
          out.failed++
          deps.logger.warn(
            { err: coerceError(r.reason), recordingId: rec.id },
            'recording not deleted at Twilio; tried again next beat',
          )
        }
      })
    }
    await markRecordingsDeleted(deps.db, gone, deps.clock.now())
    out.deleted += gone.length
    if (due.length < batch) return out
  }
}
