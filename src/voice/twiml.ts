import twilio from 'twilio'

import type { AcceptOutcome, TooLate, Whisper } from '../calls/agent-offer.ts'
import type { MenuOutcome, MenuView } from '../calls/inbound-call.ts'
import type { Language } from '../domain/language.ts'
import { otherLanguage } from '../domain/language.ts'
import {
  agentConnected,
  agentDeclined,
  agentTooLate,
  prompts,
  promptsVersion,
  whisper as whisperText,
} from '../domain/prompts.ts'
import type { RecordingMode } from '../domain/recording.ts'
import { conferenceRecordingAttributes } from '../domain/recording.ts'
import type { VoicePaths } from './paths.ts'

/** Pure renderers: a use-case outcome in, a TwiML string out. */

const { VoiceResponse } = twilio.twiml
type Response = InstanceType<typeof VoiceResponse>

// Long enough for a caller to find a key, short enough that silence is noticed.
const MENU_GATHER_TIMEOUT_SECONDS = 6
const WHISPER_GATHER_TIMEOUT_SECONDS = 8
const VOICEMAIL_MAX_SECONDS = 120

// Twilio's default voice ("man") has no Mandarin: without a voice that speaks the language,
// <Say language="zh-CN"> fails. Amazon Polly's standard voices are available on every account.
const VOICES: Record<Language, 'Polly.Zhiyu' | 'Polly.Joanna'> = {
  'zh-CN': 'Polly.Zhiyu',
  'en-US': 'Polly.Joanna',
}

/** A <Say> in the right voice for its language, for renderers outside this file. */
export function sayIn(r: Pick<Response, 'say'>, lang: Language, text: string): void {
  say(r, lang, text)
}

function say(r: Pick<Response, 'say'>, lang: Language, text: string): void {
  r.say({ language: lang, voice: VOICES[lang] }, text)
}

// Building a document through VoiceResponse (xmlbuilder) cost more CPU than everything else in
// the hold loop's webhook, and the same inputs always give the same document: the hold prompt,
// the first menu and the goodbyes repeat for every caller. So documents are kept, keyed by every
// input they depend on (the public base URL included: tests run several apps in one process).
// Bounded, since a reference or an id makes some keys unique to one call.
const MAX_KEPT = 2000
const kept = new Map<string, string>()

/** The document `render` builds for `key`, built once. Exported for the unit test. */
export function keptTwiml(key: string, render: () => string): string {
  const hit = kept.get(key)
  if (hit !== undefined) return hit
  const xml = render()
  if (kept.size >= MAX_KEPT) kept.clear()
  kept.set(key, xml)
  return xml
}

export function renderMenu(
  paths: VoicePaths,
  v: MenuView & { notice?: 'none' | 'invalid' | 'silence' },
  opts: { greet: boolean },
): string {
  // Exactly what buildMenu reads: the open case only on its own step, else the categories.
  const openCaseStep = v.position.step === 'open_case' && v.openCase
  const key = JSON.stringify([
    'menu',
    promptsVersion(),
    paths.incoming,
    v.position,
    v.notice ?? 'none',
    opts.greet,
    opts.greet ? v.orgName : '',
    opts.greet && v.recordingNotice === true,
    openCaseStep ? v.openCase : v.categories,
  ])
  return keptTwiml(key, () => buildMenu(paths, v, opts))
}

function buildMenu(
  paths: VoicePaths,
  v: MenuView & { notice?: 'none' | 'invalid' | 'silence' },
  opts: { greet: boolean },
): string {
  const r = new VoiceResponse()
  const lang = v.position.language
  const p = prompts(lang)
  const g = r.gather({
    input: ['dtmf'],
    numDigits: 1,
    timeout: MENU_GATHER_TIMEOUT_SECONDS,
    action: paths.menu(v.position),
    method: 'POST',
  })
  if (v.notice === 'invalid') say(g, lang, p.invalidChoice)
  if (v.notice === 'silence') say(g, lang, p.didNotHear)
  if (opts.greet) say(g, lang, p.greeting(v.orgName))
  // Told before anything else is said, so no word of the caller's is recorded unannounced.
  if (opts.greet && v.recordingNotice) say(g, lang, p.recordingNotice)
  if (v.position.step === 'open_case' && v.openCase) {
    say(g, lang, p.openCase(v.openCase.reference, v.openCase.ownerJobNumber))
  } else {
    say(g, lang, p.categoryMenu(v.categories))
  }
  say(g, lang, p.resendNotice)
  say(g, otherLanguage(lang), p.switchLanguage)
  // No key by the timeout: Twilio falls through to here; the menu counts the silence.
  r.redirect({ method: 'POST' }, paths.menu(v.position))
  return r.toString()
}

