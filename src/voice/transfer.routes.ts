import { Router } from 'express'
import { z } from 'zod'

import type { CallbackDeps } from '../callbacks/deps.ts'
import type { Language } from '../domain/language.ts'
import * as T from '../domain/transfer-prompts.ts'
import {
  departmentAnswered,
  departmentLegStatus,
  departmentPressed,
  requeueView,
  transferView,
} from '../transfers/department-leg.ts'
import {
  renderAnnouncement,
  renderBriefing,
  renderDepartmentChoice,
  renderRequeue,
  renderTransferHold,
} from './transfer-twiml.ts'
import * as P from './twilio-params.ts'
import { emptyResponse, renderHold, sayAndHangUp } from './twiml.ts'
import { callbackRoute, twimlRoute } from './voice-handler.ts'

const transferQuery = z.object({ t: z.string().uuid('t must be a transfer id') })
const announceQuery = transferQuery.extend({
  who: z.enum(['caller', 'agent']),
  why: z.enum(['no_answer', 'declined', 'busy', 'failed', 'cancelled']),
})

/** Webhooks of a transfer's department leg and of the held caller (mounted under /voice). */
export function createTransferVoiceRoutes(deps: CallbackDeps): Router {
  const { config, logger, paths } = deps
  const router = Router()
  const twiml = (h: Parameters<typeof twimlRoute>[2], unknown?: Parameters<typeof twimlRoute>[3]) =>
    twimlRoute(logger, config.defaultLanguage, h, unknown)
  // For a transfer we do not know: its department leg is told it is over; a held caller keeps
  // the hold music (the app takes them off hold), and an announcement is simply skipped.
  const departmentGone = (lang: Language) => sayAndHangUp(lang, T.departmentTooLate(lang))
  const keepHolding = (lang: Language) =>
    renderHold(lang, config.voice.holdMusicUrl ?? paths.holdMusic)

  router.post(
    '/answer',
    twiml(async (req) => {
      const { t } = transferQuery.parse(req.query)
      P.digitsParams.parse(req.body)
      return renderBriefing(paths, t, await departmentAnswered(deps, t))
    }, departmentGone),
  )

  router.post(
    '/accept',
    twiml(async (req) => {
      const { t } = transferQuery.parse(req.query)
      const b = P.digitsParams.parse(req.body)
      return renderDepartmentChoice(paths, await departmentPressed(deps, t, b.Digits))
    }, departmentGone),
  )

  router.post(
    '/status',
    callbackRoute(logger, async (req) => {
      const { t } = transferQuery.parse(req.query)
      await departmentLegStatus(deps, t, P.statusParams.parse(req.body))
    }),
  )

  router.post(
    '/hold',
    twiml(async (req) => {
      const { t } = transferQuery.parse(req.query)
      const v = await transferView(deps, t)
      return renderTransferHold(v.language, v.dept, config.voice.holdMusicUrl ?? paths.holdMusic)
    }, keepHolding),
  )

  router.post(
    '/announce',
    twiml(async (req) => {
      const q = announceQuery.parse(req.query)
      const v = await transferView(deps, q.t)
      const text =
        q.who === 'caller'
          ? T.callerBackWithOwner(v.language, v.dept)
          : T.ownerTransferFailed(v.language, v.dept, q.why)
      return renderAnnouncement(v.language, text)
    }, emptyResponse),
  )

  router.post(
    '/requeue',
    twiml(async (req) => {
      const { t } = transferQuery.parse(req.query)
      P.digitsParams.parse(req.body)
      const v = await requeueView(deps, t)
      return renderRequeue(paths, v.language, v.dept, v.conferenceName, v.recording)
    }),
  )
  return router
}
