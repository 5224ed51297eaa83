import { parse as parseCookie } from 'cookie'
import type { NextFunction, Request, Response } from 'express'

import type { Agent, Role } from '../agents/agents.repository.ts'
import { touchToken } from '../agents/api-tokens.repository.ts'
import type { TokenKind } from '../agents/auth.ts'
import { agentForToken } from '../agents/auth.ts'
import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import { AppError } from '../errors.ts'

declare module 'express-serve-static-core' {
  interface Request {
    agent?: Agent
    /** The token the request came with: logout revokes it, minting needs a session. */
    auth?: { tokenId: string; kind: TokenKind }
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

/** The console's header, or a browser's Origin naming this service's public address (bull-board). */
function sameOrigin(req: Request, publicOrigin: string): boolean {
  if (req.header(CONSOLE_HEADER)) return true
  return req.header('origin') === publicOrigin
}

/** Bearer token (session from login, or a long-lived agent token for scripts), or the cookie. */
export function requireAgent(deps: {
  db: Db
  clock: Clock
  config: { http: { publicBaseUrl: string } }
}) {
  // The browser names the address it loaded the page from. Behind a TLS proxy req.protocol says
  // http (unless TRUST_PROXY), so the expected origin comes from PUBLIC_BASE_URL instead.
  const publicOrigin = new URL(deps.config.http.publicBaseUrl).origin
  const touch = makeThrottledTouch(deps.db)
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const found = tokenOf(req)
    if (!found)
      return next(new AppError('unauthorized', 'log in first: send Authorization: Bearer <token>'))
    // A cookie rides along on any request the browser makes, so a change must also carry the
    // console's header, which another site's page cannot set, or come from this origin (CSRF).
    if (
      found.via === 'cookie' &&
      !SAFE_METHODS.includes(req.method) &&
      !sameOrigin(req, publicOrigin)
    ) {
      return next(new AppError('forbidden', `changes from the console must send ${CONSOLE_HEADER}`))
    }
    const now = deps.clock.now()
    const holder = await agentForToken(deps.db, found.token, now)
    if (!holder)
      return next(new AppError('unauthorized', 'token unknown, expired or revoked; log in again'))
    req.agent = holder.agent
    req.auth = { tokenId: holder.tokenId, kind: holder.kind }
    touch(holder.tokenId, now)
    next()
  }
}

const TOUCH_EVERY_MS = 60_000

/** "Last used" for the owner's token list, without a write on every request of a busy script. */
function makeThrottledTouch(db: Db): (tokenId: string, now: Date) => void {
  const lastTouched = new Map<string, number>()
  return (tokenId, now) => {
    const last = lastTouched.get(tokenId)
    if (last !== undefined && Math.abs(now.getTime() - last) < TOUCH_EVERY_MS) return
    // Bounded: forgetting costs one extra write per token, never a wrong answer.
    if (lastTouched.size > 10_000) lastTouched.clear()
    lastTouched.set(tokenId, now.getTime())
    // Informational only: a lost "last used" time must not fail the request it rode on.
    void touchToken(db, tokenId, now).catch(() => lastTouched.delete(tokenId))
  }
}

/** The token a request authenticated with (after requireAgent). */
export function currentAuth(req: Request): { tokenId: string; kind: TokenKind } {
  if (!req.auth) throw new AppError('unauthorized', 'log in first')
  return req.auth
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