export function renderMenuOutcome(paths: VoicePaths, o: MenuOutcome): string {
  switch (o.kind) {
    case 'menu':
      return renderMenu(paths, o, { greet: false })
    case 'hangup_silent':
      return sayAndHangUp(o.language, prompts(o.language).silentGoodbye)
    case 'notice_resend': {
      const r = new VoiceResponse()
      const g = r.gather({
        input: ['dtmf'],
        finishOnKey: '#',
        timeout: MENU_GATHER_TIMEOUT_SECONDS * 2,
        action: paths.noticeResend(o.language),
        method: 'POST',
      })
      say(g, o.language, prompts(o.language).enterReference)
      r.redirect({ method: 'POST' }, paths.noticeResend(o.language))
      return r.toString()
    }
    case 'voicemail':
      return renderVoicemailPrompt(paths, o.language)
    case 'gone':
      return hangUpOnly()
    case 'queued': {
      const r = new VoiceResponse()
      const p = prompts(o.language)
      say(r, o.language, o.emergency ? p.connectingEmergency : p.connecting)
      queueConference(r, paths, o.language, o.conferenceName, o.recording)
      return r.toString()
    }
  }
}

/** The caller's seat in their own conference, waiting with music until an agent joins. */
export function queueConference(
  r: Response,
  paths: VoicePaths,
  lang: Language,
  conferenceName: string,
  recording: RecordingMode = 'off',
): void {
  const d = r.dial({ action: paths.afterCall(lang), method: 'POST' })
  d.conference(
    {
      // Set on every seat of the case's room: whichever joins first decides, so all agree.
      ...conferenceRecordingAttributes(recording, paths.recordingStatus),
      // The agent's joining starts it; the caller hanging up ends it.
      startConferenceOnEnter: false,
      endConferenceOnExit: true,
      beep: 'false',
      waitUrl: paths.hold(lang),
      waitMethod: 'POST',
      statusCallback: paths.conferenceStatus,
      statusCallbackMethod: 'POST',
      statusCallbackEvent: ['start', 'end', 'join', 'leave'],
    },
    conferenceName,
  )
}

/** The waitUrl document, looped by Twilio: a progress message, then ~15 s of music. */
export function renderHold(lang: Language, musicUrl: string): string {
  // Keyed by the words themselves: an administrator may reword them at any time.
  const words = prompts(lang).holdProgress
  return keptTwiml(JSON.stringify(['hold', lang, words, musicUrl]), () => {
    const r = new VoiceResponse()
    say(r, lang, words)
    // The built-in clip lasts HOLD_PROGRESS_SECONDS; Twilio re-fetches this document when it
    // ends, so the progress message comes back at that interval. A custom HOLD_MUSIC_URL should
    // match.
    r.play({}, musicUrl)
    return r.toString()
  })
}

export function renderVoicemailPrompt(paths: VoicePaths, lang: Language): string {
  const r = new VoiceResponse()
  say(r, lang, prompts(lang).voicemail)
  r.record({
    action: paths.voicemailDone(true),
    method: 'POST',
    maxLength: VOICEMAIL_MAX_SECONDS,
    finishOnKey: '#',
    playBeep: true,
    recordingStatusCallback: paths.voicemailRecording,
    recordingStatusCallbackMethod: 'POST',
  })
  // Twilio skips the action for an empty recording and goes on with the next verb: the caller
  // still hears their case reference and that we will call back.
  r.redirect({ method: 'POST' }, paths.voicemailDone(false))
  return r.toString()
}

export function sayAndHangUp(lang: Language, text: string): string {
  return keptTwiml(JSON.stringify(['bye', lang, text]), () => {
    const r = new VoiceResponse()
    say(r, lang, text)
    r.hangup()
    return r.toString()
  })
}

export function renderWhisper(paths: VoicePaths, offerId: string, w: Whisper | TooLate): string {
  if (w.kind === 'too_late') return sayAndHangUp(w.language, agentTooLate(w.language, w.reason))
  const r = new VoiceResponse()
  const g = r.gather({
    input: ['dtmf'],
    numDigits: 1,
    timeout: WHISPER_GATHER_TIMEOUT_SECONDS,
    action: paths.agentAccept(offerId),
    method: 'POST',
  })
  say(g, w.language, whisperText(w.language, w))
  // No key: the accept handler sees no digits and releases the call to a colleague.
  r.redirect({ method: 'POST' }, paths.agentAccept(offerId))
  return r.toString()
}

export function renderAccept(paths: VoicePaths, o: AcceptOutcome): string {
  if (o.kind === 'too_late') return sayAndHangUp(o.language, agentTooLate(o.language, o.reason))
  if (o.kind === 'declined') return sayAndHangUp(o.language, agentDeclined(o.language))
  const r = new VoiceResponse()
  say(r, o.language, agentConnected(o.language, o.reference))
  const d = r.dial()
  d.conference(
    {
      // The agent's joining starts the conference, and with it the recording (when on).
      ...conferenceRecordingAttributes(o.recording, paths.recordingStatus),
      startConferenceOnEnter: true,
      // In a one-to-one call the agent hanging up ends it; the caller hears the goodbye.
      endConferenceOnExit: true,
      beep: 'false',
      statusCallback: paths.conferenceStatus,
      statusCallbackMethod: 'POST',
      statusCallbackEvent: ['start', 'end', 'join', 'leave'],
    },
    o.conferenceName,
  )
  return r.toString()
}

/** Nothing to say: end the call. */
export function hangUpOnly(): string {
  return keptTwiml('["hangup"]', () => {
    const r = new VoiceResponse()
    r.hangup()
    return r.toString()
  })
}

export function emptyResponse(): string {
  return keptTwiml('["empty"]', () => new VoiceResponse().toString())
}
