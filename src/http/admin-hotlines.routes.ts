import { Router } from 'express'
import { z } from 'zod'

import { listHotlineViews, setHotlineRecording } from '../admin/hotline-recording.ts'
import type { Clock } from '../calls/deps.ts'
import type { DirectoryCache } from '../calls/directory-cache.ts'
import type { Db } from '../db/database.ts'
import { RECORDING_MODES } from '../domain/recording.ts'
import { currentAgent, requireRole } from './auth.middleware.ts'

const hotlineNumber = z
  .string()
  .regex(/^\+[1-9][0-9]{6,14}$/, 'not a hotline number like +8612345000000')
const changes = z
  .object({
    recording: z.enum(RECORDING_MODES, { error: 'recording must be off, notice or silent' }),
  })
  .strict()

/** Hotlines' settings: administrators change them, supervisors and managers read them. */
export function createAdminHotlinesRouter(deps: {
  db: Db
  clock: Clock
  directory: DirectoryCache
}): Router {
  const router = Router()
  router.get(
    '/admin/hotlines',
    requireRole('supervisor', 'manager', 'admin'),
    async (_req, res) => {
      res.json({ hotlines: await listHotlineViews(deps.db) })
    },
  )
  router.patch('/admin/hotlines/:number', requireRole('admin'), async (req, res) => {
    const number = hotlineNumber.parse(req.params['number'])
    const { recording } = changes.parse(req.body)
    res.json(await setHotlineRecording(deps, currentAgent(req), number, recording))
  })
  return router
}
