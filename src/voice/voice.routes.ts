import express, { Router } from 'express'

import type { CallbackDeps } from '../callbacks/deps.ts'
import { acceptOffer, agentIntroduction } from '../calls/agent-introduction.ts'
import { agentAnswered, offerLanguage } from '../calls/agent-offer.ts'
import { applyCallerLegStatus } from '../calls/caller-leg-status.ts'
import { applyConferenceStatus } from '../calls/conference-status.ts'
import { receiveIncomingCall } from '../calls/inbound-call.ts'
import { chooseFromMenu } from '../calls/menu-choice.ts'
import { applyAgentLegStatus } from '../calls/status-callbacks.ts'
import { saveVoicemail, voicemailContext } from '../calls/voicemail.ts'
import { oldestPoolWaitMs } from '../db/database.ts'
import type { Language } from '../domain/language.ts'
import { agentTooLate, callEnded, prompts } from '../domain/prompts.ts'
import { traceScope } from '../metrics/webhook-trace.ts'
import { resendNoticesByDigits } from '../notices/notices.ts'
import { recordingStatusReceived } from '../recordings/recording-status.ts'
import { createCallbackVoiceRoutes } from './callback.routes.ts'
import { synthesizeHoldMusic } from './hold-music.ts'
import { dropNulParams } from './nul-params.ts'
import { shedNewCalls } from './shed-new-calls.ts'
import { createSoftphoneVoiceRoutes } from './softphone.routes.ts'
import { createTransferVoiceRoutes } from './transfer.routes.ts'
import { renderAnnouncement } from './transfer-twiml.ts'
import * as P from './twilio-params.ts'
import { requireTwilioSignature } from './twilio-signature.ts'
import {
  emptyResponse,
  renderAccept,
  renderHold,
  renderMenu,
  renderMenuOutcome,
  renderVoicemailPrompt,
  renderWhisper,
  sayAndHangUp,
} from './twiml.ts'
import { callbackRoute, twimlRoute, voiceFallback } from './voice-handler.ts'

