import type { Language } from './language.ts'
import { otherLanguage } from './language.ts'

/**
 * The IVR menu as a pure step function: where the caller is, what they pressed → what happens
 * next. Routes render the decision; nothing here knows about HTTP or TwiML.
 */

export type MenuStep = 'open_case' | 'category'

export interface MenuPosition {
  step: MenuStep
  language: Language
  /** Prompts that got no key at all. Two silent prompts end the call politely. */
  silences: number
  /** Keys that matched nothing. After three, the caller goes to an agent unclassified. */
  invalids: number
}

export type QueueTarget =
  { kind: 'existing_case' } | { kind: 'new_case'; categoryKey: number | null; emergency: boolean }

export type IvrDecision =
  | { kind: 'menu'; position: MenuPosition; notice: 'none' | 'invalid' | 'silence' }
  | { kind: 'queue'; target: QueueTarget; language: Language }
  | { kind: 'hangup_silent'; language: Language }
  /** The caller wants a one-time notice sent again: ask for their case reference. */
  | { kind: 'notice_resend'; language: Language }

export const SWITCH_LANGUAGE_KEY = '9'
export const EMERGENCY_KEY = '0'
export const RESEND_NOTICE_KEY = '*'
export const MAX_SILENCES = 2
export const MAX_INVALIDS = 3

export function firstMenu(language: Language, hasOpenCase: boolean): MenuPosition {
  return { step: hasOpenCase ? 'open_case' : 'category', language, silences: 0, invalids: 0 }
}

export function nextIvrStep(
  at: MenuPosition,
  digits: string | undefined,
  categoryKeys: readonly number[],
): IvrDecision {
  const key = digits?.trim().slice(0, 1) ?? ''
  if (key === '') {
    const silences = at.silences + 1
    if (silences >= MAX_SILENCES) return { kind: 'hangup_silent', language: at.language }
    return { kind: 'menu', position: { ...at, silences }, notice: 'silence' }
  }
  if (key === SWITCH_LANGUAGE_KEY) {
    return {
      kind: 'menu',
      position: { ...at, language: otherLanguage(at.language), silences: 0 },
      notice: 'none',
    }
  }
  if (key === RESEND_NOTICE_KEY) return { kind: 'notice_resend', language: at.language }
  if (at.step === 'open_case') {
    if (key === '1')
      return { kind: 'queue', target: { kind: 'existing_case' }, language: at.language }
    if (key === '2') {
      return { kind: 'menu', position: { ...at, step: 'category', silences: 0 }, notice: 'none' }
    }
  } else {
    if (key === EMERGENCY_KEY) {
      return {
        kind: 'queue',
        target: { kind: 'new_case', categoryKey: null, emergency: true },
        language: at.language,
      }
    }
    const n = Number(key)
    if (categoryKeys.includes(n)) {
      return {
        kind: 'queue',
        target: { kind: 'new_case', categoryKey: n, emergency: false },
        language: at.language,
      }
    }
  }
  const invalids = at.invalids + 1
  if (invalids >= MAX_INVALIDS) {
    // Someone who cannot work the menu still reaches a person; the agent classifies the case.
    return {
      kind: 'queue',
      target:
        at.step === 'open_case'
          ? { kind: 'existing_case' }
          : { kind: 'new_case', categoryKey: null, emergency: false },
      language: at.language,
    }
  }
  return { kind: 'menu', position: { ...at, invalids, silences: 0 }, notice: 'invalid' }
}
