import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { ExpressAdapter } from '@bull-board/express'
import express, { Router } from 'express'

import type { AppContext } from '../context.ts'
import { requireAgent, requireRole } from '../http/auth.middleware.ts'

const WEB_DIR = fileURLToPath(new URL('./web/', import.meta.url))
// Preact, its hooks and htm in one ES module: the console needs no build step.
const PREACT = path.join(
  path.dirname(createRequire(import.meta.url).resolve('htm')),
  '..',
  'preact',
  'standalone.module.js',
)

// Twilio's Voice SDK as it ships for browsers (UMD: window.Twilio.Device), from its package; the
// package exports no subpath, so the file is found beside its main entry (es5/twilio.js).
const TWILIO_VOICE = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@twilio/voice-sdk')),
  '..',
  'dist',
  'twilio.min.js',
)

/**
 * The web console (static ES modules under src/console/web) and, for supervisors and
 * administrators only, the queue dashboard. Pages are public files; every datum and action goes
 * through /api, where roles are enforced.
 */
export function createConsoleSite(ctx: AppContext): Router {
  const router = Router()
  router.get('/console/vendor/preact.js', (_req, res) => {
    res.type('text/javascript').sendFile(PREACT, { maxAge: '1d' })
  })
  router.get('/console/vendor/twilio-voice.js', (_req, res) => {
    res.type('text/javascript').sendFile(TWILIO_VOICE, { maxAge: '1d' })
  })
  router.get('/', (_req, res) => res.redirect('/console/'))
  // Pages link favicon.svg; browsers that ask for /favicon.ico anyway (other pages, bookmarks)
  // get the same icon rather than a 404 in the console's log.
  router.get('/favicon.ico', (_req, res) => {
    res.type('image/svg+xml').sendFile(path.join(WEB_DIR, 'favicon.svg'), { maxAge: '1d' })
  })
  router.use(
    '/console',
    express.static(WEB_DIR, { index: 'index.html', redirect: true, fallthrough: true }),
  )

  const board = new ExpressAdapter()
  board.setBasePath('/console/queues')
  createBullBoard({
    queues: [new BullMQAdapter(ctx.acdQueue), new BullMQAdapter(ctx.callbacksQueue)],
    serverAdapter: board,
  })
  router.use(
    '/console/queues',
    requireAgent(ctx),
    requireRole('supervisor', 'manager', 'admin'),
    board.getRouter() as Router,
  )
  return router
}

export const consoleWebDir = path.resolve(WEB_DIR)
