import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { appendCaseEvent } from '../../src/cases/case-events.repository.ts'
import { insertCase, nextCaseReference } from '../../src/cases/cases.repository.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'

describe('case events are append-only', () => {
  let h: Harness
  let caseId: string
  beforeAll(async () => {
    h = await createHarness()
    const at = new Date()
    const reference = await nextCaseReference(h.ctx.db, {
      prefix: 'HL',
      at,
      timeZone: 'Asia/Shanghai',
    })
    caseId = await insertCase(h.ctx.db, {
      reference,
      hotlineNumber: null,
      callerId: null,
      categoryId: null,
      urgency: 'normal',
      at,
    })
    await appendCaseEvent(h.ctx.db, { caseId, type: 'case_opened', actor: { kind: 'system' }, at })
  })
  afterAll(async () => {
    await h.close()
  })

  it('refuses UPDATE', async () => {
    await expect(
      h.ctx.db
        .updateTable('case_events')
        .set({ type: 'forged' })
        .where('case_id', '=', caseId)
        .execute(),
    ).rejects.toThrow(/append-only: UPDATE refused/)
  })

  it('refuses DELETE', async () => {
    await expect(
      h.ctx.db.deleteFrom('case_events').where('case_id', '=', caseId).execute(),
    ).rejects.toThrow(/append-only: DELETE refused/)
  })

  it('refuses TRUNCATE', async () => {
    await expect(sql`truncate case_events`.execute(h.ctx.db)).rejects.toThrow(
      /append-only: TRUNCATE refused/,
    )
  })

  it('still accepts new events, with the first owner copied on', async () => {
    await appendCaseEvent(h.ctx.db, {
      caseId,
      type: 'case_updated',
      actor: { kind: 'system' },
      at: new Date(),
      data: { x: 1 },
    })
    const rows = await h.ctx.db
      .selectFrom('case_events')
      .select(['type', 'data'])
      .where('case_id', '=', caseId)
      .orderBy('id')
      .execute()
    expect(rows).toEqual([
      { type: 'case_opened', data: {} },
      { type: 'case_updated', data: { x: 1 } },
    ])
  })

  it('numbers references per local day, without gaps under concurrency', async () => {
    const at = new Date('2026-12-31T17:30:00Z') // already 1 January in Shanghai
    const refs = await Promise.all(
      Array.from({ length: 20 }, () =>
        nextCaseReference(h.ctx.db, { prefix: 'HL', at, timeZone: 'Asia/Shanghai' }),
      ),
    )
    expect(new Set(refs).size).toBe(20)
    expect(refs.sort()[0]).toBe('HL-20270101-0001')
    expect(refs.sort()[19]).toBe('HL-20270101-0020')
  })
})
