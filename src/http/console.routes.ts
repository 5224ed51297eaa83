import type { Request, Response } from 'express'
import { Router } from 'express'

import type { Agent } from '../agents/agents.repository.ts'
import { listAgents } from '../agents/agents.repository.ts'
import { listHotlines } from '../calls/directory.repository.ts'
import { myCalls, myCasesByDeadline, supervisorBoard } from '../console/board.ts'
import type { AppContext } from '../context.ts'
import type { LiveHint } from '../live/live-hub.ts'
import { currentAgent, requireRole } from './auth.middleware.ts'

const SUPERVISING = ['supervisor', 'manager', 'admin']
const HEARTBEAT_MS = 15_000

/** Whether this agent's screens care about a hint; supervisors see the whole floor. */
export function hintFor(agent: Agent, h: LiveHint): boolean {
  if (SUPERVISING.includes(agent.role)) return true
  switch (h.t) {
    case 'case_event':
      return h.firstOwnerId === agent.id || h.actorAgentId === agent.id
    case 'notification':
    case 'offer':
    case 'presence':
      return h.agentId === agent.id
    case 'call':
      return false
  }
}

/** The console's own API: live stream, board, the agent's phone, what the page needs to start. */
export function createConsoleApiRouter(ctx: AppContext): Router {
  const router = Router()

  router.get('/console/config', async (req, res) => {
    const agent = currentAgent(req)
    res.json({
      agent,
      simulator: ctx.simulator !== undefined,
      hotlines: (await listHotlines(ctx.db)).map((h) => ({ number: h.phoneNumber, name: h.name })),
      device: agent.clientIdentity ? `client:${agent.clientIdentity}` : agent.phoneNumber,
    })
  })

  router.get('/console/my-cases', async (req, res) => {
    res.json({ cases: await myCasesByDeadline(ctx, currentAgent(req).id) })
  })

  // Names and job numbers for timelines ("done by 1002 for 1001"): no phone numbers here.
  router.get('/console/people', async (_req, res) => {
    const agents = await listAgents(ctx.db)
    res.json({
      agents: agents.map((a) => ({ id: a.id, jobNumber: a.jobNumber, name: a.name, role: a.role })),
    })
  })

  router.get('/categories', async (_req, res) => {
    const rows = await ctx.db.selectFrom('categories').selectAll().orderBy('code').execute()
    res.json({
      categories: rows.map((c) => ({
        code: c.code,
        nameZh: c.name_zh,
        nameEn: c.name_en,
        ivrKey: c.ivr_key,
        isEmergency: c.is_emergency,
      })),
    })
  })

  router.get('/me/calls', async (req, res) => {
    res.json({ calls: await myCalls(ctx, currentAgent(req).id) })
  })

  router.get('/board', requireRole('supervisor', 'manager', 'admin'), async (_req, res) => {
    res.json(await supervisorBoard(ctx))
  })

  // Server-sent events: hints only; the page fetches what it shows, with the same access rules.
  router.get('/stream', (req: Request, res: Response) => {
    const agent = currentAgent(req)
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    })
    res.write('retry: 2000\n\n')
    const off = ctx.live.subscribe((h) => {
      if (hintFor(agent, h)) res.write(`event: ${h.t}\ndata: ${JSON.stringify(h)}\n\n`)
    })
    const beat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS)
    req.on('close', () => {
      clearInterval(beat)
      off()
    })
  })
  return router
}
