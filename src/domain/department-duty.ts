import { isWithinCallingHours } from './calendar/calling-hours.ts'
import type { DayRules } from './calendar/day-rules.ts'

/** Which of a department's people to ring, and whether the department is open at all. */

export interface DutyPerson {
  id: number
  phoneNumber: string | null
  clientIdentity: string | null
  rank: number
  onDuty: boolean
  active: boolean
}

export interface ServiceWindow {
  serviceHours: string
  serviceDays: 'working' | 'every'
}

/** Within the department's hours on a day it serves (working days by the deployment calendar). */
export function departmentOpen(
  d: ServiceWindow,
  at: Date,
  timeZone: string,
  calendar: Pick<DayRules, 'isWorkingDay'>,
): boolean {
  const [start = '00:00', end = '24:00'] = d.serviceHours.split('-')
  return isWithinCallingHours(
    at,
    { start, end, daysAllowed: d.serviceDays === 'working' ? 'working_days' : 'every_day' },
    timeZone,
    calendar,
  )
}

/**
 * The next person to ring: on duty, active, by rank, skipping those already tried on this call
 * (the owner's "try the next on-duty person"). A named person must be on duty too.
 */
export function nextOnDuty<P extends DutyPerson>(
  people: readonly P[],
  tried: readonly number[],
  wanted?: number,
): P | undefined {
  const duty = people
    .filter((p) => p.onDuty && p.active)
    .sort((a, b) => a.rank - b.rank || a.id - b.id)
  if (wanted !== undefined) return duty.find((p) => p.id === wanted)
  return duty.find((p) => !tried.includes(p.id)) ?? duty[0]
}

/** The address Twilio dials: a phone number, or a browser/app client. */
export function dutyAddress(p: Pick<DutyPerson, 'phoneNumber' | 'clientIdentity'>): string {
  if (p.phoneNumber) return p.phoneNumber
  return `client:${p.clientIdentity ?? ''}`
}
