import { DateTime } from 'luxon'

/**
 * The SMS that tells a caller a time limit was extended, why, and by when (the sources: when a
 * limit cannot be met, the caller is told the reason and how long). Both languages, like the
 * other case texts; the time is the hotline's local time, as the caller reads a clock.
 */
export function extensionSms(
  reference: string,
  reason: string,
  newDueAt: Date,
  timeZone: string,
): string {
  const by = DateTime.fromJSDate(newDueAt, { zone: timeZone })
  return (
    `【首问热线】工单 ${reference}：办理时限延长至 ${by.toFormat('M月d日 HH:mm')}。` +
    ` Case ${reference}: the time limit is extended to ${by.setLocale('en').toFormat('d MMM HH:mm')}.` +
    ` 原因 Reason: ${reason}`
  )
}
