import type { Agent } from '../agents/agents.repository.ts'
import type { CaseSummary } from '../cases/cases.repository.ts'
import { caseToWorkOn } from '../cases/update-case.ts'
import type { Db } from '../db/database.ts'
import { isWithheldNumber } from '../domain/caller-number.ts'
import type { DialableNumber } from '../domain/softphone-call.ts'
import { dialableNumbers } from '../domain/softphone-call.ts'
import { callerNumberOf } from './softphone.repository.ts'

/** The numbers of a case the softphone may ring: the TwiML App's webhook checks against these. */
export async function numbersOfCase(
  db: Db,
  kase: Pick<CaseSummary, 'callerId' | 'contactPhone'>,
): Promise<DialableNumber[]> {
  const callerNumber = await callerNumberOf(db, kase.callerId)
  return dialableNumbers({
    callerNumber,
    contactPhone: kase.contactPhone,
    callerWithheld: callerNumber === null || isWithheldNumber(callerNumber),
  })
}

/** For the console's "Call the caller": the case's numbers, to whoever may work on it. */
export async function dialableNumbersFor(
  db: Db,
  agent: Agent,
  reference: string,
): Promise<DialableNumber[]> {
  return numbersOfCase(db, await caseToWorkOn(db, agent, reference))
}
