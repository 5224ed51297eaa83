import { afterEach, describe, expect, it } from 'vitest'

import { dialCallback } from '../../src/callbacks/dialer.ts'
import { createdCalls, legSidOf } from '../helpers/call-steps.ts'
import { caseAwaitingConfirmation } from '../helpers/case-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, pathOf } from '../helpers/harness.ts'

/**
 * A deployment that rings callers on working days only: retries skip nights, the 2026
 * National Day holiday (1–7 October) and count the make-up Saturday (10 October) as a workday.
 */
describe('return-call retries on the working-day calendar', () => {
  let h: Harness
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  async function missedAt(shanghaiEvening: string) {
    const clock = manualClock(new Date(shanghaiEvening))
    h = await createHarness({ clock, env: { CALLING_DAYS: 'working_days' } })
    const c = await caseAwaitingConfirmation(h)
    clock.set(c.dueAt)
    expect(await dialCallback(h.ctx, { callbackId: c.callbackId, attempt: 1 })).toBe('dialled')
    const create = createdCalls(h).at(-1)
    await h.twilioPost(pathOf(String(create?.data['StatusCallback'])), {
      CallSid: legSidOf(create),
      CallStatus: 'no-answer',
      SequenceNumber: '2',
    })
    const cb = await h.ctx.db
      .selectFrom('callbacks')
      .select(['due_at', 'status'])
      .where('id', '=', c.callbackId)
      .executeTakeFirstOrThrow()
    expect(cb.status).toBe('pending')
    return cb.due_at.toISOString()
  }

  it('skips the night and the National Day holiday', async () => {
    // Wednesday 30 September, 20:20 in Shanghai: the retry would fall at 20:32.
    expect(await missedAt('2026-09-30T12:20:00Z')).toBe('2026-10-08T00:30:00.000Z') // Thu 8 Oct 08:30
  })

  it('rings on the make-up Saturday after the holiday', async () => {
    // Friday 9 October, 20:20: Saturday 10 October is a make-up workday (调休).
    expect(await missedAt('2026-10-09T12:20:00Z')).toBe('2026-10-10T00:30:00.000Z')
  })

  it('waits over an ordinary weekend', async () => {
    // Friday 13 November, 20:20: next working day is Monday 16 November.
    expect(await missedAt('2026-11-13T12:20:00Z')).toBe('2026-11-16T00:30:00.000Z')
  })
})
