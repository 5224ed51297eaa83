import type { MenuPosition } from '../domain/ivr-flow.ts'
import type { Language } from '../domain/language.ts'

/**
 * Every URL we hand to Twilio, built in one place from the public base URL. Twilio signs the
 * exact URL it calls, query included, so these are also the URLs signatures are checked against.
 */
export function createVoicePaths(publicBaseUrl: string) {
  const base = `${publicBaseUrl}/voice`
  const q = (params: Record<string, string | number>) =>
    '?' +
    new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString()
  return {
    incoming: `${base}/incoming`,
    status: `${base}/status`,
    menu: (p: MenuPosition) =>
      `${base}/menu${q({ step: p.step, lang: p.language, s: p.silences, i: p.invalids })}`,
    hold: (lang: Language) => `${base}/hold${q({ lang })}`,
    holdMusic: `${base}/assets/hold.wav`,
    conferenceStatus: `${base}/conference-status`,
    afterCall: (lang: Language) => `${base}/after-call${q({ lang })}`,
    voicemail: (callSid: string) => `${base}/voicemail${q({ call: callSid })}`,
    voicemailDone: (recorded: boolean) =>
      `${base}/voicemail/done${q({ recorded: recorded ? 1 : 0 })}`,
    voicemailRecording: `${base}/voicemail/recording`,
    noticeResend: (lang: Language) => `${base}/notice-resend${q({ lang })}`,
    agentAnswer: (offerId: string) => `${base}/agent/answer${q({ offer: offerId })}`,
    agentAccept: (offerId: string) => `${base}/agent/accept${q({ offer: offerId })}`,
    agentStatus: (offerId: string) => `${base}/agent/status${q({ offer: offerId })}`,
    agentIntroduction: (offerId: string) => `${base}/agent/introduction${q({ offer: offerId })}`,
    callbackAnswer: (callbackId: string, attempt: number, prompts = 0) =>
      `${base}/callback/answer${q({ cb: callbackId, a: attempt, p: prompts })}`,
    callbackConfirm: (callbackId: string, attempt: number, prompts: number) =>
      `${base}/callback/confirm${q({ cb: callbackId, a: attempt, p: prompts })}`,
    callbackPerson: (callbackId: string, attempt: number) =>
      `${base}/callback/person${q({ cb: callbackId, a: attempt })}`,
    callbackPersonAccept: (callbackId: string, attempt: number) =>
      `${base}/callback/person-accept${q({ cb: callbackId, a: attempt })}`,
    callbackBridged: (callbackId: string, attempt: number) =>
      `${base}/callback/bridged${q({ cb: callbackId, a: attempt })}`,
    callbackRating: (callbackId: string, attempt: number) =>
      `${base}/callback/rating${q({ cb: callbackId, a: attempt })}`,
    callbackStatus: (callbackId: string, attempt: number) =>
      `${base}/callback/status${q({ cb: callbackId, a: attempt })}`,
    smsIncoming: `${publicBaseUrl}/sms/incoming`,
    transferAnswer: (id: string) => `${base}/transfer/answer${q({ t: id })}`,
    transferAccept: (id: string) => `${base}/transfer/accept${q({ t: id })}`,
    transferStatus: (id: string) => `${base}/transfer/status${q({ t: id })}`,
    transferHold: (id: string) => `${base}/transfer/hold${q({ t: id })}`,
    transferAnnounce: (id: string, who: 'caller' | 'agent', why: string) =>
      `${base}/transfer/announce${q({ t: id, who, why })}`,
    transferRequeue: (id: string) => `${base}/transfer/requeue${q({ t: id })}`,
    /** The TwiML App's voice URL: calls an agent places from the console's softphone. */
    softphoneOutgoing: `${base}/softphone/outgoing`,
    /** The TwiML App's status callback for those calls. */
    softphoneStatus: `${base}/softphone/status`,
    /** Twilio's recordingStatusCallback for every recorded conference and call. */
    recordingStatus: `${base}/recording-status`,
    agentReleased: (offerId: string, reason: 'taken' | 'gone') =>
      `${base}/agent/released${q({ offer: offerId, reason })}`,
  }
}

export type VoicePaths = ReturnType<typeof createVoicePaths>
