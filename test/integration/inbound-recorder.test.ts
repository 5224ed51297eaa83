import { setImmediate as nextTurn } from 'node:timers/promises'

import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createInboundRecorder, type InboundRecord } from '../../src/calls/inbound-recorder.ts'
import { callIn, queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { callSid, createHarness, ZH_HOTLINE } from '../helpers/harness.ts'
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

  const record = (from: string, over: Partial<InboundRecord> = {}): InboundRecord => ({
    callSid: callSid(),
    hotlineNumber: ZH_HOTLINE,
    fromNumber: from,
    callerName: null,
    fromCity: null,
    fromState: null,
    fromCountry: null,
    language: 'zh-CN',
    at: new Date(),
    ...over,
  })
  const callerRow = (phone: string) =>
    sql<{ id: string; name: string | null; city: string | null }>`
      select id, name, city from callers where phone_number = ${phone}
    `
      .execute(h.ctx.db)
      .then((r) => r.rows[0])

  it("fills in a caller's details from Twilio and never erases them", async () => {
    const rec = createInboundRecorder(h.ctx.db)
    const phone = '+8613922220000'
    const first = await rec.record(record(phone, { callerName: 'WANG', fromCity: 'HANGZHOU' }))
    // A call with no details leaves them; a new city fills in, the name left out stays.
    const again = await rec.record(record(phone))
    expect(again.callerId).toBe(first.callerId)
    expect(await callerRow(phone)).toMatchObject({ name: 'WANG', city: 'HANGZHOU' })
    await rec.record(record(phone, { fromCity: 'NINGBO' }))
    expect(await callerRow(phone)).toMatchObject({
      id: first.callerId,
      name: 'WANG',
      city: 'NINGBO',
    })
  })

  it('gives every call its caller when two instances record a new number at once', async () => {
    // Two web instances: each statement may not see the other's new row, and must still get it.
    const [a, b] = [createInboundRecorder(h.ctx.db), createInboundRecorder(h.ctx.db)]
    const phones = Array.from({ length: 20 }, (_, i) => `+861393333${String(i).padStart(4, '0')}`)
    const results = await Promise.all(
      phones.flatMap((p) => [a.record(record(p)), b.record(record(p)), a.record(record(p))]),
    )
    expect(results.every((r) => r.callerId !== null)).toBe(true)
    const rows = await h.ctx.db
      .selectFrom('calls')
      .innerJoin('callers', 'callers.id', 'calls.caller_id')
      .select(['calls.call_sid', 'callers.phone_number'])
      .where('callers.phone_number', 'in', phones)
      .execute()
    expect(rows).toHaveLength(60)
    expect(
      await h.ctx.db
        .selectFrom('callers')
        .where('phone_number', 'in', phones)
        .select('id')
        .execute(),
    ).toHaveLength(20)
  })

  it('writes the calls that arrive while a statement is in flight together, in the next one', async () => {
    const rec = createInboundRecorder(h.ctx.db)
    const blocker = '+8613944440000'
    await rec.record(record(blocker))
    // Another transaction holds the caller's row: the next statement waits for it.
    let release = () => {}
    const held = new Promise<void>((r) => (release = r))
    let locked = () => {}
    const isLocked = new Promise<void>((r) => (locked = r))
    const holder = h.ctx.db.transaction().execute(async (trx) => {
      await sql`select 1 from callers where phone_number = ${blocker} for update`.execute(trx)
      locked()
      await held
    })
    await isLocked
    const first = record(blocker)
    const waiting = [rec.record(first)]
    // Later calls, each in a turn of its own, as webhooks arrive: none may start a statement.
    const later: InboundRecord[] = []
    for (let turn = 0; turn < 10; turn++) {
      await nextTurn()
      for (let i = 0; i < 3; i++) {
        const r = record(`+86139555${String(turn * 3 + i).padStart(5, '0')}`)
        later.push(r)
        waiting.push(rec.record(r))
      }
    }
    release()
    await holder
    await Promise.all(waiting)
    const xmin = (sids: string[]) =>
      sql<{
        xmin: string
      }>`select distinct xmin::text as xmin from calls where call_sid in (${sql.join(sids)})`
        .execute(h.ctx.db)
        .then((r) => r.rows.map((x) => x.xmin))
    expect(await xmin(later.map((r) => r.callSid))).toHaveLength(1)
    expect(await xmin([first.callSid, ...later.map((r) => r.callSid)])).toHaveLength(2)
  })
})
