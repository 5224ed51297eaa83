import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { describe, expect, it } from 'vitest'

import {
  conferenceRecordingAttributes,
  nextRecordingStatus,
  RECORDING_STATUSES,
  recordingAttributes,
} from '../../src/domain/recording.ts'
import { fetchMedia } from '../../src/telephony/recording-media.ts'

const CALLBACK = 'https://hotline.example.test/voice/recording-status'

describe('recording rules', () => {
  it('moves a status only forward: in-progress gives way, a final status never does', () => {
    for (const s of RECORDING_STATUSES) {
      expect(nextRecordingStatus('in-progress', s)).toBe(s)
    }
    for (const final of ['completed', 'absent', 'failed'] as const) {
      for (const s of RECORDING_STATUSES) expect(nextRecordingStatus(final, s)).toBe(final)
    }
  })

  it('gives a <Dial> and a <Conference> their record attributes only when the hotline records', () => {
    expect(recordingAttributes({ recording: 'off' }, CALLBACK)).toEqual({})
    expect(recordingAttributes(undefined, CALLBACK)).toEqual({})
    for (const recording of ['notice', 'silent'] as const) {
      expect(recordingAttributes({ recording }, CALLBACK)).toEqual({
        record: 'record-from-answer',
        recordingStatusCallback: CALLBACK,
        recordingStatusCallbackMethod: 'POST',
        recordingStatusCallbackEvent: ['completed', 'absent'],
      })
      expect(conferenceRecordingAttributes(recording, CALLBACK)).toMatchObject({
        record: 'record-from-start',
        recordingStatusCallback: CALLBACK,
      })
    }
    expect(conferenceRecordingAttributes('off', CALLBACK)).toEqual({})
  })
})

describe('the media edge to Twilio', () => {
  it('sends basic auth and the Range, and streams the body past the answer timeout', async () => {
    let seen: { auth?: string; range?: string } = {}
    const server = createServer((req, res) => {
      seen = { auth: req.headers.authorization, range: req.headers.range }
      res.writeHead(206, {
        'content-type': 'audio/mpeg',
        'content-range': 'bytes 0-3/10',
        'content-length': '4',
      })
      res.write('ab')
      // The rest comes after the answer timeout: the stream must not be cut.
      setTimeout(() => res.end('cd'), 800)
    })
    server.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    try {
      const port = (server.address() as AddressInfo).port
      const res = await fetchMedia({
        uri: `http://127.0.0.1:${port}/2010-04-01/Accounts/AC1/Recordings/RE1.mp3`,
        username: 'AC1',
        password: 'secret',
        range: 'bytes=0-3',
        timeoutMs: 500,
      })
      expect(seen).toEqual({
        auth: `Basic ${Buffer.from('AC1:secret').toString('base64')}`,
        range: 'bytes=0-3',
      })
      expect(res).toMatchObject({
        statusCode: 206,
        contentType: 'audio/mpeg',
        contentRange: 'bytes 0-3/10',
        contentLength: '4',
      })
      expect(await new Response(res.body).text()).toBe('abcd')
    } finally {
      server.close()
    }
  })
})
