import { endCall, markAnswered } from './calls.ts'
import {
  ABORTED,
  type ChildController,
  childController,
  type Core,
  emit,
  isAborted,
  isLive,
  track,
} from './core.ts'
import { dial } from './dial.ts'
import { type Doc, gather, record } from './input-verbs.ts'
import { loopMedia, playPrompt } from './media.ts'
import { type HttpMethod, parseTwiml, type Verb } from './twiml.ts'
import type { SimCall } from './types.ts'
import { callParams, errorCode, fetchTwiml, resolveUrl } from './webhooks.ts'

/** Where a call's next TwiML comes from. */
export type DocSource =
  | { kind: 'fetch'; url: string; method: HttpMethod; params?: Record<string, string> }
  | { kind: 'twiml'; twiml: string }
  | { kind: 'verbs'; verbs: Verb[] }

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

async function runLoop(core: Core, call: SimCall, source: DocSource, run: ChildController) {
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
    run.release()
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
    if (signal.aborted) throw ABORTED
  }
  return undefined
}
