/**
 * What `npm run demo` runs with: a demo at any hour, so return calls may ring around the clock
 * and start 10 s after "work done", always on the local Twilio simulator (the demo loads demo
 * agents with a published password, so it never runs against a real account). Real deployments keep the defaults (08:30-20:30, 2 minutes). The README walkthrough's
 * test starts the service with the same settings, so the two cannot drift apart.
 */
export const DEMO_DEFAULTS = {
  CALLING_HOURS: '00:00-24:00',
  CONFIRMATION_DELAY_SECONDS: '10',
} as const

/** The demo's settings under the variables the user set (which win). */
export function demoEnv(given: Record<string, string | undefined>): Record<string, string> {
  const set = Object.fromEntries(
    Object.entries(given).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  )
  return { ...DEMO_DEFAULTS, ...set, TWILIO_MODE: 'simulator' }
}
