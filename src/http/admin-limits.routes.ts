import { Router } from 'express'
import { z } from 'zod'

import { listAdminEvents } from '../admin/admin-events.repository.ts'
import {
  calendarDays,
  estimatedYears,
  MAX_CALENDAR_SPAN_DAYS,
} from '../domain/calendar/day-kinds.ts'
import { assertIsoDate } from '../domain/calendar/local-time.ts'
import type { LimitStep } from '../domain/time-limits.ts'
import { assertTimeLimit } from '../domain/time-limits.ts'
import { NotFoundError } from '../errors.ts'
import {
  findCalendarOverride,
  listCalendarOverrides,
} from '../limit-settings/calendar-overrides.repository.ts'
import { importCalendarYear, removeCalendarYear } from '../limit-settings/calendar-year-import.ts'
import { findCalendarYear } from '../limit-settings/calendar-years.repository.ts'
import type { EditDeps } from '../limit-settings/edit-limit-settings.ts'
import {
  removeCalendarOverride,
  removePolicy,
  saveCalendarOverride,
  savePolicy,
} from '../limit-settings/edit-limit-settings.ts'
import { listPolicies } from '../limit-settings/policies.repository.ts'
import { currentAgent, requireRole } from './auth.middleware.ts'

const STEPS = [
  'record',
  'dispatch',
  'supervisor_answer',
  'department_answer',
  'resolution',
  'confirmation_call',
] as const satisfies readonly LimitStep[]
/** A year of minutes, or of days: anything longer is a typo, not a limit. */
const MAX_AMOUNT = { minutes: 366 * 24 * 60, days: 366 } as const

const isoDate = (what: string) =>
  z.string({ error: `${what} is required, as YYYY-MM-DD` }).refine(
    (v) => {
      try {
        assertIsoDate(v)
        return true
      } catch {
        return false
      }
    },
    { message: `${what} must be a real date as YYYY-MM-DD` },
  )
const code = (what: string, pattern: RegExp, hint: string) =>
  z
    .string()
    .regex(pattern, `${what} must be a code like ${hint}`)
    .nullable()
    .optional()
    .transform((v) => v ?? null)
const policyKey = z.object({
  step: z.enum(STEPS, { error: `step must be one of ${STEPS.join(', ')}` }),
  category: code('category', /^[a-z0-9_]{2,40}$/, "'repair'"),
  variant: code('variant', /^[a-z0-9_]{2,40}$/, "'in_home'"),
})
const policyBody = policyKey
  .extend({
    amount: z.number({ error: 'amount must be a number' }),
    unit: z.enum(['minutes', 'days'], { error: "unit must be 'minutes' or 'days'" }),
    basis: z.enum(['calendar', 'working'], { error: "basis must be 'calendar' or 'working'" }),
    source: z
      .string({ error: 'source is required: say where the number comes from' })
      .trim()
      .min(3, 'source must say where the number comes from (at least 3 characters)')
      .max(300),
  })
  .strict()
  .superRefine((p, ctx) => {
    const fail = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message })
    if (p.variant !== null && p.category === null) {
      fail('variant', 'a variant belongs to a category: give the category too')
    }
    try {
      assertTimeLimit(p)
    } catch (e) {
      fail('amount', (e as Error).message)
      return
    }
    if (p.amount > MAX_AMOUNT[p.unit]) fail('amount', `at most ${MAX_AMOUNT[p.unit]} ${p.unit}`)
  })
const overrideBody = z
  .object({
    kind: z.enum(['workday', 'holiday'], { error: "kind must be 'workday' or 'holiday'" }),
    note: z
      .string({ error: 'note is required: say why' })
      .trim()
      .min(3, 'note must say why (at least 3 characters)')
      .max(300),
  })
  .strict()
const yearParam = z.coerce
  .number({ error: 'the year must be a number such as 2027' })
  .int('the year must be a whole number such as 2027')
  .min(2000, 'the year must be between 2000 and 2200')
  .max(2200, 'the year must be between 2000 and 2200')
const yearBody = z
  .object({
    holidays: z
      .array(isoDate('holidays[]'), { error: 'holidays must be a list of dates' })
      .min(1, "holidays must list the year's holidays (New Year's Day at least)")
      .max(366, 'holidays: a year has at most 366 days'),
    workdays: z
      .array(isoDate('workdays[]'), { error: 'workdays must be a list of dates' })
      .max(366, 'workdays: a year has at most 366 days'),
    source: z
      .string({ error: "source is required: name the State Council's notice" })
      .trim()
      .min(3, "source must name the State Council's notice (at least 3 characters)")
      .max(300),
  })
  .strict()
