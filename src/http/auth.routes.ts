import type { Request } from 'express'
import { Router } from 'express'
import { z } from 'zod'

import { listLiveTokens, revokeOwnToken } from '../agents/api-tokens.repository.ts'
import { checkLogin, issueToken } from '../agents/auth.ts'
import { makeLoginGuard } from '../agents/login-guard.ts'
import type { AppContext } from '../context.ts'
import { AppError, NotFoundError } from '../errors.ts'
import {
  CONSOLE_HEADER,
  currentAgent,
  currentAuth,
  requireAgent,
  SESSION_COOKIE,
} from './auth.middleware.ts'

const DAY_MS = 24 * 3_600_000

const login = z.object({
  jobNumber: z.string().min(1).max(12),
  password: z.string().min(1).max(200),
})
const tokenId = z.string().regex(/^[1-9][0-9]{0,17}$/, 'not a token id')

/**
 * A browser's fetch always sends Origin on a POST, and the console its own header: the page
 * has the HttpOnly cookie and never needs the token. Scripts (curl) send neither and get it.
 */
function wantsTokenInBody(req: Request): boolean {
  return req.header('origin') === undefined && req.header(CONSOLE_HEADER) === undefined
}

/** Login, logout and the agent's own tokens. Mounted on the API router before requireAgent. */
export function createAuthRouter(deps: AppContext): Router {
  const router = Router()
  const signedIn = requireAgent(deps)
  const guard = makeLoginGuard({
    redis: deps.producer,
    // Under the queue prefix, so deployments (and test runs) sharing a Redis never collide.
    keyPrefix: deps.queuePrefix,
    maxFailuresPerAccount: deps.config.auth.maxFailuresPerAccount,
    maxFailuresPerAddress: deps.config.auth.maxFailuresPerAddress,
    blockSeconds: deps.config.auth.blockSeconds,
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'login' }),
  })
  const newToken = z
    .object({
      label: z.string().min(1).max(80),
      ttlDays: z.number().int().min(1).max(deps.config.auth.apiTokenTtlDays).optional(),
    })
    .strict()

  router.post('/auth/login', async (req, res) => {
    const body = login.parse(req.body)
    const who = { jobNumber: body.jobNumber, address: req.ip ?? 'unknown' }
    const agent = await guard.attempt(who, () => checkLogin(deps.db, body.jobNumber, body.password))
    if (!agent) throw new AppError('unauthorized', 'job number or password is wrong')
    const expiresAt = new Date(deps.clock.now().getTime() + deps.config.sessionTtlHours * 3_600_000)
    const { token } = await issueToken(deps.db, {
      agentId: agent.id,
      kind: 'session',
      label: null,
      expiresAt,
    })
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: deps.config.http.publicBaseUrl.startsWith('https:'),
      expires: expiresAt,
      path: '/',
    })
    res.json(wantsTokenInBody(req) ? { token, expiresAt, agent } : { expiresAt, agent })
  })

  router.post('/auth/logout', signedIn, async (req, res) => {
    const { tokenId: id } = currentAuth(req)
    await revokeOwnToken(deps.db, { agentId: currentAgent(req).id, tokenId: id }, deps.clock.now())
    // Other instances' streams on this token end at their next re-check.
    deps.streams.endToken(id)
    res.clearCookie(SESSION_COOKIE, { path: '/' })
    res.status(204).end()
  })

  // Only a login session mints: a leaked script token cannot make itself more tokens.
  router.post('/auth/tokens', signedIn, async (req, res) => {
    if (currentAuth(req).kind !== 'session') {
      throw new AppError(
        'forbidden',
        'API tokens are minted with a login session: log in (POST /api/auth/login) and use its token',
      )
    }
    const { label, ttlDays } = newToken.parse(req.body)
    const days = ttlDays ?? deps.config.auth.apiTokenTtlDays
    const expiresAt = new Date(deps.clock.now().getTime() + days * DAY_MS)
    const { token, id } = await issueToken(deps.db, {
      agentId: currentAgent(req).id,
      kind: 'agent',
      label,
      expiresAt,
    })
    res.status(201).json({ id, token, label, expiresAt })
  })

  router.get('/auth/tokens', signedIn, async (req, res) => {
    const current = currentAuth(req).tokenId
    const tokens = await listLiveTokens(deps.db, currentAgent(req).id, deps.clock.now())
    res.json({ tokens: tokens.map((t) => ({ ...t, current: t.id === current })) })
  })

  router.delete('/auth/tokens/:id', signedIn, async (req, res) => {
    const id = tokenId.parse(req.params['id'])
    const own = { agentId: currentAgent(req).id, tokenId: id }
    if (!(await revokeOwnToken(deps.db, own, deps.clock.now()))) {
      throw new NotFoundError('token', id)
    }
    deps.streams.endToken(id)
    res.status(204).end()
  })

  return router
}
