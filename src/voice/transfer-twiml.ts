import twilio from 'twilio'

import type { Language } from '../domain/language.ts'
import { prompts } from '../domain/prompts.ts'
import type { RecordingMode } from '../domain/recording.ts'
import type { DeptName } from '../domain/transfer-prompts.ts'
import * as T from '../domain/transfer-prompts.ts'
import type { DeptAnswer, DeptChoice } from '../transfers/department-leg.ts'
import type { VoicePaths } from './paths.ts'
import { queueConference, sayAndHangUp, sayIn } from './twiml.ts'

/** Pure renderers for the transfer's webhooks. */

const { VoiceResponse } = twilio.twiml

// Long enough to take in the briefing's last words and find the key.
const BRIEFING_GATHER_TIMEOUT_SECONDS = 10

export function renderBriefing(paths: VoicePaths, id: string, a: DeptAnswer): string {
  if (a.kind === 'too_late') return sayAndHangUp(a.language, T.departmentTooLate(a.language))
  const r = new VoiceResponse()
  const g = r.gather({
    input: ['dtmf'],
    numDigits: 1,
    timeout: BRIEFING_GATHER_TIMEOUT_SECONDS,
    action: paths.transferAccept(id),
    method: 'POST',
  })
  sayIn(g, a.language, T.departmentBriefing(a.language, a))
  // Said twice: a department person may pick up mid-sentence.
  sayIn(g, a.language, T.departmentBriefing(a.language, a))
  r.redirect({ method: 'POST' }, paths.transferAccept(id))
  return r.toString()
}

export function renderDepartmentChoice(paths: VoicePaths, c: DeptChoice): string {
  if (c.kind === 'too_late') return sayAndHangUp(c.language, T.departmentTooLate(c.language))
  if (c.kind === 'declined') return sayAndHangUp(c.language, T.departmentDeclined(c.language))
  const r = new VoiceResponse()
  sayIn(r, c.language, T.departmentAccepted(c.language, c.cold))
  r.dial().conference(
    {
      startConferenceOnEnter: true,
      // The department leaving never ends the call for the caller: the app decides that.
      endConferenceOnExit: false,
      beep: 'false',
      statusCallback: paths.conferenceStatus,
      statusCallbackMethod: 'POST',
      statusCallbackEvent: ['start', 'end', 'join', 'leave'],
    },
    c.conferenceName,
  )
  return r.toString()
}

/** The caller's hold during a transfer: who they are being put through to, then music. */
export function renderTransferHold(lang: Language, dept: DeptName, musicUrl: string): string {
  const r = new VoiceResponse()
  sayIn(r, lang, T.transferHold(lang, dept))
  r.play({}, musicUrl)
  return r.toString()
}

export function renderAnnouncement(lang: Language, text: string): string {
  const r = new VoiceResponse()
  sayIn(r, lang, text)
  return r.toString()
}

/** The caller back in the queue after the agent left and the department could not take it. */
export function renderRequeue(
  paths: VoicePaths,
  lang: Language,
  dept: DeptName,
  conferenceName: string,
  recording: RecordingMode = 'off',
): string {
  const r = new VoiceResponse()
  sayIn(r, lang, T.callerRequeued(lang, dept))
  queueConference(r, paths, lang, conferenceName, recording)
  return r.toString()
}

export function renderGoodbye(lang: Language): string {
  return sayAndHangUp(lang, prompts(lang).afterCall)
}
