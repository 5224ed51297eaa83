import type { Language } from './language.ts'

/**
 * What the IVR says, per language. Phone manners from the 114 scripts: greeting first, then the
 * organisation, then "how can we help"; agents are named by job number.
 */

export interface MenuCategory {
  key: number
  nameZh: string
  nameEn: string
}

const zh = {
  greeting: (org: string) => `您好，这里是${org}，很高兴为您服务。`,
  switchLanguage: 'For English, press 9.',
  resendNotice: '需要重新发送告知短信，请按星号键。',
  enterReference: '请输入您的工单号中的12位数字，以井号键结束。',
  noticeResent: '告知短信已重新发送到该工单登记的手机号码。感谢您的来电，再见。',
  noNoticeFound: '没有找到该工单的告知短信。如需帮助，请再次来电联系客服。再见。',
  openCase: (ref: string, jobNumber: string | null) =>
    `您的工单 ${spell(ref)} 正在办理中。` +
    (jobNumber
      ? `继续办理该工单，由 ${spell(jobNumber)} 号客服为您服务，请按 1；`
      : '继续办理该工单请按 1；') +
    '办理新的事项，请按 2。',
  categoryMenu: (cats: MenuCategory[]) =>
    cats.map((c) => `${c.nameZh}请按 ${c.key}`).join('，') + '。紧急情况请按 0。',
  invalidChoice: '对不起，您的选择无效。',
  didNotHear: '对不起，没有听到您的选择。',
  silentGoodbye: '由于长时间没有听到您的声音，本次通话即将结束。如需帮助，请再次来电。再见。',
  connecting: '正在为您转接客服，请稍候。',
  connectingEmergency: '您的紧急来电已优先处理，正在为您转接客服，请稍候。',
  holdProgress: '感谢您的耐心等待，客服人员马上为您服务，请不要挂机。',
  voicemail:
    '对不起，客服人员暂时都在忙。请在提示音后留言，说明您的问题和联系方式，我们会尽快给您回电。',
  voicemailDone: (ref: string) => `您的留言已收到，工单号 ${spell(ref)}。我们会尽快回电。再见。`,
  noRecording: (ref: string) => `我们已为您登记工单 ${spell(ref)}，会尽快给您回电。再见。`,
  afterCall: '感谢您的来电，再见。',
  notInService: '对不起，您拨打的号码暂未开通服务。再见。',
  technicalProblem: '对不起，系统暂时出现问题，请稍后再拨。给您带来不便，敬请谅解。',
  // Said to the caller as the agent accepts, before the two are bridged: staff are known by
  // job number (sources). `job` arrives spelled out digit by digit.
  agentIntroduction: (job: string) => `您好，${job} 号客服为您服务。`,
  // Said after the greeting on a hotline whose recording setting is `notice`.
  recordingNotice: '为了保证服务质量，本次通话将被录音。',
}

const en: typeof zh = {
  greeting: (org: string) => `Hello, thank you for calling ${org}. We are glad to help.`,
  switchLanguage: '中文服务请按 9。',
  resendNotice: 'To have a notice text sent again, press star.',
  enterReference: 'Please enter the 12 digits of your case reference, then press hash.',
  noticeResent:
    'The notice has been sent again to the phone number registered with the case. Thank you for calling. Goodbye.',
  noNoticeFound:
    'We found no notice for that case reference. To speak to an agent, please call again. Goodbye.',
  openCase: (ref: string, jobNumber: string | null) =>
    `Your case ${spell(ref)} is being handled. ` +
    (jobNumber
      ? `To continue with it, with agent number ${spell(jobNumber)}, press 1. `
      : 'To continue with it, press 1. ') +
    'For a new matter, press 2.',
  categoryMenu: (cats: MenuCategory[]) =>
    cats.map((c) => `For ${c.nameEn}, press ${c.key}.`).join(' ') + ' For an emergency, press 0.',
  invalidChoice: 'Sorry, that is not a valid choice.',
  didNotHear: 'Sorry, we did not hear your choice.',
  silentGoodbye:
    'We have not heard from you, so we will end this call now. Please call again if you need help. Goodbye.',
  connecting: 'Connecting you to an agent. Please hold.',
  connectingEmergency: 'Your emergency call has priority. Connecting you to an agent now.',
  holdProgress:
    'Thank you for waiting. An agent will be with you shortly. Please stay on the line.',
  voicemail:
    'Sorry, all our agents are busy. After the tone, please leave a message with your matter and how to reach you. We will call you back.',
  voicemailDone: (ref: string) =>
    `Your message has been received. Your case reference is ${spell(ref)}. We will call you back. Goodbye.`,
  noRecording: (ref: string) =>
    `We have opened case ${spell(ref)} for you and will call you back. Goodbye.`,
  afterCall: 'Thank you for calling. Goodbye.',
  notInService: 'Sorry, this number is not in service. Goodbye.',
  technicalProblem:
    'Sorry, we are having a technical problem. Please call again later. We apologise for the inconvenience.',
  agentIntroduction: (job: string) => `Hello, you are through to agent number ${job}.`,
  recordingNotice: 'This call will be recorded to help us serve you better.',
}

