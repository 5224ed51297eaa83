import type { CaseStatus } from './case-status.ts'

/**
 * Statuses in which a case has ended: closed by its caller (or a supervisor's override),
 * declined after the rejection file, or referred to an outside body. Nothing more is done on
 * such a case; notes are still written, because they are the record.
 */
export const ENDED_CASE_STATUSES = [
  'closed',
  'declined',
  'referred_external',
] as const satisfies readonly CaseStatus[]

export function caseHasEnded(status: CaseStatus): boolean {
  return (ENDED_CASE_STATUSES as readonly CaseStatus[]).includes(status)
}

const HOW: Record<(typeof ENDED_CASE_STATUSES)[number], string> = {
  closed: 'closed',
  declined: 'declined (the rejection file)',
  referred_external: 'referred to an outside body',
}

/**
 * Why a work action is refused on a case, or undefined when the case still takes work. The
 * message names the action and says what is still possible, so the agent is not left guessing.
 */
export function endedCaseRefusal(
  reference: string,
  status: CaseStatus,
  action: string,
): string | undefined {
  if (!caseHasEnded(status)) return undefined
  const how = HOW[status as keyof typeof HOW]
  return (
    `case ${reference} is ${how}; it takes no more work (${action} refused). ` +
    'Add a note to the case, or open a new case if the caller needs more'
  )
}
