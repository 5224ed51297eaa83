import type { SimEvent } from './types.ts'

/** How the terminal shows simulator events: one readable line per event, or none. */

export interface ViewContext {
  /** "caller", "agent 1001", ... for a call we know; undefined for someone else's call. */
  labelOf(callSid: string): string | undefined
  verbose: boolean
  /** Devices that answer by themselves (auto, autodept): nothing for the user to type. */
  answersItself?(address: string): boolean
}

export function shortSid(sid: string): string {
  return `${sid.slice(0, 2)}…${sid.slice(-4)}`
}

export function formatEvent(e: SimEvent, ctx: ViewContext): string | undefined {
  if (e.type === 'sms') return `[sms] ✉  to ${e.to}: "${e.body}"`
  const label = ctx.labelOf(e.callSid)
  const who = label ? `[${label} ${shortSid(e.callSid)}]` : `[call ${shortSid(e.callSid)}]`
  const line = describe(e, ctx)
  return line === undefined ? undefined : `${who} ${line}`
}

function describe(e: Exclude<SimEvent, { type: 'sms' }>, ctx: ViewContext): string | undefined {
  const { verbose } = ctx
  switch (e.type) {
    case 'incoming':
      return ctx.answersItself?.(e.address)
        ? `☎  incoming call from ${e.from} — answering by itself`
        : `☎  incoming call from ${e.from} — type: answer (or reject)`
    case 'ringing':
      return `🔔 ringing ${e.to} (${e.direction})`
    case 'answered':
      return '✅ answered'
    case 'say':
      return `🔊 "${e.text}"${e.language ? ` (${e.language})` : ''}`
    case 'play':
      return `🎵 playing ${e.url.split('/').pop() ?? e.url}`
    case 'pause':
      return verbose ? `⏸  pause ${e.lengthSec}s` : undefined
    case 'gather': {
      const how = e.numDigits ? `${e.numDigits} key${e.numDigits > 1 ? 's' : ''}` : 'keys then #'
      return `⌨  waiting for ${how} (${e.timeoutSec}s) — type: press <keys>`
    }
    case 'gather-end':
      return e.timedOut && !e.digits ? '⌛ no keys pressed' : undefined
    case 'record':
      return `⏺  recording (up to ${e.maxLengthSec}s) — type: say <words>, then press ${e.finishOnKey.includes('#') ? '#' : (e.finishOnKey[0] ?? '')}`
    case 'record-end':
      return `⏹  recorded ${e.durationSec}s: "${e.transcript}"`
    case 'dtmf':
      return `👆 pressed ${e.digits}`
    case 'speech':
      return `🗣  "${e.text}"`
    case 'dial':
      return e.conference
        ? `📞 joining conference ${e.conference}`
        : `📞 dialing ${e.to.join(', ')}`
    case 'dial-end':
      return `📞 dial ended: ${e.dialCallStatus}`
    case 'conference-join':
      return `👥 in conference ${e.name}${e.label ? ` as ${e.label}` : ''}`
    case 'conference-leave':
      return `👋 left conference ${e.name} (${e.reason})`
    case 'conference-hold':
      return e.hold ? '⏸  put on hold' : '▶  taken off hold'
    case 'conference-start':
      return `🎙  conference ${e.name} started: caller and agent can talk`
    case 'conference-end':
      return `🏁 conference ${e.name} ended (${e.reason})`
    case 'enqueue':
      return `⏳ queued in ${e.name}`
    case 'redirect':
      return verbose ? `↪  redirected to ${e.url}` : undefined
    case 'webhook':
      return verbose ? `🌐 ${e.method} ${e.url} → ${e.status ?? 'no answer'}` : undefined
    case 'status':
      return verbose ? `· status ${e.status}` : undefined
    case 'error':
      return `⚠  application error ${e.code}: ${e.message}`
    case 'ended':
      return `⏹  call ended (${e.status}, ${e.durationSec}s)`
  }
}
