import type { Request, Response } from 'express'
import { Router } from 'express'

import { listAllVariants } from '../admin/category-variants.ts'
import type { Agent } from '../agents/agents.repository.ts'
import { findAgentById, findOwnPresence, listAgents } from '../agents/agents.repository.ts'
import { agentForToken } from '../agents/auth.ts'
import { endDueWrapUps } from '../agents/wrap-up.ts'
import { listHotlines } from '../calls/directory.repository.ts'
import { myCalls, myCasesByDeadline, supervisorBoard } from '../console/board.ts'
import type { AppContext } from '../context.ts'
import type { LiveHint } from '../live/live-hub.ts'
import { consolePhone } from '../softphone/voice-token.ts'
import { currentAgent, currentAuth, requireRole, tokenOf } from './auth.middleware.ts'

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

/**
 * What the console needs to start, before and after login. Public, so that a logged-out page
 * load makes no failing request: without a valid session it says only the Twilio mode (which
 * /readyz says too) and `agent: null`; hotlines and the agent's phone come with a session.
 */
export function createConsolePublicRouter(ctx: AppContext): Router {
  const router = Router()
  router.get('/console/config', async (req, res) => {
    const found = tokenOf(req)
    const holder = found && (await agentForToken(ctx.db, found.token, ctx.clock.now()))
    // 'simulator' or 'live': the console warns that calls here are not real.
    const twilioMode = ctx.config.twilio.mode
    if (!holder) {
      res.json({ agent: null, twilioMode, simulator: ctx.simulator !== undefined })
      return
    }
    // A wrap-up over by now shows as available on the page, not as busy until the next beat.
    await endDueWrapUps(ctx.db, ctx.clock.now())
    const agent = (await findAgentById(ctx.db, holder.agent.id)) ?? holder.agent
    res.json({
      agent,
      twilioMode,
      simulator: ctx.simulator !== undefined,
      hotlines: (await listHotlines(ctx.db)).map((h) => ({ number: h.phoneNumber, name: h.name })),
      device: agent.clientIdentity ? `client:${agent.clientIdentity}` : agent.phoneNumber,
      // Which phone the workspace shows: the simulator's, the Twilio Voice SDK's, or none.
      phone: consolePhone(ctx.config, ctx.simulator !== undefined),
    })
  })
  return router
}

/** The console's own API: live stream, board, the agent's phone and presence. */
export function createConsoleApiRouter(ctx: AppContext): Router {
  const router = Router()

  // The workspace's presence, with the end of any after-call work and the server's time, so the
  // countdown does not depend on the browser's clock.
  router.get('/console/presence', async (req, res) => {
    const at = ctx.clock.now()
    await endDueWrapUps(ctx.db, at)
    const me = await findOwnPresence(ctx.db, currentAgent(req).id)
    res.json({
      presence: me?.presence ?? null,
      wrapUpUntil: me?.presence === 'busy' ? me.wrapUpUntil : null,
      // Why the agent is away: their own words, or the service's (offers rang out).
      pauseReason: me?.presence === 'away' ? me.pauseReason : null,
      at,
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
    const variants = await listAllVariants(ctx.db)
    res.json({
      categories: rows.map((c) => ({
        code: c.code,
        nameZh: c.name_zh,
        nameEn: c.name_en,
        ivrKey: c.ivr_key,
        isEmergency: c.is_emergency,
        // The severities the agent picks from on the case form; the default first.
        variants: variants.get(c.code) ?? [],
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
  // The stream lives only as long as its token: logout, revocation and expiry end it (see
  // src/live/stream-registry.ts), and an agent keeps at most STREAM_MAX_PER_AGENT open.
  router.get('/stream', (req: Request, res: Response) => {
    const agent = currentAgent(req)
    const { tokenId } = currentAuth(req)
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
    const stop = () => {
      clearInterval(beat)
      off()
    }
    const forget = ctx.streams.add({
      agentId: agent.id,
      tokenId,
      end: (reason) => {
        stop()
        // A revoked or replaced stream says so, and the console stays closed; at shutdown it
        // just ends, and the browser reconnects to another instance (or this one, restarted).
        if (reason === 'shutdown') res.end()
        else res.end(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`)
      },
    })
    res.on('close', () => {
      stop()
      forget()
    })
  })
  return router
}
