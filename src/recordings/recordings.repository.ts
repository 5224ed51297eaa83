import { sql } from 'kysely'

import type { Db } from '../db/database.ts'
import type { RecordingParticipant } from '../db/schema.ts'
import type { RecordingStatus } from '../domain/recording.ts'

export type { RecordingParticipant }

export interface Recording {
  id: string
  recordingSid: string
  caseId: string | null
  callSid: string | null
  conferenceSid: string | null
  participants: RecordingParticipant[]
  status: RecordingStatus
  startedAt: Date
  durationSeconds: number | null
  deletedAt: Date | null
}

type Row = {
  id: string
  recording_sid: string
  case_id: string | null
  call_sid: string | null
  conference_sid: string | null
  participants: RecordingParticipant[]
  status: RecordingStatus
  started_at: Date
  duration_seconds: number | null
  deleted_at: Date | null
}

const toRecording = (r: Row): Recording => ({
  id: r.id,
  recordingSid: r.recording_sid,
  caseId: r.case_id,
  callSid: r.call_sid,
  conferenceSid: r.conference_sid,
  participants: r.participants,
  status: r.status,
  startedAt: r.started_at,
  durationSeconds: r.duration_seconds,
  deletedAt: r.deleted_at,
})

export async function findRecordingBySid(
  db: Db,
  recordingSid: string,
  o: { forUpdate?: boolean } = {},
): Promise<Recording | undefined> {
  let q = db.selectFrom('recordings').selectAll().where('recording_sid', '=', recordingSid)
  if (o.forUpdate) q = q.forUpdate()
  const r = await q.executeTakeFirst()
  return r && toRecording(r)
}

export async function insertRecording(
  db: Db,
  r: Omit<Recording, 'id' | 'deletedAt'> & { at: Date },
): Promise<Recording> {
  const row = await db
    .insertInto('recordings')
    .values({
      recording_sid: r.recordingSid,
      case_id: r.caseId,
      call_sid: r.callSid,
      conference_sid: r.conferenceSid,
      participants: JSON.stringify(r.participants),
      status: r.status,
      started_at: r.startedAt,
      duration_seconds: r.durationSeconds,
      created_at: r.at,
      updated_at: r.at,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toRecording(row)
}

export async function updateRecordingStatus(
  db: Db,
  id: string,
  s: { status: RecordingStatus; durationSeconds: number | null; at: Date },
): Promise<void> {
  await db
    .updateTable('recordings')
    .set((eb) => ({
      status: s.status,
      duration_seconds: eb.fn.coalesce(sql.val(s.durationSeconds), 'duration_seconds'),
      updated_at: s.at,
    }))
    .where('id', '=', id)
    .execute()
}

/** A case's recordings, oldest first, deleted ones included (the trail says they existed). */
export async function listRecordingsOfCase(db: Db, caseId: string): Promise<Recording[]> {
  const rows = await db
    .selectFrom('recordings')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('started_at')
    .orderBy('id')
    .execute()
  return rows.map(toRecording)
}

export async function findRecordingOfCase(
  db: Db,
  caseId: string,
  id: string,
): Promise<Recording | undefined> {
  const r = await db
    .selectFrom('recordings')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('id', '=', id)
    .executeTakeFirst()
  return r && toRecording(r)
}

/**
 * Recordings that started before `before` and are still at Twilio, by id after `afterId`: a
 * run pages past the ones Twilio refused this time instead of asking for them again.
 */
export async function listExpiredRecordings(
  db: Db,
  before: Date,
  o: { afterId: string; limit: number },
): Promise<{ id: string; recordingSid: string }[]> {
  const rows = await db
    .selectFrom('recordings')
    .select(['id', 'recording_sid'])
    .where('deleted_at', 'is', null)
    .where('started_at', '<', before)
    .where('id', '>', o.afterId)
    .orderBy('id')
    .limit(o.limit)
    .execute()
  return rows.map((r) => ({ id: r.id, recordingSid: r.recording_sid }))
}

export async function markRecordingsDeleted(db: Db, ids: string[], at: Date): Promise<void> {
  if (ids.length === 0) return
  await db
    .updateTable('recordings')
    .set({ deleted_at: at, updated_at: at })
    .where('id', 'in', ids)
    .where('deleted_at', 'is', null)
    .execute()
}
