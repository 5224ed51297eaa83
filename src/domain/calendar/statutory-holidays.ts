/**
 * Mainland China's statutory public holidays (全体公民放假的节日) of a year, derived from the
 * State Council's rules (全国年节及纪念日放假办法) rather than from a published arrangement: what
 * a year is known to have before its notice comes out (usually November of the year before).
 *
 * Only the statutory days: no make-up workdays (调休) and no days added to bridge a weekend, which
 * only the notice decides. Lunar dates and the 清明 solar term come from `lunar-javascript`.
 */
import lunarJs from 'lunar-javascript'

import { addDays } from './local-time.ts'

const { Lunar } = lunarJs

export interface StatutoryHoliday {
  date: string
  nameEn: string
  nameZh: string
}

/**
 * The rules changed twice since the present scheme began: from 2014 the eve (除夕) left the
 * Spring Festival's three days for 初一–初三, and from 2025 it came back as a fourth day and
 * Labour Day gained May 2. Kept per version so past years check against the published data.
 */
interface RuleVersion {
  since: number
  springFestival: readonly number[]
  labourDays: number
}

const RULE_VERSIONS: readonly RuleVersion[] = [
  { since: 2025, springFestival: [-1, 0, 1, 2], labourDays: 2 },
  { since: 2014, springFestival: [0, 1, 2], labourDays: 1 },
  { since: 2008, springFestival: [-1, 0, 1], labourDays: 1 },
]

/** The first year the derivation knows: the 2007 decree, in force from 2008. */
export const FIRST_STATUTORY_YEAR = 2008
/** lunar-javascript's tables end at 9999; nothing plausible asks that far. */
const LAST_STATUTORY_YEAR = 9998

const cache = new Map<number, readonly StatutoryHoliday[]>()

/** The year's statutory holidays in date order (a date shared by two festivals appears once). */
export function statutoryHolidays(year: number): readonly StatutoryHoliday[] {
  if (!Number.isInteger(year) || year < FIRST_STATUTORY_YEAR || year > LAST_STATUTORY_YEAR) {
    throw new RangeError(
      `statutory holidays are derived for ${FIRST_STATUTORY_YEAR}–${LAST_STATUTORY_YEAR}, got ${year}`,
    )
  }
  const cached = cache.get(year)
  if (cached) return cached
  const rules = RULE_VERSIONS.find((r) => year >= r.since) ?? RULE_VERSIONS.at(-1)!
  const ymd = (m: number, d: number) =>
    `${year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
  const lunar = (m: number, d: number) => Lunar.fromYmd(year, m, d).getSolar().toYmd()
  // 初一 of lunar year `year` falls in January or February of the same Gregorian year, so its
  // eve does too; the eve is the last day of the 12th month, whether that month has 29 or 30.
  const newYear = lunar(1, 1)
  const days: StatutoryHoliday[] = [
    { date: ymd(1, 1), nameEn: "New Year's Day", nameZh: '元旦' },
    ...rules.springFestival.map((offset) => ({
      date: addDays(newYear, offset),
      nameEn: 'Spring Festival',
      nameZh: '春节',
    })),
    // The solar term falls on 4 or 5 April; lunar year `year`'s table holds that year's 清明.
    { date: qingming(year), nameEn: 'Tomb-sweeping Day', nameZh: '清明' },
    ...[1, 2]
      .slice(0, rules.labourDays)
      .map((d) => ({ date: ymd(5, d), nameEn: 'Labour Day', nameZh: '劳动节' })),
    { date: lunar(5, 5), nameEn: 'Dragon Boat Festival', nameZh: '端午' },
    { date: lunar(8, 15), nameEn: 'Mid-autumn Festival', nameZh: '中秋' },
    ...[1, 2, 3].map((d) => ({ date: ymd(10, d), nameEn: 'National Day', nameZh: '国庆节' })),
  ]
  const byDate = new Map<string, StatutoryHoliday>()
  for (const d of days) if (!byDate.has(d.date)) byDate.set(d.date, Object.freeze(d))
  const list = Object.freeze([...byDate.values()].sort((a, b) => a.date.localeCompare(b.date)))
  cache.set(year, list)
  return list
}

function qingming(year: number): string {
  const term = Lunar.fromYmd(year, 3, 1).getJieQiTable()['清明']
  if (!term || term.getYear() !== year) {
    throw new Error(`lunar-javascript gave no 清明 in ${year}`)
  }
  return term.toYmd()
}
