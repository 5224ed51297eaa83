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

/** Bearer token (session from login, or a long-lived agent token for scripts). */
export function requireAgent(deps: { db: Db; clock: Clock }) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const header = req.header('authorization') ?? ''
    const token = /^Bearer (\S+)$/i.exec(header)?.[1]
    if (!token)
      return next(new AppError('unauthorized', 'log in first: send Authorization: Bearer <token>'))
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
