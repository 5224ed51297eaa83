import { sql } from 'kysely'

import type { Clock } from '../calls/deps.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import type { Db } from '../db/database.ts'
import type { RecordingStatus } from '../domain/recording.ts'
import { nextRecordingStatus } from '../domain/recording.ts'
import type { Logger } from '../logger.ts'
import { recordedCall } from './recorded-call.ts'
import {
  findRecordingBySid,
  insertRecording,
  updateRecordingStatus,
} from './recordings.repository.ts'

export interface RecordingStatusInput {
  recordingSid: string
  callSid: string | null
  conferenceSid: string | null
  status: RecordingStatus
  durationSeconds: number | null
  startedAt: Date | null
}

const isFinal = (s: RecordingStatus) => s !== 'in-progress'

/**
 * Twilio's recordingStatusCallback: one row per RecordingSid, its status moving only forward,
 * and one event on the case's timeline when the recording is done (completed, or absent/failed:
 * the trail says a recording was attempted). A retried or late callback changes nothing.
 */
export async function recordingStatusReceived(
  deps: { db: Db; clock: Clock; logger: Logger },
  input: RecordingStatusInput,
): Promise<'recorded' | 'updated' | 'unchanged'> {
  const at = deps.clock.now()
  // Who was in the call is read before the transaction: the legs do not change any more.
  const call = await recordedCall(deps.db, input)
  const outcome = await deps.db.transaction().execute(async (trx) => {
    // Two first callbacks at once (a retry racing the original): the second waits here and
    // then finds the row, instead of failing on the unique SID.
    await sql`select pg_advisory_xact_lock(hashtext(${`recording:${input.recordingSid}`}))`.execute(
      trx,
    )
    const existing = await findRecordingBySid(trx, input.recordingSid, { forUpdate: true })
    let recordingId: string
    let caseId: string | null
    if (existing) {
      const status = nextRecordingStatus(existing.status, input.status)
      if (status === existing.status) return 'unchanged' as const
      await updateRecordingStatus(trx, existing.id, {
        status,
        durationSeconds: input.durationSeconds,
        at,
      })
      recordingId = existing.id
      caseId = existing.caseId
    } else {
      const startedAt =
        input.startedAt ?? new Date(at.getTime() - (input.durationSeconds ?? 0) * 1000)
      const row = await insertRecording(trx, {
        recordingSid: input.recordingSid,
        caseId: call.caseId,
        callSid: call.callSid ?? input.callSid,
        conferenceSid: input.conferenceSid,
        participants: call.participants,
        status: input.status,
        startedAt,
        durationSeconds: input.durationSeconds,
        at,
      })
      recordingId = row.id
      caseId = row.caseId
    }
    if (caseId && isFinal(input.status)) {
      await appendCaseEvent(trx, {
        caseId,
        type: input.status === 'completed' ? 'call_recorded' : 'recording_failed',
        actor: { kind: 'system' },
        at,
        callSid: call.callSid ?? input.callSid,
        data: {
          recordingId,
          status: input.status,
          durationSeconds: input.durationSeconds,
          participants: call.participants,
        },
      })
    }
    return existing ? ('updated' as const) : ('recorded' as const)
  })
  if (!call.caseId && outcome === 'recorded') {
    // Kept all the same (retention deletes it at Twilio in time); nobody can play it.
    deps.logger.warn({ recordingSid: input.recordingSid }, 'recording of no known case')
  }
  return outcome
}
