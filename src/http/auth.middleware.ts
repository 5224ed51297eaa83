import { parse as parseCookie } from 'cookie'
import type { NextFunction, Request, Response } from 'express'

import type { Agent, Role } from '../agents/agents.repository.ts'
import { agentForToken } from '../agents/auth.ts'
import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import { AppError } from '../errors.ts'

declare module 'express-serve-static-core' {
  interface Request {
    agent?: Agent
  }
}

/** The web console's session cookie: HttpOnly, so page scripts never see the token. */
export const SESSION_COOKIE = 'shouwen_session'
/** The console sends this on every change; a cross-site form or image cannot. */
export const CONSOLE_HEADER = 'x-shouwen-console'

const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS']

/** The session token of a request: a bearer header (scripts), else the console's cookie. */
export function tokenOf(req: Request): { token: string; via: 'header' | 'cookie' } | undefined {
  const bearer = /^Bearer (\S+)$/i.exec(req.header('authorization') ?? '')?.[1]
  if (bearer) return { token: bearer, via: 'header' }
  const cookie = parseCookie(req.header('cookie') ?? '')[SESSION_COOKIE]
  return cookie ? { token: cookie, via: 'cookie' } : undefined
}

/** The console's header, or a browser's Origin naming this very host (tools like bull-board). */
function sameOrigin(req: Request): boolean {
  if (req.header(CONSOLE_HEADER)) return true
  const origin = req.header('origin')
  return origin !== undefined && origin === `${req.protocol}://${req.get('host') ?? ''}`
}

/** Bearer token (session from login, or a long-lived agent token for scripts), or the cookie. */
export function requireAgent(deps: { db: Db; clock: Clock }) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const found = tokenOf(req)
    if (!found)
      return next(new AppError('unauthorized', 'log in first: send Authorization: Bearer <token>'))
    // A cookie rides along on any request the browser makes, so a change must also carry the
    // console's header, which another site's page cannot set, or come from this origin (CSRF).
    if (found.via === 'cookie' && !SAFE_METHODS.includes(req.method) && !sameOrigin(req)) {
      return next(new AppError('forbidden', `changes from the console must send ${CONSOLE_HEADER}`))
    }
    const token = found.token
    const agent = await agentForToken(deps.db, token, deps.clock.now())
    if (!agent)
      return next(new AppError('unauthorized', 'token unknown, expired or revoked; log in again'))
    req.agent = agent
    next()
  }
}

export function requireRole(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.agent || !roles.includes(req.agent.role)) {
      return next(new AppError('forbidden', `requires role ${roles.join(' or ')}`))
    }
    next()
  }
}

export function currentAgent(req: Request): Agent {
  if (!req.agent) throw new AppError('unauthorized', 'log in first')
  return req.agent
}
