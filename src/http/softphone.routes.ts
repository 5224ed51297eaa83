import { Router } from 'express'
import { z } from 'zod'

import type { AppContext } from '../context.ts'
import { dialableNumbersFor } from '../softphone/case-numbers.ts'
import { issueVoiceToken } from '../softphone/voice-token.ts'
import { currentAgent } from './auth.middleware.ts'

const reference = z
  .string()
  .regex(/^[A-Z]{2,6}-\d{8}-\d{4,}$/, 'not a case reference like HL-20261123-0042')

/** The browser softphone: its Access Token, and the numbers of a case it may ring. */
export function createSoftphoneRouter(deps: AppContext): Router {
  const router = Router()

  // POST, not GET: it may give the agent an identity, and a token must never sit in a cache.
  router.post('/me/voice-token', async (req, res) => {
    const t = await issueVoiceToken(deps, currentAgent(req))
    res.json({ token: t.token, identity: t.identity, expiresAt: t.expiresAt })
  })

  router.get('/cases/:reference/dialable', async (req, res) => {
    const ref = reference.parse(req.params['reference'])
    res.json({ numbers: await dialableNumbersFor(deps.db, currentAgent(req), ref) })
  })
  return router
}
