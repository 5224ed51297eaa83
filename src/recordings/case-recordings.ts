import type { Agent } from '../agents/agents.repository.ts'
import type { CaseSummary } from '../cases/cases.repository.ts'
import { findCaseByReference } from '../cases/cases.repository.ts'
import { mayWorkOnCase } from '../cases/update-case.ts'
import type { Db } from '../db/database.ts'
import type { RecordingStatus } from '../domain/recording.ts'
import { AppError, NotFoundError } from '../errors.ts'
import type { MediaResponse } from '../telephony/recording-media.ts'
import type { Telephony } from '../telephony/telephony.ts'
import type { RecordingParticipant } from './recordings.repository.ts'
import { findRecordingOfCase, listRecordingsOfCase } from './recordings.repository.ts'

/** A recording as the case API lists it: never Twilio's SID or URL. */
export interface RecordingView {
  id: string
  startedAt: Date
  durationSeconds: number | null
  participants: RecordingParticipant[]
  status: RecordingStatus | 'deleted'
  /** Our own route that streams it, while it can be played; null otherwise. */
  audioUrl: string | null
}

export function audioPath(reference: string, recordingId: string): string {
  return `/api/cases/${encodeURIComponent(reference)}/recordings/${recordingId}/audio`
}

export async function caseRecordings(db: Db, kase: CaseSummary): Promise<RecordingView[]> {
  const rows = await listRecordingsOfCase(db, kase.id)
  return rows.map((r) => {
    const playable = r.deletedAt === null && r.status === 'completed'
    return {
      id: r.id,
      startedAt: r.startedAt,
      durationSeconds: r.durationSeconds,
      participants: r.participants,
      status: r.deletedAt === null ? r.status : 'deleted',
      audioUrl: playable ? audioPath(kase.reference, r.id) : null,
    }
  })
}

/**
 * Who may listen: whoever may read the case (supervisors and up always; agents per the case
 * rule), and the supervisor who drew it in a quality sample, whatever their role is now.
 */
export async function mayListen(db: Db, agent: Agent, kase: CaseSummary): Promise<boolean> {
  if (await mayWorkOnCase(db, agent, kase)) return true
  const reviewer = await db
    .selectFrom('quality_samples')
    .select('id')
    .where('case_id', '=', kase.id)
    .where('supervisor_id', '=', agent.id)
    .executeTakeFirst()
  return reviewer !== undefined
}

/** The audio of one of a case's recordings, streamed from Twilio with the account's credentials. */
export async function recordingAudio(
  deps: { db: Db; telephony: Telephony },
  agent: Agent,
  reference: string,
  recordingId: string,
  o: { range?: string } = {},
): Promise<MediaResponse> {
  const kase = await findCaseByReference(deps.db, reference)
  if (!kase) throw new NotFoundError('case', reference)
  if (!(await mayListen(deps.db, agent, kase))) {
    throw new AppError('forbidden', `case ${reference} is not yours to listen to`)
  }
  const rec = await findRecordingOfCase(deps.db, kase.id, recordingId)
  if (!rec || rec.deletedAt !== null || rec.status !== 'completed') {
    throw new NotFoundError(`recording of case ${reference}`, recordingId)
  }
  let media: MediaResponse | null
  try {
    media = await deps.telephony.fetchRecordingAudio(rec.recordingSid, o)
  } catch (e) {
    // Twilio failing or slow is not the listener's fault, nor a fault of ours to hide.
    throw new AppError('unavailable', 'Twilio did not give the recording just now; try again', {
      cause: e,
    })
  }
  // Twilio no longer has it (deleted by hand in its console): gone for us too.
  if (!media) throw new NotFoundError(`recording of case ${reference}`, recordingId)
  return media
}
