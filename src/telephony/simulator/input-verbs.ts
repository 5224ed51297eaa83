import { clearInput, nextInput } from './calls.ts'
import {
  AbortedError,
  childController,
  type Core,
  emit,
  isAborted,
  isLive,
  newSid,
  simSeconds,
  twilioDate,
} from './core.ts'
import type { DocSource } from './interpreter.ts'
import { playPrompt } from './media.ts'
import { TwimlError, type Verb } from './twiml.ts'
import type { SimCall } from './types.ts'
import { callParams, postCallback, resolveUrl } from './webhooks.ts'

/** The verbs that listen to the caller: <Gather> (keys, speech) and <Record>. */

export interface Doc {
  verbs: Verb[]
  /** The document's own URL: the default `action` and the base for relative URLs. */
  url: string | undefined
}

type GatherVerb = Extract<Verb, { verb: 'Gather' }>
type RecordVerb = Extract<Verb, { verb: 'Record' }>

function actionUrl(action: string | undefined, doc: Doc, verb: string): string {
  const url = action ?? doc.url
  if (!url) throw new TwimlError(12200, `<${verb}> needs an action when the TwiML was inline`)
  return resolveUrl(url, doc.url)
}

/**
 * <Gather>: nested prompts play until the first key (barge-in); then keys are collected until
 * numDigits, finishOnKey or `timeout` seconds of silence. No input falls through to the next verb.
 */
export async function gather(
  core: Core,
  call: SimCall,
  verb: GatherVerb,
  doc: Doc,
  signal: AbortSignal,
) {
  clearInput(call)
  const { input, numDigits, timeoutSec } = verb
  emit(core, { type: 'gather', callSid: call.sid, input, numDigits, timeoutSec })
  const wantsDigits = input.includes('dtmf')
  const wantsSpeech = input.includes('speech')
  const prompts = childController(signal)
  const bargeIn = () => {
    if (call.input.length) prompts.abort()
  }
  call.inputWaiters.add(bargeIn)
  try {
    for (const prompt of verb.prompts) await playPrompt(core, call, prompt, prompts.signal)
  } catch (e) {
    if (signal.aborted || !isAborted(e)) throw e
  } finally {
    call.inputWaiters.delete(bargeIn)
    prompts.release()
  }
  let digits = ''
  let speech: string | undefined
  let finishedOnKey = ''
  let timedOut = false
  for (;;) {
    const item = await nextInput(call, timeoutSec * core.timings.secondMs, signal)
    if (!item) {
      timedOut = true
      break
    }
    if (item.kind === 'speech') {
      if (!wantsSpeech) continue
      speech = item.text
      break
    }
    if (!wantsDigits) continue
    if (verb.finishOnKey.includes(item.digit)) {
      finishedOnKey = item.digit
      break
    }
    digits += item.digit
    if (numDigits !== undefined && digits.length >= numDigits) break
  }
  emit(core, { type: 'gather-end', callSid: call.sid, digits, speech, timedOut })
  if (!digits && speech === undefined && !verb.actionOnEmptyResult) return undefined
  const params: Record<string, string> =
    speech === undefined
      ? { Digits: digits, FinishedOnKey: finishedOnKey }
      : { SpeechResult: speech, Confidence: '0.9' }
  const url = actionUrl(verb.action, doc, 'Gather')
  return { kind: 'fetch', url, method: verb.method, params } satisfies DocSource
}

/**
 * <Record>: what the caller says (speak) is the recording's transcript. Ends on finishOnKey,
 * maxLength, `timeout` seconds of silence or hangup (action still posted, with Digits=hangup).
 */
export async function record(
  core: Core,
  call: SimCall,
  verb: RecordVerb,
  doc: Doc,
  signal: AbortSignal,
) {
  clearInput(call)
  const { maxLengthSec, finishOnKey, playBeep } = verb
  emit(core, { type: 'record', callSid: call.sid, maxLengthSec, finishOnKey, playBeep })
  const startedAt = new Date()
  const endsAt = startedAt.getTime() + maxLengthSec * core.timings.secondMs
  const words: string[] = []
  let digits = ''
  let silent = false
  try {
    for (;;) {
      const left = endsAt - Date.now()
      if (left <= 0) break
      const item = await nextInput(
        call,
        Math.min(left, verb.timeoutSec * core.timings.secondMs),
        signal,
      )
      if (!item) {
        silent = Date.now() < endsAt
        break
      }
      if (item.kind === 'speech') words.push(item.text)
      else if (finishOnKey.includes(item.digit)) {
        digits = item.digit
        break
      }
    }
  } catch (e) {
    if (!isAborted(e) || isLive(call)) throw e
    digits = 'hangup'
  }
  const sid = newSid('RE')
  const url = `https://api.twilio.com/2010-04-01/Accounts/${core.accountSid}/Recordings/${sid}`
  const durationSec = simSeconds(core, startedAt)
  const transcript = words.join(' ')
  core.recordings.push({ sid, callSid: call.sid, url, durationSec, transcript })
  emit(core, { type: 'record-end', callSid: call.sid, recordingSid: sid, durationSec, transcript })
  const recording = { RecordingUrl: url, RecordingSid: sid, RecordingDuration: String(durationSec) }
  if (verb.recordingStatusCallback) {
    postCallback(core, call, call, {
      url: resolveUrl(verb.recordingStatusCallback, doc.url),
      method: verb.recordingStatusCallbackMethod,
      params: {
        AccountSid: core.accountSid,
        CallSid: call.sid,
        ...recording,
        RecordingStatus: 'completed',
        RecordingChannels: '1',
        RecordingSource: 'RecordVerb',
        RecordingStartTime: twilioDate(startedAt) ?? '',
      },
    })
  }
  // Twilio skips the action when nothing was recorded before the silence timeout.
  if (silent && !transcript) return undefined
  const action = { url: actionUrl(verb.action, doc, 'Record'), method: verb.method }
  const params = { ...recording, Digits: digits }
  if (digits !== 'hangup') return { kind: 'fetch', ...action, params } satisfies DocSource
  postCallback(core, call, call, { ...action, params: { ...callParams(core, call), ...params } })
  throw new AbortedError('hung up while recording')
}
