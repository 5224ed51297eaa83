/**
 * A recording's audio, fetched from Twilio's media URL. The official client only speaks JSON,
 * so media goes through its own small edge: a basic-auth GET that hands the body on as a stream
 * (recordings can be long; nothing is held in memory). The simulator and the tests' fake Twilio
 * provide their own edge in its place, as they do for the client's requests.
 */

export interface MediaRequest {
  uri: string
  username: string
  password: string
  /** The browser's Range header, passed through so <audio> can seek. */
  range?: string
  timeoutMs: number
}

export interface MediaResponse {
  statusCode: number
  contentType: string | null
  contentLength: string | null
  contentRange: string | null
  body: ReadableStream<Uint8Array> | null
}

export type MediaFetch = (r: MediaRequest) => Promise<MediaResponse>

/** The media format Twilio serves a recording in: `.mp3` is smaller, `.wav` the original. */
export type MediaFormat = 'mp3' | 'wav'

export const MEDIA_TYPES: Record<MediaFormat, string> = {
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
}

export function recordingMediaUri(
  accountSid: string,
  recordingSid: string,
  format: MediaFormat,
): string {
  return `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${recordingSid}.${format}`
}

/** The real edge: Node's fetch to api.twilio.com. */
export const fetchMedia: MediaFetch = async (r) => {
  const auth = Buffer.from(`${r.username}:${r.password}`).toString('base64')
  // The timeout is for Twilio to start answering; the body then streams for as long as the
  // listener listens (a timeout on the whole fetch would cut a long recording short).
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(new Error('Twilio media timed out')), r.timeoutMs)
  let res: Response
  try {
    res = await fetch(r.uri, {
      headers: { Authorization: `Basic ${auth}`, ...(r.range ? { Range: r.range } : {}) },
      // Twilio may answer the media URL with a redirect to its storage; fetch does not forward
      // the credentials to another origin, which is what the storage expects.
      redirect: 'follow',
      signal: abort.signal,
    })
  } finally {
    clearTimeout(timer)
  }
  return {
    statusCode: res.status,
    contentType: res.headers.get('content-type'),
    contentLength: res.headers.get('content-length'),
    contentRange: res.headers.get('content-range'),
    body: res.body,
  }
}