const DAY_MS = 86_400_000
const range = z
  .object({ from: isoDate('from'), to: isoDate('to') })
  .refine((r) => r.from <= r.to, { message: 'to must not be before from', path: ['to'] })
  .refine((r) => (Date.parse(r.to) - Date.parse(r.from)) / DAY_MS < MAX_CALENDAR_SPAN_DAYS, {
    message: `ask for at most ${MAX_CALENDAR_SPAN_DAYS} days at a time`,
    path: ['to'],
  })
const changesQuery = z.object({
  entity: z
    .enum([
      'time_limit_policy',
      'calendar_override',
      'calendar_year',
      'agent',
      'category',
      'category_variant',
      'rate_target',
      'hotline',
    ])
    .optional(),
})

/**
 * Time-limit policies and calendar overrides: administrators change them, supervisors and
 * managers read them. Mounted inside the API router after requireAgent.
 */
export function createAdminLimitsRouter(deps: EditDeps): Router {
  const router = Router()
  const readers = requireRole('supervisor', 'manager', 'admin')
  const admins = requireRole('admin')

  router.get('/admin/time-limits', readers, async (_req, res) => {
    res.json({ policies: await listPolicies(deps.db) })
  })

  router.put('/admin/time-limits', admins, async (req, res) => {
    const p = policyBody.parse(req.body)
    const r = await savePolicy(deps, currentAgent(req), p)
    res.status(r.action === 'created' ? 201 : 200).json({ policy: p, result: r.action })
  })

  router.delete('/admin/time-limits', admins, async (req, res) => {
    await removePolicy(deps, currentAgent(req), policyKey.strict().parse(req.query))
    res.status(204).end()
  })

  router.get('/admin/calendar', readers, async (req, res) => {
    const { from, to } = range.parse(req.query)
    const { calendar } = await deps.limitSettings.load()
    res.json({
      timeZone: calendar.timeZone,
      days: calendarDays(calendar, from, to),
      estimatedYears: estimatedYears(calendar, from, to),
    })
  })

  router.get('/admin/calendar/years/:year', readers, async (req, res) => {
    const year = yearParam.parse(req.params['year'])
    const { calendar } = await deps.limitSettings.load()
    const imported = await findCalendarYear(deps.db, year)
    res.json({ year, source: calendar.yearSource(year), imported: imported ?? null })
  })

  router.put('/admin/calendar/years/:year', admins, async (req, res) => {
    const year = yearParam.parse(req.params['year'])
    const body = yearBody.parse(req.body)
    const r = await importCalendarYear(deps, currentAgent(req), { year, ...body })
    res.status(r.action === 'created' ? 201 : 200).json({ year, result: r.action })
  })

  router.delete('/admin/calendar/years/:year', admins, async (req, res) => {
    await removeCalendarYear(deps, currentAgent(req), yearParam.parse(req.params['year']))
    res.status(204).end()
  })

  router.get('/admin/calendar/overrides', readers, async (_req, res) => {
    res.json({ overrides: await listCalendarOverrides(deps.db) })
  })

  router.get('/admin/calendar/overrides/:date', readers, async (req, res) => {
    const date = isoDate('date').parse(req.params['date'])
    const found = await findCalendarOverride(deps.db, date)
    if (!found) throw new NotFoundError('calendar override for', date)
    res.json({ override: found })
  })

  router.put('/admin/calendar/overrides/:date', admins, async (req, res) => {
    const date = isoDate('date').parse(req.params['date'])
    const body = overrideBody.parse(req.body)
    const r = await saveCalendarOverride(deps, currentAgent(req), { date, ...body })
    res
      .status(r.action === 'created' ? 201 : 200)
      .json({ override: { date, ...body }, result: r.action })
  })

  router.delete('/admin/calendar/overrides/:date', admins, async (req, res) => {
    await removeCalendarOverride(deps, currentAgent(req), isoDate('date').parse(req.params['date']))
    res.status(204).end()
  })

  router.get('/admin/changes', readers, async (req, res) => {
    const { entity } = changesQuery.parse(req.query)
    res.json({ changes: await listAdminEvents(deps.db, entity ? { entity } : {}) })
  })

  return router
}
