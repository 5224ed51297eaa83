import { Router } from 'express'
import { z } from 'zod'

import type { CallbackDeps } from '../callbacks/deps.ts'
import {
  listExternalBodies,
  listServiceItems,
  putExternalBody,
  putServiceItem,
} from '../directory/catalogue.ts'
import { listDepartments } from '../directory/departments.repository.ts'
import {
  addDepartmentPerson,
  createDepartment,
  setDepartmentCategories,
  updateDepartment,
  updateDepartmentPerson,
} from '../directory/directory.ts'
import { listDirectoryEvents } from '../directory/directory-events.ts'
import { currentAgent, requireRole } from './auth.middleware.ts'

const code = z.string().regex(/^[a-z0-9-]{2,40}$/, 'code must be 2-40 of a-z, 0-9 and -')
const e164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'must be a phone number like +8657112345')
const hours = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'must look like 08:30-17:30')
  .refine((v) => v.slice(0, 5) < v.slice(6), 'must end after it starts')
const name = z.string().trim().min(1).max(100)

const departmentFields = z
  .object({
    name,
    nameEn: name.nullable(),
    contactName: name.nullable(),
    publicPhone: e164.nullable(),
    serviceHours: hours,
    serviceDays: z.enum(['working', 'every']),
    active: z.boolean(),
  })
  .partial()
  .strict()
const newDepartment = departmentFields.extend({ code, name }).strict()

const personFields = z
  .object({
    name,
    phoneNumber: e164.nullable(),
    clientIdentity: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,121}$/, 'clientIdentity: letters, digits, _ . -')
      .nullable(),
    rank: z.number().int().min(0).max(1000),
    onDuty: z.boolean(),
    active: z.boolean(),
  })
  .partial()
  .strict()
const newPerson = personFields
  .extend({ name })
  .refine(
    (p) => p.phoneNumber || p.clientIdentity,
    'a person needs a phoneNumber or a clientIdentity',
  )

const categories = z
  .object({ categories: z.array(z.string().regex(/^[a-z0-9_]{2,40}$/)).max(50) })
  .strict()

const externalBody = z
  .object({
    name,
    phone: z.string().regex(/^\+?[0-9 ()-]{3,20}$/, 'phone must be a phone number'),
    note: z.string().trim().max(500).nullable().default(null),
    active: z.boolean().default(true),
  })
  .strict()

const lines = z.array(z.string().trim().min(1).max(200)).max(20)
const itemText = z
  .object({
    title: z.string().trim().min(1).max(100),
    bring: lines,
    steps: lines,
    timeLimit: z.string().trim().min(1).max(100),
  })
  .strict()
const serviceItem = z
  .object({
    category: z
      .string()
      .regex(/^[a-z0-9_]{2,40}$/)
      .nullable()
      .default(null),
    content: z
      .object({ 'zh-CN': itemText.optional(), 'en-US': itemText.optional() })
      .strict()
      .refine((c) => c['zh-CN'] ?? c['en-US'], 'content needs zh-CN or en-US'),
    active: z.boolean().default(true),
  })
  .strict()

const personId = z.coerce.number().int().positive()

/**
 * The directory (部门责任落实表): every agent reads it (they transfer with it); supervisors and
 * above change it, and each change is a directory event.
 */
export function createDirectoryRouter(deps: CallbackDeps): Router {
  const router = Router()
  const editors = requireRole('supervisor', 'manager', 'admin')

  router.get('/departments', async (_req, res) => {
    res.json({ departments: await listDepartments(deps.db) })
  })
  router.post('/departments', editors, async (req, res) => {
    const { code: c, ...fields } = newDepartment.parse(req.body)
    res.status(201).json(await createDepartment(deps, currentAgent(req), c, fields))
  })
  router.patch('/departments/:code', editors, async (req, res) => {
    const c = code.parse(req.params['code'])
    res.json(await updateDepartment(deps, currentAgent(req), c, departmentFields.parse(req.body)))
  })
  router.post('/departments/:code/people', editors, async (req, res) => {
    const c = code.parse(req.params['code'])
    const p = newPerson.parse(req.body)
    const fields = {
      name: p.name,
      phoneNumber: p.phoneNumber ?? null,
      clientIdentity: p.clientIdentity ?? null,
      rank: p.rank ?? 0,
      onDuty: p.onDuty ?? false,
      active: p.active ?? true,
    }
    res.status(201).json(await addDepartmentPerson(deps, currentAgent(req), c, fields))
  })
  router.patch('/departments/:code/people/:id', editors, async (req, res) => {
    const c = code.parse(req.params['code'])
    const id = personId.parse(req.params['id'])
    const fields = personFields.parse(req.body)
    res.json(await updateDepartmentPerson(deps, currentAgent(req), c, id, fields))
  })
  router.put('/departments/:code/categories', editors, async (req, res) => {
    const c = code.parse(req.params['code'])
    const body = categories.parse(req.body)
    res.json(await setDepartmentCategories(deps, currentAgent(req), c, body.categories))
  })
  router.get('/directory/events', editors, async (req, res) => {
    const limit = z.coerce.number().int().min(1).max(500).default(100).parse(req.query['limit'])
    res.json({ events: await listDirectoryEvents(deps.db, limit) })
  })

  router.get('/external-bodies', async (_req, res) => {
    res.json({ externalBodies: await listExternalBodies(deps.db) })
  })
  router.put('/external-bodies/:code', editors, async (req, res) => {
    const c = code.parse(req.params['code'])
    res.json(await putExternalBody(deps, currentAgent(req), c, externalBody.parse(req.body)))
  })

  router.get('/service-items', async (_req, res) => {
    res.json({ serviceItems: await listServiceItems(deps.db) })
  })
  router.put('/service-items/:code', editors, async (req, res) => {
    const c = code.parse(req.params['code'])
    res.json(await putServiceItem(deps, currentAgent(req), c, serviceItem.parse(req.body)))
  })
  return router
}
