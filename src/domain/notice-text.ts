import type { Language } from './language.ts'

/** The one-time notice (一次性告知) as one SMS: everything the caller must bring or do, at once. */

export interface NoticeContent {
  title: string
  bring: string[]
  steps: string[]
  timeLimit: string
}

export function noticeText(reference: string, lang: Language, c: NoticeContent): string {
  const list = (xs: string[]) => xs.map((x, i) => `${i + 1}. ${x}`).join(' ')
  if (lang === 'zh-CN') {
    return [
      `【首问热线】工单 ${reference}：${c.title}。`,
      c.bring.length ? `请携带/准备：${list(c.bring)}。` : '',
      c.steps.length ? `办理步骤：${list(c.steps)}。` : '',
      `办理时限：${c.timeLimit}。`,
    ].join('')
  }
  return [
    `Case ${reference}: ${c.title}.`,
    c.bring.length ? ` Bring or prepare: ${list(c.bring)}.` : '',
    c.steps.length ? ` Steps: ${list(c.steps)}.` : '',
    ` Time limit: ${c.timeLimit}.`,
  ].join('')
}

/** The case reference from the digits a caller keyed in: YYYYMMDD then the day's number. */
export function referenceFromDigits(prefix: string, digits: string): string | undefined {
  const m = /^(\d{8})(\d{4,6})$/.exec(digits)
  return m ? `${prefix}-${m[1]}-${m[2]}` : undefined
}
