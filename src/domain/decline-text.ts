/**
 * The SMS that tells a caller their request is declined (否定报备) and why, in both languages
 * like the other case texts. The written reason appears once, as it was approved: it may run to
 * 1000 characters, and twice that would not fit Twilio's 1600-character message.
 */
export function declinedSms(reference: string, reason: string): string {
  return (
    `【首问热线】工单 ${reference}：经审核，您的诉求不予受理。` +
    ` Case ${reference}: after review, your request is declined.` +
    ` 原因 Reason: ${reason}` +
    ` 如有疑问请再次来电。Call us again if you have questions.`
  )
}
