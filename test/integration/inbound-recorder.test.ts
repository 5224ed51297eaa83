import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { callIn, queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'
import { allText } from '../helpers/twiml.ts'

describe('a burst of inbound calls, written together', () => {
  let h: Harness
  beforeAll(async () => {
    h = await createHarness()
  })
  afterAll(async () => {
    await h.close()
  })

  it('records every call and caller once, and tells each caller about their own open case', async () => {
    const numbers = Array.from({ length: 10 }, (_, i) => `+861390000${String(i).padStart(4, '0')}`)
    await queuedCall(h, '1', numbers[3]) // this caller already has an open case
    const burst = await Promise.all(
      Array.from({ length: 80 }, (_, i) => callIn(h, { from: numbers[i % numbers.length] })),
    )
    for (const [i, c] of burst.entries()) {
      const hasCase = i % numbers.length === 3
      expect(allText(c.menu).includes('正在办理中')).toBe(hasCase)
    }
    const calls = await h.ctx.db.selectFrom('calls').select('caller_id').execute()
    expect(calls).toHaveLength(81)
    expect(calls.every((c) => c.caller_id !== null)).toBe(true)
    expect(await h.ctx.db.selectFrom('callers').select('id').execute()).toHaveLength(10)
  })

  it('changes nothing when Twilio retries the same inbound webhook', async () => {
    const first = await callIn(h, { from: '+8613911110000' })
    await Promise.all([1, 2, 3].map(() => callIn(h, { from: '+8613911110000', sid: first.sid })))
    const rows = await h.ctx.db
      .selectFrom('calls')
      .select('call_sid')
      .where('call_sid', '=', first.sid)
      .execute()
    expect(rows).toHaveLength(1)
  })
})
