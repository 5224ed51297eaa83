import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { findCaseById } from '../cases/cases.repository.ts'
import type { Language } from '../domain/language.ts'
import { NotFoundError } from '../errors.ts'
import {
  findCall,
  markVoicemailReached,
  moveQueueState,
  recordReceipt,
} from './calls.repository.ts'
import type { CallDeps } from './deps.ts'
import { oweReturnCall } from './return-call.ts'

/**
 * Takes a waiting caller to voicemail (nobody answered in time). Idempotent: the dispatcher and a
 * retried webhook may both get here.
 */
export async function sendToVoicemail(
  deps: CallDeps,
  callSid: string,
  reason: string,
): Promise<boolean> {
  const at = deps.clock.now()
  const call = await findCall(deps.db, callSid)
  if (!call) throw new NotFoundError('call', callSid)
  return deps.db.transaction().execute(async (trx) => {
    if (!(await moveQueueState(trx, callSid, ['waiting'], 'voicemail', at))) return false
    if (call.caseId) {
      await appendCaseEvent(trx, {
        caseId: call.caseId,
        type: 'voicemail_offered',
        actor: { kind: 'system' },
        at,
        callSid,
        data: { reason },
      })
      await oweReturnCall(trx, {
        caseId: call.caseId,
        callSid,
        hotlineNumber: call.hotlineNumber,
        reason: 'voicemail',
        at,
      })
    }
    return true
  })
}

export async function voicemailContext(
  deps: CallDeps,
  callSid: string,
): Promise<{ language: Language; reference: string }> {
  const call = await findCall(deps.db, callSid)
  if (!call?.caseId) throw new NotFoundError('call with a case', callSid)
  const kase = await findCaseById(deps.db, call.caseId)
  if (!kase) throw new NotFoundError('case', call.caseId)
  await markVoicemailReached(deps.db, callSid)
  return { language: call.language ?? deps.config.defaultLanguage, reference: kase.reference }
}

/** Twilio's recording status callback: keep the message, once. */
export async function saveVoicemail(
  deps: CallDeps,
  r: {
    callSid: string
    recordingSid: string
    recordingUrl: string
    durationSeconds: number | null
  },
): Promise<'saved' | 'duplicate'> {
  const at = deps.clock.now()
  const call = await findCall(deps.db, r.callSid)
  if (!call?.caseId) throw new NotFoundError('call with a case', r.callSid)
  const caseId = call.caseId
  return deps.db.transaction().execute(async (trx) => {
    if (
      !(await recordReceipt(trx, {
        resourceSid: r.recordingSid,
        event: 'recording:completed',
        sequenceNumber: 0,
      }))
    ) {
      return 'duplicate'
    }
    await trx
      .insertInto('voicemails')
      .values({
        case_id: caseId,
        call_sid: r.callSid,
        recording_sid: r.recordingSid,
        recording_url: r.recordingUrl,
        duration_seconds: r.durationSeconds,
        created_at: at,
      })
      .execute()
    await appendCaseEvent(trx, {
      caseId,
      type: 'voicemail_left',
      actor: { kind: 'caller' },
      at,
      callSid: r.callSid,
      data: { recordingSid: r.recordingSid, durationSeconds: r.durationSeconds },
    })
    return 'saved'
  })
}
