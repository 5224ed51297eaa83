import express, { Router } from 'express'
import twilio from 'twilio'
import { z } from 'zod'

import type { CallbackDeps } from '../callbacks/deps.ts'
import { applySmsVerdict, SMS_REPLIES } from '../callbacks/sms-verdict.ts'
import { coerceError } from '../errors.ts'
import { traceScope } from '../metrics/webhook-trace.ts'
import { dropNulParams } from './nul-params.ts'
import { requireTwilioSignature } from './twilio-signature.ts'

const inboundSms = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, 'MessageSid must be SM/MM + 32 hex'),
  From: z.string().min(1).max(40),
  To: z.string().min(1).max(40),
  Body: z.string().max(1600),
})

/** Twilio's messaging webhook (signed like the voice ones); answers with TwiML <Message>. */
export function createSmsRouter(deps: CallbackDeps): Router {
  const router = Router()
  router.use(express.urlencoded({ extended: false, limit: '64kb' }), traceScope)
  router.use(
    requireTwilioSignature({
      authToken: deps.config.twilio.authToken,
      publicBaseUrl: deps.config.http.publicBaseUrl,
      logger: deps.logger,
    }),
    dropNulParams(deps.logger, ['Body']),
  )
  router.post('/incoming', async (req, res) => {
    const r = new twilio.twiml.MessagingResponse()
    const parsed = inboundSms.safeParse(req.body)
    if (!parsed.success) {
      res.status(400).type('text/xml').send(r.toString())
      return
    }
    try {
      const m = parsed.data
      const outcome = await applySmsVerdict(deps, {
        messageSid: m.MessageSid,
        from: m.From,
        to: m.To,
        body: m.Body,
      })
      r.message(SMS_REPLIES[outcome])
    } catch (e) {
      ;(req.log ?? deps.logger).error({ err: coerceError(e) }, 'inbound sms failed')
      res.status(500)
    }
    res.type('text/xml').send(r.toString())
  })
  return router
}
