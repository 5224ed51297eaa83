import { pino } from 'pino'

export type Logger = pino.Logger

/**
 * Phone numbers, tokens and the Twilio signature never reach a log line. Webhook bodies carry
 * numbers under several names, so each is listed; the request serializer drops bodies anyway.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-twilio-signature"]',
  'headers["x-twilio-signature"]',
  'authToken',
  'password',
  'token',
  'from',
  'to',
  'phoneNumber',
  '*.From',
  '*.To',
  '*.Caller',
  '*.Called',
  '*.phoneNumber',
  '*.from',
  '*.to',
  '*.password',
  '*.token',
  '*.authToken',
]

export function createLogger(opts: {
  level: string
  destination?: pino.DestinationStream
}): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'shouwen' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    opts.destination,
  )
}

/** Keeps the last 4 digits so two callers can be told apart in logs without exposing them. */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return ''
  return phone.length <= 4 ? '****' : `***${phone.slice(-4)}`
}
