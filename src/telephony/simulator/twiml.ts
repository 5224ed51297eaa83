import { type Attrs, attrs, type HttpMethod, requiredText, TwimlError } from './twiml-attrs.ts'
import { parseXml, textOf, type XmlElement, XmlError } from './xml.ts'

export { type HttpMethod, TwimlError } from './twiml-attrs.ts'

/**
 * TwiML as the simulator runs it: a discriminated union of the verbs we support, with Twilio's
 * defaults filled in. Anything else is a TwimlError, which the engine turns into Twilio's
 * "application error" (say sorry, hang up), so a mistake in our TwiML shows up in a local call.
 */

export type Prompt =
  | { verb: 'Say'; text: string; language?: string; voice?: string; loop: number }
  | { verb: 'Play'; url: string; loop: number }
  | { verb: 'Pause'; lengthSec: number }

export interface ConferenceOptions {
  name: string
  startConferenceOnEnter: boolean
  endConferenceOnExit: boolean
  /** `undefined` = Twilio's default hold music; `''` = silence. */
  waitUrl: string | undefined
  waitMethod: HttpMethod
  beep: string
  muted: boolean
  statusCallback: string | undefined
  statusCallbackMethod: HttpMethod
  statusCallbackEvents: string[]
  label: string | undefined
  /** `record-from-start` records the conference; anything else does not. */
  record: boolean
  recordingStatusCallback: string | undefined
  recordingStatusCallbackMethod: HttpMethod
  recordingStatusCallbackEvents: string[]
}

export interface LegCallbacks {
  statusCallback: string | undefined
  statusCallbackMethod: HttpMethod
  statusCallbackEvents: string[]
}

export type DialNoun =
  | ({ kind: 'number' | 'client'; address: string } & LegCallbacks)
  | ({ kind: 'conference' } & ConferenceOptions)

export type Verb =
  | Prompt
  | {
      verb: 'Gather'
      input: string[]
      numDigits: number | undefined
      timeoutSec: number
      finishOnKey: string
      action: string | undefined
      method: HttpMethod
      actionOnEmptyResult: boolean
      prompts: Prompt[]
    }
  | {
      verb: 'Record'
      action: string | undefined
      method: HttpMethod
      maxLengthSec: number
      finishOnKey: string
      timeoutSec: number
      playBeep: boolean
      recordingStatusCallback: string | undefined
      recordingStatusCallbackMethod: HttpMethod
    }
  | {
      verb: 'Dial'
      action: string | undefined
      method: HttpMethod
      timeoutSec: number
      callerId: string | undefined
      hangupOnStar: boolean
      timeLimitSec: number
      nouns: DialNoun[]
      /** `record-from-answer` (and its variants): the bridged call is recorded. */
      record: boolean
      recordingStatusCallback: string | undefined
      recordingStatusCallbackMethod: HttpMethod
      recordingStatusCallbackEvents: string[]
    }
  | { verb: 'Enqueue'; name: string; waitUrl: string | undefined; waitMethod: HttpMethod }
  | { verb: 'Redirect'; url: string; method: HttpMethod }
  | { verb: 'Hangup' }
  | { verb: 'Reject'; reason: string }

/** Twilio treats `loop="0"` as "keep going"; a simulator needs an end, so cap it. */
const MAX_LOOPS = 1000

export function parseTwiml(xml: string): Verb[] {
  let root: XmlElement
  try {
    root = parseXml(xml)
  } catch (e) {
    if (e instanceof XmlError) throw new TwimlError(12100, `Document parse failure: ${e.message}`)
    throw e
  }
  if (root.name !== 'Response') {
    throw new TwimlError(12100, `The root element must be <Response>, not <${root.name}>`)
  }
  return elements(root).map(toVerb)
}

function elements(el: XmlElement): XmlElement[] {
  for (const child of el.children) {
    if (typeof child === 'string' && child.trim() !== '') {
      throw new TwimlError(12200, `Unexpected text "${child.trim()}" inside <${el.name}>`)
    }
  }
  return el.children.filter((c): c is XmlElement => typeof c !== 'string')
}

