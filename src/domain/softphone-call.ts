import type { Language } from './language.ts'

/**
 * Who an agent may ring from the console's softphone, on a case: its caller's number or the
 * contact phone written on it, and nothing else (no free dialling from the hotline's number).
 */
export type DialTarget = 'caller' | 'contact'

export interface DialableNumber {
  target: DialTarget
  /** E.164, as Twilio dials it. */
  number: string
}

const E164 = /^\+[1-9]\d{4,14}$/

/**
 * A number as an agent typed it on the case form ("+86 138-0000-0000") in E.164, or null when
 * it is none: a number without its country code could be dialled in the wrong country.
 */
export function dialableNumber(raw: string | null | undefined): string | null {
  if (!raw) return null
  const compact = raw.replace(/[\s()-]/g, '')
  return E164.test(compact) ? compact : null
}

/** The case's numbers that may be rung, caller first; a withheld caller number is not one. */
export function dialableNumbers(c: {
  callerNumber: string | null
  contactPhone: string | null
  callerWithheld: boolean
}): DialableNumber[] {
  const out: DialableNumber[] = []
  const caller = c.callerWithheld ? null : dialableNumber(c.callerNumber)
  if (caller) out.push({ target: 'caller', number: caller })
  const contact = dialableNumber(c.contactPhone)
  if (contact && contact !== caller) out.push({ target: 'contact', number: contact })
  return out
}

/** The entry `asked` names: a number of the case (any spelling), or the word for one. */
export function chooseDialable(
  numbers: readonly DialableNumber[],
  asked: string,
): DialableNumber | undefined {
  if (asked === 'caller' || asked === 'contact') return numbers.find((n) => n.target === asked)
  const n = dialableNumber(asked)
  return n ? numbers.find((d) => d.number === n) : undefined
}

/** Why a call from the softphone was not placed: told to the agent, then hung up. */
export type SoftphoneRefusal =
  'not_an_agent' | 'no_case' | 'not_your_case' | 'number_not_on_case' | 'no_hotline'

const REFUSALS: Record<Language, Record<SoftphoneRefusal, string>> = {
  'zh-CN': {
    not_an_agent: '此软电话未登记为在岗坐席，无法拨出。',
    no_case: '找不到该工单，无法拨出。',
    not_your_case: '您无权处理该工单，无法拨出。',
    number_not_on_case: '只能拨打该工单的来电号码或联系电话。',
    no_hotline: '该工单没有热线号码，无法拨出。',
  },
  'en-US': {
    not_an_agent: 'This softphone is not an active agent, so the call cannot be placed.',
    no_case: 'That case was not found, so the call cannot be placed.',
    not_your_case: 'You may not work on that case, so the call cannot be placed.',
    number_not_on_case: "Only the case's caller or its contact phone can be called.",
    no_hotline: 'That case has no hotline number to call from.',
  },
}

export function softphoneRefusalText(lang: Language, why: SoftphoneRefusal): string {
  return REFUSALS[lang][why]
}
