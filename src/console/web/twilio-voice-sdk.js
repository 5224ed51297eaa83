/** Twilio's Voice SDK for the console: loading it, and what its errors mean for the agent. */

let sdk
/** The SDK (UMD, window.Twilio), loaded once, the first time a softphone starts. */
export function loadVoiceSdk() {
  sdk ??= new Promise((resolve, reject) => {
    const s = document.createElement('script')
    s.src = '/console/vendor/twilio-voice.js'
    s.onload = () =>
      window.Twilio?.Device ? resolve(window.Twilio) : reject(new Error('Voice SDK did not load'))
    s.onerror = () => reject(new Error('Voice SDK did not load'))
    document.head.append(s)
  })
  return sdk
}

// Twilio answers a registration in a second or two; silence this long means it cannot be reached.
export const REGISTER_TIMEOUT_MS = 12_000
// The Voice SDK's codes for a microphone it could not have (denied, or none there).
export const MIC_CODES = [31208, 31401, 31402]

/** What a Device error means for the agent: the microphone, the token (ours), or the way out. */
export function deviceFailure(code) {
  if (MIC_CODES.includes(code)) return 'mic_refused'
  // 20101-20157: the Access Token was refused (a wrong API key or TwiML App, a clock far off).
  if (code >= 20100 && code < 20200) return 'error'
  return 'unreachable'
}