/** Twilio's webhooks. Each route: parse → one use-case → render. */
export function createVoiceRouter(deps: CallbackDeps): Router {
  const { config, logger, paths } = deps
  const router = Router()
  const music = synthesizeHoldMusic(config.voice.holdProgressSeconds)
  // Twilio fetches <Play> media unsigned, like any media server would; it holds nothing private.
  router.get('/assets/hold.wav', (_req, res) => {
    res.type('audio/wav').setHeader('Cache-Control', 'public, max-age=86400').send(music)
  })
  router.use(express.urlencoded({ extended: false, limit: '64kb' }), traceScope)
  router.use(
    requireTwilioSignature({
      authToken: config.twilio.authToken,
      publicBaseUrl: config.http.publicBaseUrl,
      logger,
    }),
    dropNulParams(logger),
  )
  const twiml = (h: Parameters<typeof twimlRoute>[2], unknown?: Parameters<typeof twimlRoute>[3]) =>
    twimlRoute(logger, config.defaultLanguage, h, unknown)
  // An agent's leg for an offer we do not know: told politely, then hung up.
  const offerGone = (lang: Language) => sayAndHangUp(lang, callEnded(lang))
  const callback = (h: Parameters<typeof callbackRoute>[1]) => callbackRoute(logger, h)

  router.post(
    '/incoming',
    shedNewCalls({
      afterMs: config.voice.shedNewCallsAfterMs,
      behindMs: () => oldestPoolWaitMs(deps.db),
      onShed: () => deps.metrics.callsShed.inc(),
      logger,
      language: config.defaultLanguage,
    }),
    twiml(async (req) => {
      const outcome = await receiveIncomingCall(deps, P.incomingParams.parse(req.body))
      if (outcome.kind === 'not_in_service')
        return sayAndHangUp(config.defaultLanguage, prompts(config.defaultLanguage).notInService)
      return renderMenu(paths, outcome, { greet: true })
    }),
  )

  router.post(
    '/menu',
    twiml(async (req) => {
      const q = P.menuQuery.parse(req.query)
      const b = P.digitsParams.parse(req.body)
      const position = {
        step: q.step,
        language: q.lang,
        silences: q.s,
        invalids: q.i,
      }
      const outcome = await chooseFromMenu(deps, { callSid: b.CallSid, position, digits: b.Digits })
      return renderMenuOutcome(paths, outcome)
    }),
  )

  router.post(
    '/hold',
    twiml((req) => {
      const { lang } = P.langQuery.parse(req.query)
      return renderHold(lang, config.voice.holdMusicUrl ?? paths.holdMusic)
    }),
  )

  router.post(
    '/after-call',
    twiml((req) => {
      const { lang } = P.langQuery.parse(req.query)
      return sayAndHangUp(lang, prompts(lang).afterCall)
    }),
  )

  router.post(
    '/voicemail',
    twiml(async (req) => {
      const { call } = P.voicemailQuery.parse(req.query)
      const { language } = await voicemailContext(deps, call)
      return renderVoicemailPrompt(paths, language)
    }),
  )

  router.post(
    '/voicemail/done',
    twiml(async (req) => {
      const { recorded } = P.voicemailDoneQuery.parse(req.query)
      const { CallSid } = P.digitsParams.parse(req.body)
      const { language, reference } = await voicemailContext(deps, CallSid)
      const p = prompts(language)
      return sayAndHangUp(
        language,
        recorded ? p.voicemailDone(reference) : p.noRecording(reference),
      )
    }),
  )

  router.post(
    '/notice-resend',
    twiml(async (req) => {
      const { lang } = P.langQuery.parse(req.query)
      const b = P.digitsParams.parse(req.body)
      const p = prompts(lang)
      const r = await resendNoticesByDigits(deps, b.Digits)
      return sayAndHangUp(lang, r === 'resent' ? p.noticeResent : p.noNoticeFound)
    }),
  )

  router.post(
    '/voicemail/recording',
    callback(async (req) => {
      const r = P.recordingParams.parse(req.body)
      await saveVoicemail(deps, {
        callSid: r.CallSid,
        recordingSid: r.RecordingSid,
        recordingUrl: r.RecordingUrl,
        durationSeconds: r.RecordingDuration ?? null,
      })
    }),
  )

  // Every recorded conference and call (recording settings on the hotline): a row on the case.
  router.post(
    '/recording-status',
    callback(async (req) => {
      await recordingStatusReceived(deps, P.callRecordingParams.parse(req.body))
    }),
  )

  router.post(
    '/status',
    callback(async (req) => {
      await applyCallerLegStatus(deps, P.statusParams.parse(req.body))
    }),
  )

  router.post(
    '/conference-status',
    callback(async (req) => {
      await applyConferenceStatus(deps, P.conferenceParams.parse(req.body))
    }),
  )

  router.post(
    '/agent/answer',
    twiml(async (req) => {
      const { offer } = P.offerQuery.parse(req.query)
      P.digitsParams.parse(req.body)
      return renderWhisper(paths, offer, await agentAnswered(deps, offer))
    }, offerGone),
  )

  router.post(
    '/agent/accept',
    twiml(async (req) => {
      const { offer } = P.offerQuery.parse(req.query)
      const b = P.digitsParams.parse(req.body)
      return renderAccept(paths, await acceptOffer(deps, offer, b.Digits))
    }, offerGone),
  )

  // Played to the waiting caller as their agent accepts; an unknown offer gets silence.
  router.post(
    '/agent/introduction',
    twiml(async (req) => {
      const { offer } = P.offerQuery.parse(req.query)
      const { language, text } = await agentIntroduction(deps, offer)
      return renderAnnouncement(language, text)
    }, emptyResponse),
  )

  router.post(
    '/agent/released',
    twiml(async (req) => {
      const q = P.releasedQuery.parse(req.query)
      P.digitsParams.parse(req.body)
      const lang = await offerLanguage(deps, q.offer)
      return sayAndHangUp(lang, agentTooLate(lang, q.reason))
    }, offerGone),
  )

  router.post(
    '/agent/status',
    callback(async (req) => {
      const { offer } = P.offerQuery.parse(req.query)
      await applyAgentLegStatus(deps, offer, P.statusParams.parse(req.body))
    }),
  )

  router.use('/callback', createCallbackVoiceRoutes(deps))
  router.use('/transfer', createTransferVoiceRoutes(deps))
  // The TwiML App's voice URL and status: calls agents place from the console's softphone.
  router.use('/softphone', createSoftphoneVoiceRoutes(deps))
  const fallback = voiceFallback(logger, config.defaultLanguage)
  router.use(fallback.notFound)
  router.use(fallback.onError)
  return router
}
