import { Readable } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'

import { Router } from 'express'
import { z } from 'zod'

import type { Db } from '../db/database.ts'
import { recordingAudio } from '../recordings/case-recordings.ts'
import type { Telephony } from '../telephony/telephony.ts'
import { currentAgent } from './auth.middleware.ts'

const params = z.object({
  reference: z
    .string()
    .regex(/^[A-Z]{2,6}-\d{8}-\d{4,}$/, 'not a case reference like HL-20261123-0042'),
  id: z.string().regex(/^[1-9][0-9]{0,17}$/, 'not a recording id'),
})
// One range, as <audio> asks for it; anything else is ignored and the whole file is sent.
const SIMPLE_RANGE = /^bytes=\d*-\d*$/

/**
 * A case recording's audio, for the console's <audio> player: streamed from Twilio with the
 * account's credentials, so the browser never sees Twilio's URL or a credential.
 */
export function createRecordingsRouter(deps: { db: Db; telephony: Telephony }): Router {
  const router = Router()
  router.get('/cases/:reference/recordings/:id/audio', async (req, res) => {
    const p = params.parse(req.params)
    const asked = req.header('range')
    const range = asked && SIMPLE_RANGE.test(asked) ? asked : undefined
    const media = await recordingAudio(deps, currentAgent(req), p.reference, p.id, {
      ...(range ? { range } : {}),
    })
    res.status(media.statusCode === 206 ? 206 : 200)
    // Only the headers the player needs: nothing of Twilio's (its storage URL, request ids).
    res.type(media.contentType?.startsWith('audio/') ? media.contentType : 'audio/mpeg')
    if (media.contentLength) res.setHeader('Content-Length', media.contentLength)
    if (media.contentRange) res.setHeader('Content-Range', media.contentRange)
    res.setHeader('Accept-Ranges', 'bytes')
    // A recording is personal data: no shared cache keeps it.
    res.setHeader('Cache-Control', 'private, no-store')
    if (!media.body) {
      res.end()
      return
    }
    const body = Readable.fromWeb(media.body as NodeReadableStream)
    // A listener who closes the page stops the download from Twilio too.
    res.on('close', () => body.destroy())
    body.on('error', (err) => {
      req.log?.warn({ err }, 'recording stream from Twilio failed')
      res.destroy(err)
    })
    body.pipe(res)
  })
  return router
}
