import type { MediaRequest, MediaResponse } from '../recording-media.ts'
import type { Core } from './core.ts'
import { recordingWav } from './recording.ts'
import { notFound, type Reply } from './rest-resources.ts'

/** Recordings at the simulator's REST edge: DELETE, and the media URL (WAV only). */

export function deleteRecording(core: Core, m: RegExpMatchArray): Reply {
  const i = core.recordings.findIndex((r) => r.sid === m[1])
  if (i < 0) throw notFound(`Recording ${m[1]}`)
  core.recordings.splice(i, 1)
  return { status: 204, body: '' }
}

const MEDIA = /^\/2010-04-01\/Accounts\/([^/]+)\/Recordings\/(RE[0-9a-f]{32})\.(wav|mp3)$/

export function recordingMedia(core: Core, r: MediaRequest): Promise<MediaResponse> {
  const none = (statusCode: number): MediaResponse => ({
    statusCode,
    contentType: 'application/json',
    contentLength: null,
    contentRange: null,
    body: null,
  })
  if (r.username !== core.accountSid || r.password !== core.authToken) {
    return Promise.resolve(none(401))
  }
  const m = MEDIA.exec(new URL(r.uri).pathname)
  const rec =
    m && m[1] === core.accountSid ? core.recordings.find((x) => x.sid === m[2]) : undefined
  // Generated audio is WAV; the simulator has no MP3 of it to give.
  if (!m || !rec || m[3] !== 'wav') return Promise.resolve(none(404))
  const wav = recordingWav(rec.durationSec)
  const range = r.range ? byteRange(r.range, wav.length) : undefined
  if (range === null) {
    return Promise.resolve({ ...none(416), contentRange: `bytes */${wav.length}` })
  }
  const [start, end] = range ?? [0, wav.length - 1]
  const part = wav.subarray(start, end + 1)
  return Promise.resolve({
    statusCode: range ? 206 : 200,
    contentType: 'audio/wav',
    contentLength: String(part.length),
    contentRange: range ? `bytes ${start}-${end}/${wav.length}` : null,
    body: new Blob([part]).stream(),
  })
}

/** One `bytes=a-b` range within `size`; null when it cannot be satisfied. */
function byteRange(header: string, size: number): [number, number] | null | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header)
  if (!m || (m[1] === '' && m[2] === '')) return undefined
  let start: number
  let end: number
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]))
    end = size - 1
  } else {
    start = Number(m[1])
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  }
  return start > end || start >= size ? null : [start, end]
}
