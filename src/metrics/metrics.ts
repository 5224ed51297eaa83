import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client'

/**
 * The service's Prometheus instruments, on a registry of their own: one per context, so several
 * contexts in one process (tests, the bench) never share or clash. Label values are route
 * patterns, resource names, steps and outcomes, never numbers, SIDs or case references: they
 * stay few (cardinality) and say nothing about a caller (privacy).
 */
export interface Metrics {
  readonly registry: Registry
  /** Webhook latency by express route pattern and status class (2xx, 4xx, ...). */
  readonly webhookDuration: Histogram<'route' | 'status_class'>
  /** Twilio REST latency by resource (Calls, Conferences/Participants, Messages). */
  readonly twilioDuration: Histogram<'endpoint' | 'method' | 'status_class'>
  /** Twilio REST errors by resource and Twilio's error code (or the HTTP status, or timeout). */
  readonly twilioErrors: Counter<'endpoint' | 'code'>
  /** Seconds a caller waited in the queue, observed when an agent takes the call. */
  readonly queueWait: Histogram<'priority'>
  /** How late a return call was dialled against its due time. */
  readonly callbackLateness: Histogram<'purpose'>
  /** How each return-call attempt ended. */
  readonly callbackOutcomes: Counter<'outcome'>
  /** Clocks warned at 80 % of their limit / breached at the limit, by step. */
  readonly clockWarnings: Counter<'step'>
  readonly clockBreaches: Counter<'step'>
  /** Calls the stale-calls duty ended with Twilio's status (their final callback was lost). */
  readonly staleCallsEnded: Counter<'kind' | 'status'>
  /** New calls turned away to Twilio's fallback URL because this process was behind. */
  readonly callsShed: Counter
}

// Around the 15-second answer target (service level) and the queue's longest wait.
const WAIT_BUCKETS = [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300]
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
// Return calls: the target is "within 2 s"; retries may be minutes late outside calling hours.
const LATENESS_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600]

export function createMetrics(): Metrics {
  const registry = new Registry()
  // CPU, memory, handles, GC and event-loop lag, under our prefix like everything else.
  collectDefaultMetrics({ register: registry, prefix: 'shouwen_' })
  const registers = [registry]
  return {
    registry,
    webhookDuration: new Histogram({
      name: 'shouwen_webhook_duration_seconds',
      help: 'Twilio webhook latency, by route pattern and status class',
      labelNames: ['route', 'status_class'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    twilioDuration: new Histogram({
      name: 'shouwen_twilio_request_duration_seconds',
      help: 'Twilio REST request latency, by resource',
      labelNames: ['endpoint', 'method', 'status_class'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    twilioErrors: new Counter({
      name: 'shouwen_twilio_request_errors_total',
      help: "Twilio REST requests that failed, by resource and Twilio's error code",
      labelNames: ['endpoint', 'code'],
      registers,
    }),
    queueWait: new Histogram({
      name: 'shouwen_queue_wait_seconds',
      help: 'Seconds a caller waited in the queue before an agent took the call',
      labelNames: ['priority'],
      buckets: WAIT_BUCKETS,
      registers,
    }),
    callbackLateness: new Histogram({
      name: 'shouwen_callback_lateness_seconds',
      help: 'Seconds between a return call being due and it being dialled',
      labelNames: ['purpose'],
      buckets: LATENESS_BUCKETS,
      registers,
    }),
    callbackOutcomes: new Counter({
      name: 'shouwen_callback_outcomes_total',
      help: 'Return-call attempts by how they ended',
      labelNames: ['outcome'],
      registers,
    }),
    clockWarnings: new Counter({
      name: 'shouwen_clock_warnings_total',
      help: 'Time-limit clocks warned at 80 % of their limit, by step',
      labelNames: ['step'],
      registers,
    }),
    clockBreaches: new Counter({
      name: 'shouwen_clock_breaches_total',
      help: 'Time-limit clocks that ran past their limit, by step',
      labelNames: ['step'],
      registers,
    }),
    staleCallsEnded: new Counter({
      name: 'shouwen_stale_calls_ended_total',
      help: 'Calls whose final status callback was lost, ended with the status Twilio reported',
      labelNames: ['kind', 'status'],
      registers,
    }),
    callsShed: new Counter({
      name: 'shouwen_calls_shed_total',
      help: "New calls answered 503 (Twilio's fallback URL) while this process was behind (SHED_NEW_CALLS_AFTER_MS)",
      registers,
    }),
  }
}

/** 2xx, 4xx, ...: enough to tell failures apart without a series per status code. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`
}
