import type { Db } from '../db/database.ts'
import type { CaseStatus } from '../domain/case-status.ts'
import { endedCaseRefusal } from '../domain/ended-case.ts'
import { AppError, NotFoundError } from '../errors.ts'

/** Refuses a work action on an ended case, from a case already read (before any side effect). */
export function assertCaseTakesWork(
  kase: { reference: string; status: CaseStatus },
  action: string,
): void {
  const refusal = endedCaseRefusal(kase.reference, kase.status, action)
  if (refusal) throw new AppError('invalid_state', refusal)
}

/**
 * The same rule inside the use-case's transaction: the case row is locked, so a case that ends
 * meanwhile (the caller's "1" on a return call, an approved decline) cannot take the work too.
 * Throwing here rolls the whole transaction back: no event, no row, and nothing is sent after.
 */
export async function lockCaseForWork(
  trx: Db,
  kase: { id: string; reference: string },
  action: string,
): Promise<void> {
  const row = await trx
    .selectFrom('cases')
    .select('status')
    .where('id', '=', kase.id)
    .forUpdate()
    .executeTakeFirst()
  if (!row) throw new NotFoundError('case', kase.reference)
  assertCaseTakesWork({ reference: kase.reference, status: row.status }, action)
}