function toVerb(el: XmlElement): Verb {
  const a = attrs(el)
  switch (el.name) {
    case 'Say':
    case 'Play':
    case 'Pause':
      return toPrompt(el)
    case 'Gather': {
      const prompts = elements(el).map((child) => {
        if (!['Say', 'Play', 'Pause'].includes(child.name)) {
          throw new TwimlError(12200, `<Gather> cannot contain <${child.name}>`)
        }
        return toPrompt(child)
      })
      return {
        verb: 'Gather',
        input: (a.str('input') ?? 'dtmf').split(/\s+/),
        numDigits: a.int('numDigits'),
        timeoutSec: a.int('timeout') ?? 5,
        finishOnKey: a.str('finishOnKey') ?? '#',
        action: a.str('action'),
        method: a.method('method', 'POST'),
        actionOnEmptyResult: a.bool('actionOnEmptyResult', false),
        prompts,
      }
    }
    case 'Record':
      return {
        verb: 'Record',
        action: a.str('action'),
        method: a.method('method', 'POST'),
        maxLengthSec: a.int('maxLength') ?? 3600,
        finishOnKey: a.str('finishOnKey') ?? '1234567890*#',
        timeoutSec: a.int('timeout') ?? 5,
        playBeep: a.bool('playBeep', true),
        recordingStatusCallback: a.str('recordingStatusCallback'),
        recordingStatusCallbackMethod: a.method('recordingStatusCallbackMethod', 'POST'),
      }
    case 'Dial':
      return {
        verb: 'Dial',
        action: a.str('action'),
        method: a.method('method', 'POST'),
        timeoutSec: a.int('timeout') ?? 30,
        callerId: a.str('callerId'),
        hangupOnStar: a.bool('hangupOnStar', false),
        timeLimitSec: a.int('timeLimit') ?? 14_400,
        nouns: dialNouns(el),
        record: (a.str('record') ?? 'do-not-record').startsWith('record-from-'),
        recordingStatusCallback: a.str('recordingStatusCallback'),
        recordingStatusCallbackMethod: a.method('recordingStatusCallbackMethod', 'POST'),
        recordingStatusCallbackEvents: (a.str('recordingStatusCallbackEvent') ?? 'completed')
          .split(/\s+/)
          .filter(Boolean),
      }
    case 'Enqueue':
      return {
        verb: 'Enqueue',
        name: requiredText(el),
        waitUrl: a.str('waitUrl'),
        waitMethod: a.method('waitMethod', 'POST'),
      }
    case 'Redirect':
      return { verb: 'Redirect', url: requiredText(el), method: a.method('method', 'POST') }
    case 'Hangup':
      return { verb: 'Hangup' }
    case 'Reject':
      return { verb: 'Reject', reason: a.str('reason') ?? 'rejected' }
    default:
      throw new TwimlError(12200, `Unknown or unsupported TwiML verb <${el.name}>`)
  }
}

function toPrompt(el: XmlElement): Prompt {
  const a = attrs(el)
  const loop = Math.min(a.int('loop') ?? 1, MAX_LOOPS) || MAX_LOOPS
  if (el.name === 'Say') {
    return {
      verb: 'Say',
      text: textOf(el).trim(),
      language: a.str('language'),
      voice: a.str('voice'),
      loop,
    }
  }
  if (el.name === 'Play') return { verb: 'Play', url: requiredText(el), loop }
  return { verb: 'Pause', lengthSec: a.int('length') ?? 1 }
}

function dialNouns(el: XmlElement): DialNoun[] {
  const children = el.children.filter((c) => typeof c !== 'string' || c.trim() !== '')
  const text = textOf(el).trim()
  if (children.every((c) => typeof c === 'string')) {
    if (!text)
      throw new TwimlError(12200, '<Dial> needs a number, <Number>, <Client> or <Conference>')
    return [{ kind: 'number', address: text, ...legCallbacks(attrs(el)) }]
  }
  const nouns = elements(el).map((noun): DialNoun => {
    const a = attrs(noun)
    if (noun.name === 'Number') {
      return { kind: 'number', address: requiredText(noun), ...legCallbacks(a) }
    }
    if (noun.name === 'Client') {
      const identity = requiredText(noun)
      const address = identity.startsWith('client:') ? identity : `client:${identity}`
      return { kind: 'client', address, ...legCallbacks(a) }
    }
    if (noun.name === 'Conference') {
      return {
        kind: 'conference',
        name: requiredText(noun),
        startConferenceOnEnter: a.bool('startConferenceOnEnter', true),
        endConferenceOnExit: a.bool('endConferenceOnExit', false),
        waitUrl: a.str('waitUrl'),
        waitMethod: a.method('waitMethod', 'POST'),
        beep: a.str('beep') ?? 'true',
        muted: a.bool('muted', false),
        statusCallback: a.str('statusCallback'),
        statusCallbackMethod: a.method('statusCallbackMethod', 'POST'),
        statusCallbackEvents: (a.str('statusCallbackEvent') ?? '').split(/\s+/).filter(Boolean),
        label: a.str('participantLabel'),
        record: a.str('record') === 'record-from-start',
        recordingStatusCallback: a.str('recordingStatusCallback'),
        recordingStatusCallbackMethod: a.method('recordingStatusCallbackMethod', 'POST'),
        recordingStatusCallbackEvents: (a.str('recordingStatusCallbackEvent') ?? 'completed')
          .split(/\s+/)
          .filter(Boolean),
      }
    }
    throw new TwimlError(12200, `<Dial> cannot contain <${noun.name}> in the simulator`)
  })
  if (nouns.some((n) => n.kind === 'conference') && nouns.length > 1) {
    throw new TwimlError(12200, '<Conference> must be the only noun in its <Dial>')
  }
  return nouns
}

function legCallbacks(a: Attrs): LegCallbacks {
  return {
    statusCallback: a.str('statusCallback'),
    statusCallbackMethod: a.method('statusCallbackMethod', 'POST'),
    statusCallbackEvents: (a.str('statusCallbackEvent') ?? '').split(/\s+/).filter(Boolean),
  }
}
