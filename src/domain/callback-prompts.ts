import type { Language } from './language.ts'
import { spell } from './prompts.ts'

/** What the return call says. It names the organisation, the case and the owner's job number. */
export function confirmationScript(
  l: Language,
  s: { orgName: string; reference: string; ownerJobNumber: string | null; summary: string | null },
): string {
  if (l === 'zh-CN') {
    return [
      `您好，这里是${s.orgName}回访。`,
      `关于您的工单 ${spell(s.reference)}`,
      s.ownerJobNumber ? `，由 ${spell(s.ownerJobNumber)} 号客服负责。` : '。',
      s.summary ? `处理情况：${s.summary}。` : '',
      '问题已解决请按 1，未解决请按 2，需要与负责客服通话请按 0。',
    ].join('')
  }
  return [
    `Hello, this is ${s.orgName} calling back about your case ${spell(s.reference)}`,
    s.ownerJobNumber ? `, handled by agent number ${spell(s.ownerJobNumber)}. ` : '. ',
    s.summary ? `What was done: ${s.summary}. ` : '',
    'If it is solved, press 1. If it is not solved, press 2. To talk to your case officer, press 0.',
  ].join('')
}

export const callbackText = {
  'zh-CN': {
    rate: '感谢确认。请为本次服务打分，非常满意请按 5，满意请按 4，一般请按 3，不满意请按 2，非常不满意请按 1。',
    thanks: '感谢您的评价，再见。',
    // After a "1" with no rating: the caller gave none, so nobody thanks them for one.
    closing: '感谢您的确认，工单已办结。再见。',
    reopened: '我们已重新处理您的工单，负责客服会尽快与您联系。再见。',
    connecting: '正在为您接通负责客服，请稍候。',
    noInput: '没有收到您的按键，我们稍后会再与您联系。再见。',
  },
  'en-US': {
    rate: 'Thank you. Please rate our service: 5 for very satisfied, 4 satisfied, 3 neutral, 2 unsatisfied, 1 very unsatisfied.',
    thanks: 'Thank you for your rating. Goodbye.',
    closing: 'Thank you for confirming; your case is closed. Goodbye.',
    reopened: 'We have reopened your case; your case officer will contact you soon. Goodbye.',
    connecting: 'Connecting you to your case officer. Please hold.',
    noInput: 'We did not receive a key press. We will call you again later. Goodbye.',
  },
} satisfies Record<Language, Record<string, string>>

/** What the person who owes the caller a call hears before the caller is rung. */
export function personWhisper(
  l: Language,
  w: {
    reference: string
    purpose: 'promised_reply' | 'unanswered_inbound' | 'department_callback'
  },
): string {
  if (l === 'zh-CN') {
    const why = {
      promised_reply: '您承诺答复来电人的时间到了。',
      unanswered_inbound: '来电人之前未能接通，需要回电。',
      department_callback: '需要由部门回电来电人。',
    }[w.purpose]
    return `回电提醒：工单 ${spell(w.reference)}。${why}现在拨打来电人请按 1，稍后再拨请按 2。`
  }
  const why = {
    promised_reply: 'You promised the caller an answer by now.',
    unanswered_inbound: 'The caller could not get through earlier and is owed a call back.',
    department_callback: 'Your department owes the caller a call back.',
  }[w.purpose]
  return `Return call for case ${spell(w.reference)}. ${why} Press 1 to call the caller now, 2 to try later.`
}

export const personText = {
  'zh-CN': {
    calling: '正在为您接通来电人。',
    later: '好的，稍后会再次提醒您。',
    unreached: '来电人未接听，稍后会再次提醒您。',
  },
  'en-US': {
    calling: 'Calling the caller now.',
    later: 'All right, we will remind you again later.',
    unreached: 'The caller did not answer. We will remind you again later.',
  },
} satisfies Record<Language, Record<string, string>>
