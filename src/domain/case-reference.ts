/**
 * Case references read aloud and typed by callers: PREFIX-YYYYMMDD-NNNN, the date in the
 * deployment's time zone, the number counting up per day.
 */
export function formatCaseReference(prefix: string, localDate: string, seq: number): string {
  return `${prefix}-${localDate.replaceAll('-', '')}-${String(seq).padStart(4, '0')}`
}

// Building an Intl.DateTimeFormat loads the zone's rules: far dearer than using one.
const dayFormats = new Map<string, Intl.DateTimeFormat>()

/** YYYY-MM-DD of `at` in `timeZone`. */
export function localDateOf(at: Date, timeZone: string): string {
  let format = dayFormats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    })
    dayFormats.set(timeZone, format)
  }
  const parts = format.formatToParts(at)
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')}`
}

export const CASE_REFERENCE_PATTERN = /^[A-Z]{2,6}-\d{8}-\d{4,}$/
