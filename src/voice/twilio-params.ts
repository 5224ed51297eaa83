import { z } from 'zod'

import { CALL_STATUSES } from '../domain/call-status.ts'
import { RECORDING_STATUSES } from '../domain/recording.ts'

/** Twilio's POST parameters, checked at the edge and turned into camelCase domain input. */

const callSid = z
  .string()
  .regex(/^CA[0-9a-fA-F]{32}$/, 'CallSid must be CA followed by 32 hex digits')
const optionalText = z
  .string()
  .max(200)
  .optional()
  .transform((v) => (v === undefined || v === '' ? null : v))
// Numbers as Twilio sends them: E.164, a client identity, or a withheld-number marker.
const address = z.string().min(1).max(140)

export const incomingParams = z
  .object({
    CallSid: callSid,
    From: address,
    To: address,
    CallerName: optionalText,
    FromCity: optionalText,
    FromState: optionalText,
    FromCountry: optionalText,
  })
  .transform((p) => ({
    callSid: p.CallSid,
    from: p.From,
    to: p.To,
    callerName: p.CallerName,
    fromCity: p.FromCity,
    fromState: p.FromState,
    fromCountry: p.FromCountry,
  }))

export const digitsParams = z.object({
  CallSid: callSid,
  Digits: z
    .string()
    // "hangup" is what Twilio sends to a Record action when the caller hung up mid-message.
    .regex(/^([0-9*#]{0,32}|hangup)$/, 'Digits must be keypad keys')
    .optional(),
})

export const menuQuery = z.object({
  step: z.enum(['open_case', 'category']),
  lang: z.enum(['zh-CN', 'en-US'], 'lang must be zh-CN or en-US'),
  s: z.coerce.number().int().min(0).max(10),
  i: z.coerce.number().int().min(0).max(10),
})

export const langQuery = z.object({
  lang: z.enum(['zh-CN', 'en-US'], 'lang must be zh-CN or en-US'),
})

export const offerQuery = z.object({ offer: z.string().uuid('offer must be a UUID') })

export const statusParams = z
  .object({
    CallSid: callSid,
    CallStatus: z.enum(CALL_STATUSES),
    SequenceNumber: z.coerce.number().int().min(0).optional(),
    CallDuration: z.coerce.number().int().min(0).optional(),
  })
  .transform((p) => ({
    callSid: p.CallSid,
    status: p.CallStatus,
    // A number's own status callback carries no SequenceNumber; one terminal event per call.
    sequenceNumber: p.SequenceNumber ?? 0,
    durationSeconds: p.CallDuration ?? null,
  }))

export const conferenceParams = z.object({
  ConferenceSid: z
    .string()
    .regex(/^CF[0-9a-fA-F]{32}$/, 'ConferenceSid must be CF followed by 32 hex digits'),
  FriendlyName: z.string().min(1).max(128),
  StatusCallbackEvent: z.string().min(1).max(40),
  SequenceNumber: z.coerce.number().int().min(0),
  CallSid: callSid.optional(),
})

export const recordingParams = z.object({
  CallSid: callSid,
  RecordingSid: z
    .string()
    .regex(/^RE[0-9a-fA-F]{32}$/, 'RecordingSid must be RE followed by 32 hex digits'),
  RecordingUrl: z.string().url(),
  RecordingDuration: z.coerce.number().int().min(0).optional(),
  RecordingStatus: z.string().optional(),
})

/** The recordingStatusCallback of a recorded conference or call (not the voicemail's <Record>). */
export const callRecordingParams = z
  .object({
    RecordingSid: z
      .string()
      .regex(/^RE[0-9a-fA-F]{32}$/, 'RecordingSid must be RE followed by 32 hex digits'),
    RecordingStatus: z.enum(RECORDING_STATUSES, {
      error: 'RecordingStatus must be in-progress, completed, absent or failed',
    }),
    CallSid: callSid.optional(),
    ConferenceSid: z
      .string()
      .regex(/^CF[0-9a-fA-F]{32}$/, 'ConferenceSid must be CF followed by 32 hex digits')
      .optional(),
    RecordingDuration: z.coerce.number().int().min(0).optional(),
    // RFC 2822, as Twilio writes dates ("Mon, 23 Nov 2026 02:00:00 +0000").
    RecordingStartTime: z
      .string()
      .max(64)
      .optional()
      .transform((v) => {
        const d = v ? new Date(v) : null
        return d && Number.isFinite(d.getTime()) ? d : null
      }),
  })
  .refine((p) => p.CallSid || p.ConferenceSid, {
    message: 'a recording callback names its CallSid or ConferenceSid',
    path: ['CallSid'],
  })
  .transform((p) => ({
    recordingSid: p.RecordingSid,
    status: p.RecordingStatus,
    callSid: p.CallSid ?? null,
    conferenceSid: p.ConferenceSid ?? null,
    durationSeconds: p.RecordingDuration ?? null,
    startedAt: p.RecordingStartTime,
  }))

export const voicemailDoneQuery = z.object({
  recorded: z.enum(['0', '1']).transform((v) => v === '1'),
})
export const voicemailQuery = z.object({ call: callSid })
export const releasedQuery = z.object({
  offer: z.string().uuid(),
  reason: z.enum(['taken', 'gone']),
})
