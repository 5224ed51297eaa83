export const CASE_STATUSES = [
  'open',
  'in_progress',
  'transferred',
  'resolved',
  'awaiting_confirmation',
  'closed',
  'referred_external',
  'declined',
] as const

export type CaseStatus = (typeof CASE_STATUSES)[number]

/** Statuses in which the case still needs someone; the caller is told about these on calling. */
export const OPEN_CASE_STATUSES = [
  'open',
  'in_progress',
  'transferred',
  'resolved',
  'awaiting_confirmation',
] as const satisfies readonly CaseStatus[]

export type Urgency = 'normal' | 'urgent' | 'emergency'
