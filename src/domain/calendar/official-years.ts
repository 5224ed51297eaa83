/**
 * A year's official holiday arrangement as an administrator imports it from the State Council's
 * notice: every holiday and every make-up workday (调休) of that year, and where it comes from.
 */
import { assertIsoDate } from './local-time.ts'

export interface OfficialYear {
  year: number
  holidays: readonly string[]
  workdays: readonly string[]
  /** The notice, e.g. '国务院办公厅关于2027年部分节假日安排的通知'. */
  source: string
}

/** What is wrong with an arrangement for `year`, one message per problem; empty when sound. */
export function officialYearProblems(y: OfficialYear): string[] {
  const problems: string[] = []
  const seen = new Map<string, 'holidays' | 'workdays'>()
  for (const list of ['holidays', 'workdays'] as const) {
    for (const date of y[list]) {
      try {
        assertIsoDate(date)
      } catch {
        problems.push(`${list}: ${JSON.stringify(date)} is not a real date as YYYY-MM-DD`)
        continue
      }
      if (Number(date.slice(0, 4)) !== y.year) {
        problems.push(`${list}: ${date} is not in ${y.year}`)
      }
      const other = seen.get(date)
      if (other === list) problems.push(`${list}: ${date} is listed twice`)
      else if (other) problems.push(`${date} is in both holidays and workdays; keep one`)
      seen.set(date, list)
    }
  }
  return problems
}

export interface IndexedYear {
  source: string
  days: Map<string, 'holiday' | 'workday'>
}

export function indexOfficialYears(list: readonly OfficialYear[]): Map<number, IndexedYear> {
  const byYear = new Map<number, IndexedYear>()
  for (const y of list) {
    const problems = officialYearProblems(y)
    if (problems.length) throw new RangeError(`official year ${y.year}: ${problems.join('; ')}`)
    const days = new Map<string, 'holiday' | 'workday'>()
    for (const d of y.holidays) days.set(d, 'holiday')
    for (const d of y.workdays) days.set(d, 'workday')
    byYear.set(y.year, { source: y.source, days })
  }
  return byYear
}
