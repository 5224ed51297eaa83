import { Router } from 'express'
import { z } from 'zod'

import { getCategory, listCategories, putCategory } from '../admin/categories.ts'
import { createAgent, updateAgent } from '../agents/admin-agents.ts'
import { findProfile, listProfiles } from '../agents/agent-profiles.repository.ts'
import type { Clock } from '../calls/deps.ts'
import type { DirectoryCache } from '../calls/directory-cache.ts'
import type { Db } from '../db/database.ts'
import { NotFoundError } from '../errors.ts'
import type { StreamRegistry } from '../live/stream-registry.ts'
import { currentAgent, requireRole } from './auth.middleware.ts'

const jobNumber = z
  .string()
  .regex(/^[0-9A-Za-z]{2,12}$/, 'jobNumber must be 2-12 letters or digits')
const categoryCode = z.string().regex(/^[a-z0-9_]{2,40}$/, 'code must be 2-40 of a-z, 0-9 and _')
const agentFields = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: z.enum(['agent', 'supervisor', 'manager', 'admin'], {
      error: 'role must be agent, supervisor, manager or admin',
    }),
    phoneNumber: z
      .string()
      .regex(/^\+[1-9][0-9]{6,14}$/, 'phoneNumber must be a phone number like +8613900001234')
      .nullable(),
    clientIdentity: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,121}$/, 'clientIdentity: letters, digits, _ . -')
      .nullable(),
    departmentCode: z
      .string()
      .regex(/^[a-z0-9-]{2,40}$/, 'not a department code')
      .nullable(),
    password: z.string().min(8, 'password must be at least 8 characters').max(200),
    active: z.boolean(),
  })
  .partial()
  .strict()
const newAgent = agentFields
  .omit({ active: true })
  .required({ name: true, role: true, password: true })
  .extend({ jobNumber })
  .refine((a) => a.phoneNumber || a.clientIdentity, {
    message: 'an agent needs a phoneNumber or a clientIdentity',
    path: ['phoneNumber'],
  })
const agentChanges = agentFields.refine((f) => Object.keys(f).length > 0, 'nothing to change')
const category = z
  .object({
    nameZh: z.string().trim().min(1).max(40),
    nameEn: z.string().trim().min(1).max(60),
    ivrKey: z
      .number()
      .int()
      .min(1)
      .max(8, 'ivrKey must be 1-8 (0 and 9 are the IVR’s own)')
      .nullable(),
    isEmergency: z.boolean(),
  })
  .strict()

/**
 * Agents and categories: administrators change them, supervisors and managers read them. Each
 * change is an admin event. Mounted inside the API router after requireAgent.
 */
export function createAdminPeopleRouter(deps: {
  db: Db
  clock: Clock
  directory: DirectoryCache
  streams: StreamRegistry
}): Router {
  const router = Router()
  const readers = requireRole('supervisor', 'manager', 'admin')
  const admins = requireRole('admin')

  router.get('/admin/agents', readers, async (_req, res) => {
    const agents = await listProfiles(deps.db)
    res.json({ agents: agents.map(({ id: _id, ...a }) => a) })
  })
  router.get('/admin/agents/:jobNumber', readers, async (req, res) => {
    const job = jobNumber.parse(req.params['jobNumber'])
    const found = await findProfile(deps.db, job)
    if (!found) throw new NotFoundError('agent', job)
    const { id: _id, ...agent } = found
    res.json({ agent })
  })
  router.post('/admin/agents', admins, async (req, res) => {
    const { jobNumber: job, ...b } = newAgent.parse(req.body)
    const fields = {
      ...b,
      phoneNumber: b.phoneNumber ?? null,
      clientIdentity: b.clientIdentity ?? null,
      departmentCode: b.departmentCode ?? null,
    }
    res.status(201).json({ agent: await createAgent(deps, currentAgent(req), job, fields) })
  })
  router.patch('/admin/agents/:jobNumber', admins, async (req, res) => {
    const job = jobNumber.parse(req.params['jobNumber'])
    const changes = agentChanges.parse(req.body)
    const r = await updateAgent(deps, currentAgent(req), job, changes)
    // Their tokens were just revoked: end their live streams here now, not at the next beat.
    if (changes.active === false || changes.password !== undefined) await deps.streams.recheck()
    res.json(r)
  })

  router.get('/admin/categories', readers, async (_req, res) => {
    res.json({ categories: await listCategories(deps.db) })
  })
  router.get('/admin/categories/:code', readers, async (req, res) => {
    const code = categoryCode.parse(req.params['code'])
    const found = await getCategory(deps.db, code)
    if (!found) throw new NotFoundError('category', code)
    res.json({ category: found })
  })
  router.put('/admin/categories/:code', admins, async (req, res) => {
    const code = categoryCode.parse(req.params['code'])
    const r = await putCategory(deps, currentAgent(req), code, category.parse(req.body))
    res.status(r.result === 'created' ? 201 : 200).json(r)
  })
  return router
}
