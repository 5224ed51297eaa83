import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { ZodError } from 'zod'

import type { Language } from '../domain/language.ts'
import { isLanguage } from '../domain/language.ts'
import { prompts } from '../domain/prompts.ts'
import { coerceError, NotFoundError } from '../errors.ts'
import { bodyRefusal } from '../http/body-guards.ts'
import type { Logger } from '../logger.ts'
import { emptyResponse, sayAndHangUp } from './twiml.ts'

/**
 * The one error mapping for webhooks. Twilio must always get valid TwiML: on bad input or a
 * failure the caller hears a polite apology instead of Twilio's "application error". Status
 * callbacks need no TwiML; a malformed one gets a 400 naming the problem.
 *
 * A signed webhook naming an offer, transfer or call we do not know (deleted, or from a database
 * restored to before it) is not our failure: a warning, and `unknown`'s answer, or the apology.
 */
export function twimlRoute(
  logger: Logger,
  defaultLanguage: Language,
  handler: (req: Request) => string | Promise<string>,
  unknown?: (lang: Language) => string,
): RequestHandler {
  return async (req: Request, res: Response) => {
    try {
      sendTwiml(res, await handler(req))
    } catch (e) {
      const err = coerceError(e)
      const lang = languageOf(req) ?? defaultLanguage
      const log = req.log ?? logger
      if (e instanceof NotFoundError) {
        log.warn({ problem: e.message }, 'webhook names an unknown record; answered politely')
        sendTwiml(res, unknown ? unknown(lang) : sayAndHangUp(lang, prompts(lang).technicalProblem))
        return
      }
      if (e instanceof ZodError)
        log.warn({ problems: e.issues.map(describe) }, 'malformed twilio parameters')
      else log.error({ err }, 'webhook failed; answered with fallback twiml')
      res.setHeader(
        'X-Shouwen-Error',
        e instanceof ZodError ? 'malformed parameters' : 'internal error',
      )
      sendTwiml(res, sayAndHangUp(lang, prompts(lang).technicalProblem))
    }
  }
}

export function callbackRoute(
  logger: Logger,
  handler: (req: Request) => Promise<void>,
): RequestHandler {
  return async (req: Request, res: Response) => {
    try {
      await handler(req)
      sendTwiml(res, emptyResponse())
    } catch (e) {
      const log = req.log ?? logger
      if (e instanceof ZodError) {
        const problems = e.issues.map(describe)
        log.warn({ problems }, 'malformed twilio callback')
        res
          .status(400)
          .type('text/xml')
          .send(
            `<?xml version="1.0" encoding="UTF-8"?><!-- ${problems.join('; ').replaceAll('--', '-')} --><Response/>`,
          )
        return
      }
      // About something we do not know: a retry would not change that, so Twilio need not retry.
      if (e instanceof NotFoundError) {
        log.warn({ problem: e.message }, 'status callback names an unknown record; ignored')
        sendTwiml(res, emptyResponse())
        return
      }
      // Nothing was half-applied (each callback is one transaction); the dispatcher's sweep and
      // the stale-offer rules settle what a lost callback would have moved.
      log.error({ err: coerceError(e) }, 'status callback failed')
      sendTwiml(res, emptyResponse(), 500)
    }
  }
}

/**
 * TwiML as it is: express's send() would also hash every answer for an ETag and look up the
 * charset, for a client (Twilio) that never asks whether its copy is fresh. Node's end() sets
 * Content-Length from the whole body.
 */
export function sendTwiml(res: Response, xml: string, status = 200): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'text/xml; charset=utf-8')
  res.end(xml)
}

function describe(i: { path: PropertyKey[]; message: string }): string {
  return `${i.path.map(String).join('.')}: ${i.message}`
}

function languageOf(req: Request): Language | undefined {
  const lang: unknown = req.query['lang']
  return isLanguage(lang) ? lang : undefined
}

/**
 * The voice surface's last word: an unknown path or a body that could not be parsed still gets
 * TwiML, so a caller hears an apology rather than Twilio's "application error".
 */
export function voiceFallback(logger: Logger, defaultLanguage: Language) {
  const notFound: RequestHandler = (req, res) => {
    ;(req.log ?? logger).warn({ path: req.path }, 'unknown voice webhook')
    res
      .status(404)
      .type('text/xml')
      .send(sayAndHangUp(defaultLanguage, prompts(defaultLanguage).technicalProblem))
  }
  const onError = (e: unknown, req: Request, res: Response, _next: NextFunction): void => {
    // A body the parser refused is the sender's mistake: a warning naming it, no stack.
    const refused = bodyRefusal(e)
    const log = req.log ?? logger
    if (refused)
      log.warn({ status: refused.status, type: refused.type }, 'voice webhook body refused')
    else log.error({ err: coerceError(e) }, 'voice webhook failed before routing')
    res
      .status(refused?.status ?? 500)
      .type('text/xml')
      .send(sayAndHangUp(defaultLanguage, prompts(defaultLanguage).technicalProblem))
  }
  return { notFound, onError }
}
