import { Router } from 'express'
import { z } from 'zod'

import type { CallbackDeps } from '../callbacks/deps.ts'
import { CALL_STATUSES } from '../domain/call-status.ts'
import { recordingAttributes } from '../domain/recording.ts'
import { placeSoftphoneCall } from '../softphone/outgoing-call.ts'
import { softphoneCallStatus } from '../softphone/softphone-status.ts'
import { renderSoftphoneCall } from './softphone-twiml.ts'
import { callbackRoute, twimlRoute } from './voice-handler.ts'

const callSid = z
  .string()
  .regex(/^CA[0-9a-fA-F]{32}$/, 'CallSid must be CA followed by 32 hex digits')
const optional = (max: number) =>
  z
    .string()
    .max(max)
    .optional()
    .transform((v) => (v === undefined || v === '' ? null : v.trim()))

/** What Twilio sends the TwiML App's voice URL: its own parameters and the console's. */
const outgoingParams = z
  .object({
    CallSid: callSid,
    From: z.string().min(1).max(140),
    // The console's `device.connect({ params })`, passed through by Twilio as they were.
    caseRef: optional(40),
    to: optional(40),
  })
  .transform((p) => ({ callSid: p.CallSid, from: p.From, caseRef: p.caseRef, to: p.to }))

// The <Dial>'s outcome names the dialled leg's end; "answered" is Twilio's word for a bridged
// call whose far end hung up first.
const DIAL_STATUS = z.enum(['completed', 'answered', 'busy', 'no-answer', 'failed', 'canceled'])

/** The <Dial> action (DialCallStatus) or the TwiML App's status callback (CallStatus). */
const statusParams = z
  .object({
    CallSid: callSid,
    DialCallStatus: DIAL_STATUS.optional(),
    DialCallDuration: z.coerce.number().int().min(0).optional(),
    CallStatus: z.enum(CALL_STATUSES).optional(),
    CallDuration: z.coerce.number().int().min(0).optional(),
    SequenceNumber: z.coerce.number().int().min(0).optional(),
  })
  .refine((p) => p.DialCallStatus ?? p.CallStatus, 'DialCallStatus or CallStatus is required')
  .transform((p) => {
    const dial = p.DialCallStatus === 'answered' ? 'completed' : p.DialCallStatus
    return {
      callSid: p.CallSid,
      // The caller's leg decides how the call went; the browser leg's own end says no more.
      status: dial ?? p.CallStatus ?? 'completed',
      sequenceNumber: p.SequenceNumber ?? 0,
      durationSeconds: (dial ? p.DialCallDuration : p.CallDuration) ?? null,
    }
  })

/** The TwiML App's webhooks (mounted under /voice/softphone, behind the signature check). */
export function createSoftphoneVoiceRoutes(deps: CallbackDeps): Router {
  const { config, logger, paths } = deps
  const router = Router()

  router.post(
    '/outgoing',
    twimlRoute(logger, config.defaultLanguage, async (req) => {
      const outcome = await placeSoftphoneCall(deps, outgoingParams.parse(req.body))
      // Recorded when its hotline records, like the case's conference and return calls.
      const recording =
        outcome.kind === 'dial' ? recordingAttributes(outcome, paths.recordingStatus) : {}
      return renderSoftphoneCall(paths, outcome, recording)
    }),
  )

  // An empty answer to the <Dial> action ends the browser's leg with the caller's.
  router.post(
    '/status',
    callbackRoute(logger, async (req) => {
      await softphoneCallStatus(deps, statusParams.parse(req.body))
    }),
  )
  return router
}
