import type { Db } from '../../src/db/database.ts'

/**
 * A bare case and a pending confirmation callback, written as rows (no call behind them): for
 * tests of what the database keeps on return-call attempts. `n` makes the reference unique.
 */
export async function insertCaseWithCallback(
  db: Db,
  n: number,
  groups: { firstOwnerId?: number | null; categoryId?: number | null } = {},
): Promise<{ caseId: string; callbackId: string }> {
  const k = await db
    .insertInto('cases')
    .values({
      reference: `HL-20261101-${String(n).padStart(4, '0')}`,
      hotline_number: null,
      caller_id: null,
      category_id: groups.categoryId ?? null,
      first_owner_id: groups.firstOwnerId ?? null,
      assignee_agent_id: null,
      assignee_department_id: null,
      status: 'in_progress',
      place: null,
      content: null,
      contact_name: null,
      contact_phone: null,
      promised_reply_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const cb = await db
    .insertInto('callbacks')
    .values({
      case_id: k.id,
      purpose: 'confirmation',
      due_at: new Date('2026-11-02T01:00:00Z'),
      status: 'pending',
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { caseId: k.id, callbackId: cb.id }
}
