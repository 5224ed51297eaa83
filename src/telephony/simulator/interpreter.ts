import { clearInput, endCall, markAnswered, nextInput } from './calls.ts'
import {
  AbortedError,
  childController,
  type Core,
  emit,
  isAborted,
  isLive,
  newSid,
  simSeconds,
  track,
  twilioDate,
} from './core.ts'
import { dial } from './dial.ts'
import { loopMedia, playPrompt } from './media.ts'
import { type HttpMethod, parseTwiml, TwimlError, type Verb } from './twiml.ts'
import type { SimCall } from './types.ts'
import { callParams, errorCode, fetchTwiml, postCallback, resolveUrl } from './webhooks.ts'

/** Where a call's next TwiML comes from. */
export type DocSource =
  | { kind: 'fetch'; url: string; method: HttpMethod; params?: Record<string, string> }
  | { kind: 'twiml'; twiml: string }
  | { kind: 'verbs'; verbs: Verb[] }

interface Doc {
  verbs: Verb[]
  /** The document's own URL: the default `action` and the base for relative URLs. */
  url: string | undefined
}

type GatherVerb = Extract<Verb, { verb: 'Gather' }>
type RecordVerb = Extract<Verb, { verb: 'Record' }>

/** What Twilio says before it hangs up on a broken webhook or document. */
export const APPLICATION_ERROR_TEXT = 'We are sorry, an application error has occurred. Goodbye.'

/**
 * Runs TwiML on a call from `source` until the documents run out (hang up), replacing whatever
 * it was running: this is both the first webhook and a REST redirect.
 */
export function execute(core: Core, call: SimCall, source: DocSource): void {
  if (!isLive(call)) return
  call.run?.abort()
  const run = childController(core.lifetime.signal)
  call.run = run
  track(core, runLoop(core, call, source, run))
}

async function runLoop(core: Core, call: SimCall, source: DocSource, run: AbortController) {
  let next: DocSource | undefined = source
  try {
    while (next) {
      const doc = await load(core, call, next, run.signal)
      next = await runVerbs(core, call, doc, run.signal)
    }
    endCall(core, call, 'completed')
  } catch (e) {
    if (run.signal.aborted || isAborted(e)) return
    await applicationError(core, call, e, run.signal)
  } finally {
    if (call.run === run) call.run = undefined
  }
}

async function load(core: Core, call: SimCall, source: DocSource, signal: AbortSignal) {
  if (source.kind === 'verbs') return { verbs: source.verbs, url: undefined }
  if (source.kind === 'twiml') return { verbs: parseTwiml(source.twiml), url: undefined }
  const params = { ...callParams(core, call), ...source.params }
  const verbs = await fetchTwiml(core, call, { ...source, params }, signal)
  return { verbs, url: source.url }
}

async function applicationError(core: Core, call: SimCall, e: unknown, signal: AbortSignal) {
  const message = e instanceof Error ? e.message : String(e)
  emit(core, { type: 'error', callSid: call.sid, code: errorCode(e), message })
  core.logger?.warn({ callSid: call.sid, err: e }, 'simulator: application error')
  try {
    if (call.status === 'ringing') markAnswered(core, call)
    const say = { verb: 'Say', text: APPLICATION_ERROR_TEXT, loop: 1 } as const
    await playPrompt(core, call, say, signal)
  } catch (err) {
    if (!isAborted(err)) throw err
  }
  endCall(core, call, 'completed')
}

/** Runs one document; returns the next one (action, Redirect) or undefined when it runs out. */
async function runVerbs(
  core: Core,
  call: SimCall,
  doc: Doc,
  signal: AbortSignal,
): Promise<DocSource | undefined> {
  for (const verb of doc.verbs) {
    if (call.status === 'ringing' && verb.verb !== 'Reject') markAnswered(core, call)
    switch (verb.verb) {
      case 'Say':
      case 'Play':
      case 'Pause':
        await playPrompt(core, call, verb, signal)
        break
      case 'Gather': {
        const next = await gather(core, call, verb, doc, signal)
        if (next) return next
        break
      }
      case 'Record': {
        const next = await record(core, call, verb, doc, signal)
        if (next) return next
        break
      }
      case 'Dial': {
        const next = await dial(core, call, verb, doc.url, signal)
        if (next) return next
        break
      }
      case 'Enqueue': {
        emit(core, { type: 'enqueue', callSid: call.sid, name: verb.name })
        const waitUrl = verb.waitUrl ? resolveUrl(verb.waitUrl, doc.url) : verb.waitUrl
        const params = { ...callParams(core, call), QueuePosition: '1', CurrentQueueSize: '1' }
        await loopMedia(core, call, { url: waitUrl, method: verb.waitMethod, params }, signal)
        break
      }
      case 'Redirect': {
        const url = resolveUrl(verb.url, doc.url)
        emit(core, { type: 'redirect', callSid: call.sid, url, method: verb.method })
        return { kind: 'fetch', url, method: verb.method }
      }
      case 'Hangup':
        return undefined
      case 'Reject':
        if (call.status === 'ringing') endCall(core, call, 'busy')
        return undefined
    }
    if (signal.aborted) throw new AbortedError('aborted')
  }
  return undefined
}

function actionUrl(action: string | undefined, doc: Doc, verb: string): string {
  const url = action ?? doc.url
  if (!url) throw new TwimlError(12200, `<${verb}> needs an action when the TwiML was inline`)
  return resolveUrl(url, doc.url)
}

/**
 * <Gather>: nested prompts play until the first key (barge-in); then keys are collected until
 * numDigits, finishOnKey or `timeout` seconds of silence. No input falls through to the next verb.
 */
async function gather(core: Core, call: SimCall, verb: GatherVerb, doc: Doc, signal: AbortSignal) {
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
async function record(core: Core, call: SimCall, verb: RecordVerb, doc: Doc, signal: AbortSignal) {
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
