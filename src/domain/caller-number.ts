/**
 * What Twilio puts in `From` when the caller withheld their number: words, or the keypad
 * spelling of those words as a fake E.164 number. Such callers share no identity: they must not
 * be matched to each other's open cases, and no return call can reach them.
 */
const WITHHELD_SPELLED = new Set([
  '+266696687', // ANONYMOUS
  '+7378742833', // RESTRICTED
  '+2562533', // BLOCKED
  '+8656696', // UNKNOWN
  '+86282452253', // UNAVAILABLE
])

export function isWithheldNumber(from: string): boolean {
  if (WITHHELD_SPELLED.has(from)) return true
  // Anything that is not a dialable number or a client identity cannot be called back.
  return !/^\+[1-9]\d{4,14}$/.test(from) && !from.startsWith('client:')
}
