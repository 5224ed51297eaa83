import { DateTime } from 'luxon'

import type { Language } from './language.ts'
import { spell } from './prompts.ts'

/**
 * What callers, owners and departments hear and read around a transfer. The caller is always
 * told who takes over, never bounced: the owner's job number is in every message to them.
 */

export interface DeptName {
  name: string
  nameEn: string | null
}

const deptName = (l: Language, d: DeptName) => (l === 'zh-CN' ? d.name : (d.nameEn ?? d.name))

/** The caller on hold during a transfer (looped with music, every HOLD_PROGRESS_SECONDS). */
export function transferHold(l: Language, d: DeptName): string {
  return l === 'zh-CN'
    ? `正在为您联系${deptName(l, d)}，请不要挂机，感谢您的耐心等待。`
    : `We are putting you through to ${deptName(l, d)}. Please stay on the line; thank you for waiting.`
}

export interface Briefing {
  reference: string
  category: string | null
  place: string | null
  content: string | null
  note: string | null
  ownerJobNumber: string | null
  cold: boolean
}

/** Said to the department's person before they accept: the hand-off, so nobody asks twice. */
export function departmentBriefing(l: Language, b: Briefing): string {
  if (l === 'zh-CN') {
    return [
      `热线转办，工单 ${spell(b.reference)}`,
      b.category ? `，类别：${b.category}` : '',
      b.place ? `，地点：${b.place}` : '',
      b.content ? `。来电内容：${b.content}` : '',
      b.note ? `。首问客服请求：${b.note}` : '',
      b.ownerJobNumber ? `。首问责任人 ${spell(b.ownerJobNumber)} 号。` : '。',
      b.cold ? '接受后将直接接通来电人。' : '接受后请与首问客服核对交接内容。',
      '接受请按 1，不能接受请按 2。',
    ].join('')
  }
  return [
    `Hotline transfer, case ${spell(b.reference)}`,
    b.category ? `, category ${b.category}` : '',
    b.place ? `, at ${b.place}` : '',
    b.content ? `. The caller says: ${b.content}` : '',
    b.note ? `. The agent asks: ${b.note}` : '',
    b.ownerJobNumber ? `. First owner: agent ${spell(b.ownerJobNumber)}. ` : '. ',
    b.cold
      ? 'If you accept, the caller is put straight through. '
      : 'If you accept, read the hand-off back to the agent. ',
    'Press 1 to accept, 2 if you cannot.',
  ].join('')
}

export function departmentAccepted(l: Language, cold: boolean): string {
  if (l === 'zh-CN') {
    return cold ? '已接受，正在接通来电人。' : '已接受，首问客服在线，来电人稍后接入。'
  }
  return cold
    ? 'Accepted. Connecting you to the caller.'
    : 'Accepted. The agent is on the line; the caller joins shortly.'
}

export function departmentDeclined(l: Language): string {
  return l === 'zh-CN' ? '已记录，谢谢。' : 'Noted. Thank you.'
}

export function departmentTooLate(l: Language): string {
  return l === 'zh-CN' ? '该转办已结束，谢谢。' : 'This transfer has ended. Thank you.'
}

export type BackReason = 'no_answer' | 'declined' | 'busy' | 'failed' | 'cancelled'

/** Said to the caller when they come off hold with the owner again. */
export function callerBackWithOwner(l: Language, d: DeptName): string {
  return l === 'zh-CN'
    ? `${deptName(l, d)}暂时无法接听，您的首问客服继续为您服务。`
    : `${deptName(l, d)} cannot take the call right now. Your agent is back with you.`
}

/** Said to the owner when the transfer did not go through. */
export function ownerTransferFailed(l: Language, d: DeptName, why: BackReason): string {
  const zhWhy = {
    no_answer: '无人接听',
    declined: '不能接受',
    busy: '占线',
    failed: '呼叫失败',
    cancelled: '已取消',
  }
  const enWhy = {
    no_answer: 'did not answer',
    declined: 'declined',
    busy: 'was busy',
    failed: 'could not be reached',
    cancelled: 'was cancelled',
  }
  return l === 'zh-CN'
    ? `转办${deptName(l, d)}${zhWhy[why]}，来电人已回到您的通话。`
    : `The transfer to ${deptName(l, d)} ${enWhy[why]}. The caller is back with you.`
}

/** The owner left and the department could not take it: the caller goes back in the queue. */
export function callerRequeued(l: Language, d: DeptName): string {
  return l === 'zh-CN'
    ? `${deptName(l, d)}暂时无法接听，正在为您转接其他客服，请稍候。`
    : `${deptName(l, d)} cannot take the call right now. We are putting you through to a colleague; please hold.`
}

/** SMS to the caller once a department takes the case over. */
export function departmentContactSms(
  reference: string,
  d: DeptName & { contactName: string | null; publicPhone: string | null },
  ownerJobNumber: string | null,
  answerBy?: { at: Date; timeZone: string } | null,
): string {
  // The department's answer time (its department_answer clock), in the caller's local time.
  const by = answerBy ? DateTime.fromJSDate(answerBy.at, { zone: answerBy.timeZone }) : null
  const due = by ? `，${by.toFormat('M月d日 HH:mm')}前答复您` : ''
  const enDue = by ? `, who will answer you by ${by.setLocale('en').toFormat('d MMM HH:mm')}` : ''
  const who = d.contactName ? `，联系人 ${d.contactName}` : ''
  const phone = d.publicPhone ? `，电话 ${d.publicPhone}` : ''
  const en = d.nameEn ?? d.name
  const enWho = d.contactName ? `, contact ${d.contactName}` : ''
  const enPhone = d.publicPhone ? `, phone ${d.publicPhone}` : ''
  const owner = ownerJobNumber ? `首问客服 ${ownerJobNumber} 号继续负责。` : ''
  const enOwner = ownerJobNumber ? ` Agent ${ownerJobNumber} stays responsible.` : ''
  return (
    `【首问热线】工单 ${reference} 已转${d.name}办理${who}${phone}${due}。${owner}` +
    ` Case ${reference} is with ${en}${enWho}${enPhone}${enDue}.${enOwner}`
  )
}

/** SMS for an external referral: who handles it and how to reach them. */
export function referralSms(reference: string, body: { name: string; phone: string }): string {
  return (
    `【首问热线】工单 ${reference}：该事项由${body.name}受理，电话 ${body.phone}。` +
    ` Case ${reference}: this is handled by ${body.name}, phone ${body.phone}.`
  )
}
