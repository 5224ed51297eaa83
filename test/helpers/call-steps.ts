import type { RecordedRequest } from './fake-twilio-edge.ts'
import type { Harness } from './harness.ts'
import { callSid, pathOf, ZH_HOTLINE } from './harness.ts'
import type { TwimlNode } from './twiml.ts'
import { find, parseTwiml } from './twiml.ts'

/** The steps of a call as Twilio would drive them, for tests that need to get somewhere fast. */

export async function callIn(
  h: Harness,
  o: { from?: string; to?: string; sid?: string } = {},
): Promise<{ sid: string; menu: TwimlNode; action: string }> {
  const sid = o.sid ?? callSid()
  const res = await h.twilioPost('/voice/incoming', {
    CallSid: sid,
    From: o.from ?? '+8613500000001',
    To: o.to ?? ZH_HOTLINE,
  })
  const menu = parseTwiml(res.text)
  return { sid, menu, action: pathOf(find(menu, 'Gather')?.attrs['action'] ?? '') }
}

/** Calls in and presses `key` at the first menu; returns the caller's CallSid. */
export async function queuedCall(h: Harness, key = '1', from?: string): Promise<string> {
  const { sid, action } = await callIn(h, from ? { from } : {})
  await h.twilioPost(action, { CallSid: sid, Digits: key })
  return sid
}

export function createdCalls(h: Harness): RecordedRequest[] {
  return h.edge.requests.filter((r) => r.operationId === 'CreateCall')
}

/** The CallSid the fake Twilio gave the leg it created. */
export function legSidOf(create: RecordedRequest | undefined): string {
  return String((create?.answer as { body: { sid: string } } | undefined)?.body.sid)
}

/** The agent picks up (hears the whisper) and presses `digits`; returns what they hear next. */
export async function answerAndPress(
  h: Harness,
  create: RecordedRequest | undefined,
  digits = '1',
): Promise<TwimlNode> {
  const legSid = legSidOf(create)
  const whisper = parseTwiml(
    (await h.twilioPost(pathOf(String(create?.data['Url'])), { CallSid: legSid })).text,
  )
  const action = pathOf(find(whisper, 'Gather')?.attrs['action'] ?? '')
  return parseTwiml((await h.twilioPost(action, { CallSid: legSid, Digits: digits })).text)
}

/** A status callback for an agent leg, as Twilio posts it. */
export function legStatus(
  h: Harness,
  create: RecordedRequest | undefined,
  status: string,
  sequenceNumber: number,
  extra: Record<string, string> = {},
) {
  return h.twilioPost(pathOf(String(create?.data['StatusCallback'])), {
    CallSid: legSidOf(create),
    CallStatus: status,
    SequenceNumber: String(sequenceNumber),
    ...extra,
  })
}
