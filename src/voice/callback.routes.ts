import { Router } from 'express'
import twilio from 'twilio'
import { z } from 'zod'

import { callbackAnswered, confirmationKey, ratingKey } from '../callbacks/confirmation-call.ts'
import type { CallbackDeps } from '../callbacks/deps.ts'
import { applyCallbackLegStatus } from '../callbacks/leg-status.ts'
import { callerDialEnded, personAnswered, personPressed } from '../callbacks/person-first.ts'
import {
  callbackText,
  confirmationScript,
  personText,
  personWhisper,
} from '../domain/callback-prompts.ts'
import { digitsParams, statusParams } from './twilio-params.ts'
import { hangUpOnly, sayAndHangUp, sayIn } from './twiml.ts'
import { callbackRoute, twimlRoute } from './voice-handler.ts'

const { VoiceResponse } = twilio.twiml

const attemptQuery = z.object({
  cb: z.string().regex(/^\d{1,18}$/, 'cb must be a callback id'),
  a: z.coerce.number().int().min(1).max(50),
  p: z.coerce.number().int().min(0).max(5).optional(),
})
const answerParams = digitsParams.extend({ AnsweredBy: z.string().max(40).optional() })
const dialParams = digitsParams.extend({
  DialCallStatus: z.enum(['completed', 'answered', 'busy', 'no-answer', 'failed', 'canceled']),
})

// Long enough to find the phone's keypad after listening to the script.
const CONFIRM_GATHER_SECONDS = 8

/** The return call (回访): mounted under /voice/callback, behind the signature check. */
export function createCallbackVoiceRoutes(deps: CallbackDeps): Router {
  const { logger, config, paths } = deps
  const router = Router()
  const twiml = (h: Parameters<typeof twimlRoute>[2]) =>
    twimlRoute(logger, config.defaultLanguage, h)

  router.post(
    '/answer',
    twiml(async (req) => {
      const q = attemptQuery.parse(req.query)
      const b = answerParams.parse(req.body)
      const o = await callbackAnswered(deps, q.cb, q.a, b.AnsweredBy)
      if (o.kind === 'hangup') return hangUpOnly()
      const r = new VoiceResponse()
      const g = r.gather({
        input: ['dtmf'],
        numDigits: 1,
        timeout: CONFIRM_GATHER_SECONDS,
        action: paths.callbackConfirm(q.cb, q.a, q.p ?? 0),
        method: 'POST',
      })
      sayIn(g, o.language, confirmationScript(o.language, o))
      r.redirect({ method: 'POST' }, paths.callbackConfirm(q.cb, q.a, q.p ?? 0))
      return r.toString()
    }),
  )

  router.post(
    '/confirm',
    twiml(async (req) => {
      const q = attemptQuery.parse(req.query)
      const b = digitsParams.parse(req.body)
      const o = await confirmationKey(deps, q.cb, q.a, b.Digits, q.p ?? 0)
      const r = new VoiceResponse()
      switch (o.kind) {
        case 'closed': {
          const g = r.gather({
            input: ['dtmf'],
            numDigits: 1,
            timeout: CONFIRM_GATHER_SECONDS,
            action: paths.callbackRating(q.cb, q.a),
            method: 'POST',
          })
          sayIn(g, o.language, callbackText[o.language].rate)
          // Reached only when no key came: no rating, so no thanks for one.
          sayIn(r, o.language, callbackText[o.language].closing)
          r.hangup()
          return r.toString()
        }
        case 'reopened':
          return sayAndHangUp(o.language, callbackText[o.language].reopened)
        case 'no_input':
          return sayAndHangUp(o.language, callbackText[o.language].noInput)
        case 'talk': {
          sayIn(r, o.language, callbackText[o.language].connecting)
          if (o.ownerAddress) {
            const d = r.dial(o.callerId ? { callerId: o.callerId } : {})
            if (o.ownerAddress.startsWith('client:'))
              d.client(o.ownerAddress.slice('client:'.length))
            else d.number(o.ownerAddress)
          }
          return r.toString()
        }
        case 'again':
          r.redirect({ method: 'POST' }, paths.callbackAnswer(q.cb, q.a, o.prompts))
          return r.toString()
        case 'hangup':
          return hangUpOnly()
      }
    }),
  )

  router.post(
    '/rating',
    twiml(async (req) => {
      const q = attemptQuery.parse(req.query)
      const b = digitsParams.parse(req.body)
      const o = await ratingKey(deps, q.cb, q.a, b.Digits)
      // A key that is not 1-5 is no rating: the plain closing, not a thank-you for one.
      return sayAndHangUp(o.language, callbackText[o.language][o.rated ? 'thanks' : 'closing'])
    }),
  )

  router.post(
    '/person',
    twiml(async (req) => {
      const q = attemptQuery.parse(req.query)
      digitsParams.parse(req.body)
      const o = await personAnswered(deps, q.cb, q.a)
      if (o.kind === 'hangup') return hangUpOnly()
      const r = new VoiceResponse()
      const action = paths.callbackPersonAccept(q.cb, q.a)
      const g = r.gather({
        input: ['dtmf'],
        numDigits: 1,
        timeout: CONFIRM_GATHER_SECONDS,
        action,
        method: 'POST',
      })
      sayIn(g, o.language, personWhisper(o.language, o))
      r.redirect({ method: 'POST' }, action)
      return r.toString()
    }),
  )

  router.post(
    '/person-accept',
    twiml(async (req) => {
      const q = attemptQuery.parse(req.query)
      const b = digitsParams.parse(req.body)
      const o = await personPressed(deps, q.cb, q.a, b.Digits)
      if (o.kind === 'hangup') return hangUpOnly()
      const r = new VoiceResponse()
      if (o.kind === 'later') return sayAndHangUp(o.language, personText[o.language].later)
      sayIn(r, o.language, personText[o.language].calling)
      // Only now is the caller rung; they hear the person, never a machine or a queue.
      r.dial({
        callerId: o.callerId,
        timeout: 25,
        action: paths.callbackBridged(q.cb, q.a),
        method: 'POST',
      }).number(o.callerNumber)
      return r.toString()
    }),
  )

  router.post(
    '/bridged',
    twiml(async (req) => {
      const q = attemptQuery.parse(req.query)
      const b = dialParams.parse(req.body)
      const o = await callerDialEnded(deps, q.cb, q.a, b.DialCallStatus)
      const r = new VoiceResponse()
      if (o && !o.reached) sayIn(r, o.language, personText[o.language].unreached)
      r.hangup()
      return r.toString()
    }),
  )

  router.post(
    '/status',
    callbackRoute(logger, async (req) => {
      const q = attemptQuery.parse(req.query)
      await applyCallbackLegStatus(deps, q.cb, q.a, statusParams.parse(req.body))
    }),
  )
  return router
}
