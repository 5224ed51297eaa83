import twilio from 'twilio'

import { softphoneRefusalText } from '../domain/softphone-call.ts'
import type { OutgoingCallOutcome } from '../softphone/outgoing-call.ts'
import type { VoicePaths } from './paths.ts'
import { sayAndHangUp } from './twiml.ts'

const { VoiceResponse } = twilio.twiml
type DialAttributes = Parameters<InstanceType<typeof VoiceResponse>['dial']>[0] & object

// As long as a return call rings a caller (callbacks), so an unanswered call ends the same way.
const SOFTPHONE_RING_SECONDS = 30

/**
 * The TwiML App's answer to a call from the console: dial the case's number from its hotline,
 * or say why not and hang up. `extra` is for more <Dial> attributes (recording) without
 * touching the rest.
 */
export function renderSoftphoneCall(
  paths: VoicePaths,
  o: OutgoingCallOutcome,
  extra: Partial<DialAttributes> = {},
): string {
  if (o.kind === 'refused')
    return sayAndHangUp(o.language, softphoneRefusalText(o.language, o.reason))
  return renderSoftphoneDial(paths, o, extra)
}

/** `<Dial callerId=hotline action=softphoneStatus>number</Dial>`: the call the agent placed. */
export function renderSoftphoneDial(
  paths: VoicePaths,
  d: { number: string; callerId: string },
  extra: Partial<DialAttributes> = {},
): string {
  const r = new VoiceResponse()
  r.dial({
    callerId: d.callerId,
    // The browser hears the caller's ringing, and the call counts as answered when they do.
    answerOnBridge: true,
    timeout: SOFTPHONE_RING_SECONDS,
    action: paths.softphoneStatus,
    method: 'POST',
    ...extra,
  }).number(d.number)
  return r.toString()
}
