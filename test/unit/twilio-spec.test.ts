import twilio from 'twilio'
import { afterEach, describe, expect, it } from 'vitest'

import { type CreateCallParams, createTwilioTelephony } from '../../src/telephony/telephony.ts'
import { createFakeTwilioEdge } from '../helpers/fake-twilio-edge.ts'
import { checkTwilioRequest, type TwilioRequest } from '../helpers/twilio-spec.ts'

const ACCOUNT = 'AC' + '0123456789abcdef'.repeat(2)
const CALL = 'CA' + 'fedcba9876543210'.repeat(2)
const API = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}`
const APP = 'https://shouwen.example'

const createCall = {
  method: 'post',
  uri: `${API}/Calls.json`,
  data: {
    To: '+15555550100',
    From: '+15555550199',
    Url: `${APP}/voice/answer`,
    Method: 'POST',
    StatusCallback: `${APP}/voice/status`,
    StatusCallbackMethod: 'POST',
    StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    Timeout: 20,
  },
}
const updateCall = (data: object) => ({ method: 'post', uri: `${API}/Calls/${CALL}.json`, data })

function problemsOf(request: TwilioRequest): string {
  const result = checkTwilioRequest(request)
  expect(result.ok).toBe(false)
  return result.ok ? '' : result.problems.join('\n')
}

describe('checkTwilioRequest', () => {
  it('passes a correct Calls create and decodes it as Twilio would', () => {
    const result = checkTwilioRequest(createCall)
    expect(result).toMatchObject({
      ok: true,
      operationId: 'CreateCall',
      pathTemplate: '/2010-04-01/Accounts/{AccountSid}/Calls.json',
      pathParams: { AccountSid: ACCOUNT },
      data: {
        To: '+15555550100',
        Timeout: '20',
        StatusCallbackEvent: createCall.data.StatusCallbackEvent,
      },
    })
  })

  it('keeps a one-element array parameter an array', () => {
    const result = checkTwilioRequest({
      ...createCall,
      data: { ...createCall.data, StatusCallbackEvent: ['completed'] },
    })
    expect(result.data.StatusCallbackEvent).toEqual(['completed'])
  })

  it('passes updates that redirect, cancel and hang up', () => {
    for (const data of [
      { Url: `${APP}/voice/next`, Method: 'POST' },
      { Status: 'canceled' },
      { Status: 'completed' },
    ]) {
      expect(checkTwilioRequest(updateCall(data))).toMatchObject({
        ok: true,
        operationId: 'UpdateCall',
        pathParams: { Sid: CALL },
      })
    }
  })

  it('rejects an unknown parameter name and suggests the real one', () => {
    const { StatusCallbackEvent, ...rest } = createCall.data
    const problems = problemsOf({
      ...createCall,
      data: { ...rest, StatusCallbackEvents: StatusCallbackEvent },
    })
    expect(problems).toContain(
      'body parameter "StatusCallbackEvents" is not in CreateCall; did you mean "StatusCallbackEvent"?',
    )
  })

  it('rejects a StatusCallbackEvent Twilio does not know, naming the allowed ones', () => {
    const problems = problemsOf({
      ...createCall,
      data: { ...createCall.data, StatusCallbackEvent: ['rang'] },
    })
    expect(problems).toContain(
      '"StatusCallbackEvent": "rang" is not allowed; allowed (per the spec\'s prose): ',
    )
    expect(problems).toContain('initiated, ringing, answered, completed')
  })

  it("rejects Status 'cancelled' on update: Twilio spells it 'canceled'", () => {
    expect(problemsOf(updateCall({ Status: 'cancelled' }))).toBe(
      'body parameter "Status": "cancelled" is not allowed; allowed: canceled, completed',
    )
  })

  it('rejects a Calls create without To', () => {
    const rest = Object.fromEntries(Object.entries(createCall.data).filter(([k]) => k !== 'To'))
    expect(problemsOf({ ...createCall, data: rest })).toBe(
      'required body parameter "To" is missing (CreateCall requires To, From)',
    )
  })

  it('rejects a malformed CallSid in the path', () => {
    const problems = problemsOf({
      ...updateCall({ Status: 'completed' }),
      uri: `${API}/Calls/CA123.json`,
    })
    expect(problems).toContain('path parameter "Sid": "CA123" does not match ^CA[0-9a-fA-F]{32}$')
  })

  it('rejects a method the path does not have', () => {
    expect(
      problemsOf({
        method: 'put',
        uri: `${API}/Calls/${CALL}.json`,
        data: { Status: 'completed' },
      }),
    ).toBe(
      'PUT is not an operation on /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json; allowed: GET, POST, DELETE',
    )
  })

  it('rejects a path that is not in the spec', () => {
    const problems = problemsOf({ ...createCall, uri: `${API}/Call.json` })
    expect(problems).toContain(
      `no path in Twilio's API description matches POST /2010-04-01/Accounts/${ACCOUNT}/Call.json`,
    )
  })

  it('rejects implausible types: integer, boolean, uri', () => {
    const problems = problemsOf({
      ...createCall,
      data: { ...createCall.data, Timeout: 'soon', Record: 'yes', Url: '/voice/answer' },
    })
    expect(problems).toContain('"Timeout": "soon" is not an integer')
    expect(problems).toContain('"Record": "yes" is not a boolean; allowed: true, false')
    expect(problems).toContain(
      '"Url": "/voice/answer" is not an absolute http(s) or ws(s) URL (format: uri)',
    )
  })

  it('rejects a host that is not Twilio and a body the client would not send', () => {
    expect(
      problemsOf({
        ...createCall,
        uri: `https://api.example.com/2010-04-01/Accounts/${ACCOUNT}/Calls.json`,
      }),
    ).toContain("is not Twilio's server https://api.twilio.com")
    expect(
      problemsOf({ ...createCall, headers: { 'Content-Type': 'application/json' } }),
    ).toContain('Content-Type is')
  })

  it('checks GET query parameters against the operation', () => {
    expect(
      checkTwilioRequest({
        method: 'get',
        uri: `${API}/Calls.json`,
        params: { PageSize: 20, Status: 'completed' },
      }),
    ).toMatchObject({
      ok: true,
      operationId: 'ListCall',
    })
    expect(
      problemsOf({
        method: 'get',
        uri: `${API}/Calls.json`,
        params: { PageSize: 'all', Colour: 'red' },
      }),
    ).toMatch(
      /query parameter "PageSize": "all" is not an integer\nquery parameter "Colour" is not in ListCall/,
    )
  })
})

