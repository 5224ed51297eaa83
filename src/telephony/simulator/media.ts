import { type Core, emit, isAborted, sleep, untilAborted } from './core.ts'
import type { HttpMethod, Prompt } from './twiml.ts'
import type { SimCall } from './types.ts'
import { errorCode, fetchTwiml, resolveUrl } from './webhooks.ts'

/** What callers hear: Say/Play/Pause take time, and wait or hold music loops. */

/** Twilio plays this kind of music when a conference or queue has no waitUrl of its own. */
export const DEFAULT_WAIT_MUSIC = 'https://twimlets.com/holdmusic?Bucket=com.twilio.music.classical'

export async function playPrompt(
  core: Core,
  call: SimCall,
  prompt: Prompt,
  signal: AbortSignal,
): Promise<void> {
  if (prompt.verb === 'Pause') {
    emit(core, { type: 'pause', callSid: call.sid, lengthSec: prompt.lengthSec })
    return sleep(prompt.lengthSec * core.timings.secondMs, signal)
  }
  for (let i = 0; i < prompt.loop; i++) {
    if (prompt.verb === 'Say') {
      const { text, language, voice } = prompt
      emit(core, { type: 'say', callSid: call.sid, text, language, voice })
      await sleep(text.length * core.timings.sayMsPerChar, signal)
    } else {
      emit(core, { type: 'play', callSid: call.sid, url: prompt.url })
      await sleep(core.timings.playMs, signal)
    }
  }
}

/** Waits until `signal` aborts; the way a silent participant "waits". */
export function forever(signal: AbortSignal): Promise<never> {
  return untilAborted(new Promise<never>(() => {}), signal)
}

/**
 * Loops wait or hold TwiML (Say, Play, Pause, Redirect) until `signal` aborts, re-fetching the
 * document each round as Twilio does. `url` undefined plays default music; `''` is silence.
 */
export async function loopMedia(
  core: Core,
  call: SimCall,
  source: { url: string | undefined; method: HttpMethod; params: Record<string, string> },
  signal: AbortSignal,
): Promise<never> {
  let { url, method } = source
  if (url === '') return forever(signal)
  for (;;) {
    const startedAt = Date.now()
    if (url === undefined) {
      await playPrompt(core, call, { verb: 'Play', url: DEFAULT_WAIT_MUSIC, loop: 1 }, signal)
    } else {
      try {
        const verbs = await fetchTwiml(core, call, { url, method, params: source.params }, signal)
        for (const verb of verbs) {
          if (verb.verb === 'Say' || verb.verb === 'Play' || verb.verb === 'Pause') {
            await playPrompt(core, call, verb, signal)
          } else if (verb.verb === 'Redirect') {
            url = resolveUrl(verb.url, url)
            method = verb.method
            break
          } else {
            const message = `<${verb.verb}> is not allowed in wait or hold TwiML; ignored`
            emit(core, { type: 'error', callSid: call.sid, code: 12200, message })
          }
        }
      } catch (e) {
        if (isAborted(e)) throw e
        const message = e instanceof Error ? e.message : String(e)
        emit(core, { type: 'error', callSid: call.sid, code: errorCode(e), message })
        return forever(signal)
      }
    }
    // An empty or instant document must not turn into a tight fetch loop.
    const elapsed = Date.now() - startedAt
    if (elapsed < core.timings.secondMs) await sleep(core.timings.secondMs - elapsed, signal)
  }
}
