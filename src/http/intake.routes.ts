import { Router } from 'express'
import { z } from 'zod'

import { recordCase } from '../cases/intake.ts'
import type { AppContext } from '../context.ts'
import { currentAgent } from './auth.middleware.ts'

const nullableText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullable()
    .optional()
    .transform((v) => v || null)
const code = (what: string, example: string) =>
  z
    .string()
    .regex(/^[a-z0-9_]{2,40}$/, `${what} must be a code like ${example}`)
    .nullable()
    .optional()
    .transform((v) => v ?? null)
const intake = z
  .object({
    source: z.enum(['walk_in', 'internal', 'superior', 'letter', 'email'], {
      error: 'source must be walk_in, internal, superior, letter or email (calls open their own)',
    }),
    caller: z
      .object({
        name: nullableText(100),
        // The return call rings it and the caller's phone closes the case: it must be dialable.
        phone: z
          .string({ error: 'caller.phone is required: the return call rings it' })
          .regex(/^\+[1-9][0-9]{4,14}$/, 'caller.phone must be a phone number like +8613800001234'),
      })
      .strict(),
    category: code('category', 'repair'),
    variant: code('variant', 'simple'),
    place: nullableText(300),
    content: z
      .string({ error: 'content is required: what the caller asks' })
      .trim()
      .min(1, 'content is empty')
      .max(4000),
    hotline: z
      .string()
      .regex(/^\+[1-9][0-9]{6,14}$/, 'hotline must be a hotline number')
      .nullable()
      .optional()
      .transform((v) => v ?? null),
  })
  .strict()

/** A staff member records a case that did not come by phone; they become its first owner. */
export function createIntakeRouter(deps: AppContext): Router {
  const router = Router()
  router.post('/cases', async (req, res) => {
    const body = intake.parse(req.body)
    const kase = await recordCase(deps, currentAgent(req), body)
    res.status(201).json({ case: kase })
  })
  return router
}
