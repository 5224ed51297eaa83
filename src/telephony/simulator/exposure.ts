import type { Config } from '../../config.ts'
import { ConfigError } from '../../config.ts'

const LOOPBACK_HOSTS = ['127.0.0.1', '::1', '[::1]', 'localhost']

/**
 * Anyone who reaches the simulator can place calls and create cases without logging in, so it
 * serves only this machine unless SIMULATOR_ALLOW_REMOTE=true says otherwise. Checked when the
 * service starts (not by loadConfig), so scripts that only migrate or seed are not stopped by a
 * container's HOST.
 */
export function simulatorExposure(config: Config): ConfigError | undefined {
  if (config.twilio.mode !== 'simulator' || config.twilio.allowRemote) return undefined
  const problems: string[] = []
  if (!LOOPBACK_HOSTS.includes(config.http.host))
    problems.push(
      `HOST: ${config.http.host} would let other machines use the Twilio simulator (place calls and create cases without logging in); listen on 127.0.0.1, ::1 or localhost, set SIMULATOR_ALLOW_REMOTE=true if that is really meant, or configure a real Twilio account (TWILIO_MODE=live)`,
    )
  // A proxy in front (an https PUBLIC_BASE_URL, say) reaches the simulator from elsewhere too.
  const publicHost = new URL(config.http.publicBaseUrl).hostname
  if (!LOOPBACK_HOSTS.includes(publicHost))
    problems.push(
      `PUBLIC_BASE_URL: ${publicHost} is not this machine, and the Twilio simulator serves only this machine; use http://localhost:PORT, set SIMULATOR_ALLOW_REMOTE=true if a proxy in front of it is really meant, or configure a real Twilio account (TWILIO_MODE=live)`,
    )
  return problems.length ? new ConfigError(problems) : undefined
}