describe('createFakeTwilioEdge', () => {
  const fake = createFakeTwilioEdge()
  const telephony = createTwilioTelephony({
    mode: 'live',
    accountSid: ACCOUNT,
    authToken: 'x'.repeat(32),
    httpClient: fake.httpClient,
  })
  const params: CreateCallParams = {
    to: '+15555550100',
    from: '+15555550199',
    url: `${APP}/voice/answer`,
    statusCallback: `${APP}/voice/status`,
    statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    timeoutSeconds: 25,
  }
  afterEach(() => fake.reset())

  it('takes the real telephony port through spec-valid requests', async () => {
    const { callSid } = await telephony.createCall(params)
    expect(callSid).toMatch(/^CA[0-9a-f]{32}$/)
    await telephony.redirectCall(callSid, `${APP}/voice/next`)
    await telephony.endCall(callSid, 'canceled')
    await telephony.endCall(callSid, 'completed')

    fake.assertAllValid()
    expect(fake.requests.map((r) => [r.method, r.operationId, r.pathParams.Sid, r.data])).toEqual([
      [
        'POST',
        'CreateCall',
        undefined,
        {
          To: params.to,
          From: params.from,
          Url: params.url,
          Method: 'POST',
          StatusCallback: params.statusCallback,
          StatusCallbackMethod: 'POST',
          StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
          Timeout: '25',
        },
      ],
      ['POST', 'UpdateCall', callSid, { Url: `${APP}/voice/next`, Method: 'POST' }],
      ['POST', 'UpdateCall', callSid, { Status: 'canceled' }],
      ['POST', 'UpdateCall', callSid, { Status: 'completed' }],
    ])
    expect(fake.requests.at(-1)?.answer).toMatchObject({
      statusCode: 200,
      body: { sid: callSid, status: 'completed', to: params.to },
    })
  })

  it('answers an invalid request with a Twilio-shaped 400 and reports it in assertAllValid', async () => {
    await expect(telephony.endCall('CA123', 'completed')).rejects.toMatchObject({
      status: 400,
      code: 20001,
      message: expect.stringContaining('path parameter "Sid": "CA123"') as unknown,
    })
    expect(() => fake.assertAllValid()).toThrow(
      /POST .*Calls\/CA123\.json \(UpdateCall\)\n {4}- path parameter "Sid"/,
    )
  })

  it('fails the next requests as told, then answers normally', async () => {
    fake.failNext(1, {
      statusCode: 503,
      body: { code: 20503, message: 'Service unavailable', status: 503 },
    })
    fake.failNext(1, 'timeout')
    await expect(telephony.endCall(CALL, 'completed')).rejects.toMatchObject({ status: 503 })
    await expect(telephony.endCall(CALL, 'completed')).rejects.toMatchObject({
      code: 'ECONNABORTED',
    })
    await expect(telephony.endCall(CALL, 'completed')).resolves.toBeUndefined()
    expect(fake.requests).toHaveLength(3)
    fake.assertAllValid()
  })

  it('lets a test answer requests itself', async () => {
    fake.respondWith((r) =>
      r.operationId === 'UpdateCall'
        ? {
            statusCode: 400,
            body: { code: 21220, message: 'Call is not in-progress', status: 400 },
          }
        : undefined,
    )
    await expect(telephony.redirectCall(CALL, `${APP}/voice/next`)).rejects.toMatchObject({
      code: 21220,
    })
    await expect(
      telephony.createCall({ ...params, statusCallbackEvent: ['completed'] }),
    ).resolves.toMatchObject({ callSid: expect.stringMatching(/^CA/) as unknown })
    fake.assertAllValid()
  })

  it('answers messages, participants, conferences and lists with realistic resources', async () => {
    const client = twilio(ACCOUNT, 'x'.repeat(32), { httpClient: fake.httpClient as never })
    const message = await client.messages.create({ to: params.to, from: params.from, body: 'hi' })
    expect(message).toMatchObject({
      sid: expect.stringMatching(/^SM/) as unknown,
      status: 'queued',
    })
    const room = client.conferences('room-1')
    const participant = await room.participants.create({ to: params.to, from: params.from })
    expect(participant.conferenceSid).toMatch(/^CF[0-9a-f]{32}$/)
    const conference = client.conferences(participant.conferenceSid)
    await expect(conference.update({ status: 'completed' })).resolves.toMatchObject({
      sid: participant.conferenceSid,
      status: 'completed',
    })
    await expect(conference.participants(participant.callSid).remove()).resolves.toBe(true)
    await expect(client.calls.list({ status: 'in-progress' })).resolves.toEqual([])
    expect(fake.requests.map((r) => r.operationId)).toEqual([
      'CreateMessage',
      'CreateParticipant',
      'UpdateConference',
      'DeleteParticipant',
      'ListCall',
    ])
    fake.assertAllValid()
  })
})
