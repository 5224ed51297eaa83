/**
 * Call recording rules, pure. A hotline records its calls or not (`off`); when it does, the
 * greeting says so (`notice`) or not (`silent`, where a law or a sign already tells callers).
 */

export const RECORDING_MODES = ['off', 'notice', 'silent'] as const
export type RecordingMode = (typeof RECORDING_MODES)[number]

export function isRecording(mode: RecordingMode): boolean {
  return mode !== 'off'
}

/** Twilio's RecordingStatus values we keep; anything else is not a recording's state. */
export const RECORDING_STATUSES = ['in-progress', 'completed', 'absent', 'failed'] as const
export type RecordingStatus = (typeof RECORDING_STATUSES)[number]

// Twilio retries and reorders callbacks: a recording only moves forward. `in-progress` is the
// only state that can still change; the three final ones never give way to each other.
const RANK: Record<RecordingStatus, number> = {
  'in-progress': 0,
  completed: 1,
  absent: 1,
  failed: 1,
}

/** The status a row should hold after `incoming` arrives on top of `current`. */
export function nextRecordingStatus(
  current: RecordingStatus,
  incoming: RecordingStatus,
): RecordingStatus {
  return RANK[incoming] > RANK[current] ? incoming : current
}

/** The recording attributes of a <Dial> (a softphone's outgoing call), none when off. */
export function recordingAttributes(
  hotline: { recording: RecordingMode } | undefined,
  statusCallbackUrl: string,
): {
  record?: 'record-from-answer'
  recordingStatusCallback?: string
  recordingStatusCallbackMethod?: 'POST'
  recordingStatusCallbackEvent?: ('in-progress' | 'completed' | 'absent')[]
} {
  if (!hotline || !isRecording(hotline.recording)) return {}
  return {
    record: 'record-from-answer',
    recordingStatusCallback: statusCallbackUrl,
    recordingStatusCallbackMethod: 'POST',
    recordingStatusCallbackEvent: ['completed', 'absent'],
  }
}

/** The recording attributes of a case's <Conference>, none when off. */
export function conferenceRecordingAttributes(
  mode: RecordingMode,
  statusCallbackUrl: string,
): {
  record?: 'record-from-start'
  recordingStatusCallback?: string
  recordingStatusCallbackMethod?: 'POST'
  recordingStatusCallbackEvent?: ('in-progress' | 'completed' | 'absent')[]
} {
  if (!isRecording(mode)) return {}
  return {
    record: 'record-from-start',
    recordingStatusCallback: statusCallbackUrl,
    recordingStatusCallbackMethod: 'POST',
    recordingStatusCallbackEvent: ['completed', 'absent'],
  }
}