export type Prompts = typeof zh

/**
 * What an administrator may reword per language: the fixed sentences, and the greeting with
 * `{org}` where the hotline's name goes. Menus and references are built from data and stay code.
 */
export const EDITABLE_PROMPTS = [
  'greeting',
  'invalidChoice',
  'didNotHear',
  'silentGoodbye',
  'connecting',
  'connectingEmergency',
  'holdProgress',
  'voicemail',
  'afterCall',
  'notInService',
  'technicalProblem',
  'resendNotice',
  'enterReference',
  'noticeResent',
  'noNoticeFound',
  'agentIntroduction',
  'recordingNotice',
] as const
export type EditablePrompt = (typeof EDITABLE_PROMPTS)[number]
export type PromptOverrides = Partial<Record<Language, Partial<Record<EditablePrompt, string>>>>

// The administrators' wording, loaded from Postgres by src/ivr-prompts and replaced whole on
// each refresh. Kept here, as data, so every renderer stays a pure function of its inputs.
let overrides: PromptOverrides = {}
// Moves on when the wording actually changes (not on every refresh), so a renderer that keeps
// documents built from these prompts can tell they are stale.
let version = 0
let overridesJson = '{}'

export function setPromptOverrides(o: PromptOverrides): void {
  overrides = o
  const json = JSON.stringify(o)
  if (json !== overridesJson) {
    overridesJson = json
    version++
  }
}

/** Changes whenever `prompts()` may answer differently. */
export function promptsVersion(): number {
  return version
}

/**
 * The built-in wording of an editable prompt: the greeting as its `{org}` template, the agent's
 * introduction as its `{jobNumber}` template.
 */
export function defaultPrompt(l: Language, key: EditablePrompt): string {
  const base = l === 'zh-CN' ? zh : en
  if (key === 'agentIntroduction') return base.agentIntroduction('{jobNumber}')
  return key === 'greeting' ? base.greeting('{org}') : base[key]
}

export function prompts(l: Language): Prompts {
  const base = l === 'zh-CN' ? zh : en
  const mine = overrides[l]
  if (!mine) return base
  const { greeting, agentIntroduction, ...fixed } = mine
  return {
    ...base,
    ...fixed,
    ...(greeting !== undefined && { greeting: (org: string) => greeting.replaceAll('{org}', org) }),
    ...(agentIntroduction !== undefined && {
      agentIntroduction: (job: string) => agentIntroduction.replaceAll('{jobNumber}', job),
    }),
  }
}

/** Agent whisper: said to the agent before they accept (always in the hotline's language). */
export function whisper(
  l: Language,
  w: {
    reference: string
    category: string | null
    emergency: boolean
    openCases: string[]
    followUp: boolean
  },
): string {
  if (l === 'zh-CN') {
    return [
      w.emergency ? '紧急来电。' : '热线来电。',
      `工单 ${spell(w.reference)}`,
      w.category ? `，类别：${w.category}。` : '。',
      w.followUp ? '来电人询问已有工单。' : '',
      w.openCases.length > 0
        ? `来电人有 ${w.openCases.length} 个未结工单：${w.openCases.map(spell).join('，')}。`
        : '',
      '接听请按 1，拒绝请按 2。',
    ].join('')
  }
  return [
    w.emergency ? 'Emergency hotline call. ' : 'Hotline call. ',
    `Case ${spell(w.reference)}`,
    w.category ? `, category ${w.category}. ` : '. ',
    w.followUp ? 'The caller is following up an existing case. ' : '',
    w.openCases.length > 0
      ? `The caller has ${w.openCases.length} open case${w.openCases.length > 1 ? 's' : ''}: ${w.openCases.map(spell).join(', ')}. `
      : '',
    'Press 1 to accept, 2 to decline.',
  ].join('')
}

export function agentConnected(l: Language, reference: string): string {
  return l === 'zh-CN'
    ? `已接通，工单 ${spell(reference)}。`
    : `Connected. Case ${spell(reference)}.`
}

export function agentTooLate(l: Language, reason: 'taken' | 'gone'): string {
  if (reason === 'taken') {
    return l === 'zh-CN'
      ? '该来电已由其他同事接听，谢谢。'
      : 'This call was taken by a colleague. Thank you.'
  }
  return l === 'zh-CN' ? '来电人已挂断。' : 'The caller has already hung up.'
}

/** For a leg whose offer we no longer know: nothing to connect it to. */
export function callEnded(l: Language): string {
  return l === 'zh-CN' ? '此来电已结束，谢谢。' : 'This call has ended. Thank you.'
}

export function agentDeclined(l: Language): string {
  return l === 'zh-CN' ? '已拒绝，来电将转给其他同事。' : 'Declined. The call goes to a colleague.'
}

/** Reads references and job numbers character by character, the way a phone voice should. */
export function spell(s: string): string {
  return s.split('').join(' ')
}
