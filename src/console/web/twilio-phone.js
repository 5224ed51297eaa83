import { api } from './api.js'
import { deviceFailure, loadVoiceSdk, MIC_CODES, REGISTER_TIMEOUT_MS } from './twilio-voice-sdk.js'
import { useEffect, useRef, useState } from './vendor/preact.js'

/**
 * The browser softphone on real Twilio, with Twilio's Voice SDK (served from node_modules by the
 * console, UMD: window.Twilio). Registered while the agent takes calls, so offers to
 * `client:<identity>` ring here; unregistered when they pause, destroyed when the page goes
 * (logout). Anything that stops it taking calls (microphone refused, Twilio unreachable, the
 * connection lost) is shown and reported through `onLost`, which sets the agent away.
 *
 * States: off, connecting, ready, unreachable, mic_refused, not_configured, error.
 */

const GATHER_START_MS = 800
const WARNINGS = ['unreachable', 'mic_refused', 'not_configured', 'error']

const newToken = () => api('/me/voice-token', { method: 'POST', body: {} })

export function useTwilioPhone({ enabled, online, onLost }) {
  const [state, setState] = useState('off')
  const [problem, setProblem] = useState('')
  const [identity, setIdentity] = useState('')
  const [call, setCall] = useState(undefined)
  const [audio, setAudio] = useState({ inputs: [], outputs: [], input: '', output: '' })
  const device = useRef(null)
  const active = useRef(null)
  // A device let go of during a call (paused, or failed): destroyed when that call ends.
  const orphan = useRef(null)
  const lost = useRef(onLost)
  lost.current = onLost

  const readAudio = () => {
    const a = device.current?.audio
    if (!a) return
    const list = (m) =>
      [...m.values()].map((d) => ({ id: d.deviceId, label: d.label || d.deviceId }))
    setAudio({
      inputs: list(a.availableInputDevices),
      outputs: a.isOutputSelectionSupported ? list(a.availableOutputDevices) : [],
      input: a.inputDevice?.deviceId ?? '',
      output: [...a.speakerDevices.get()][0]?.deviceId ?? '',
    })
  }

  const attach = (c, incoming) => {
    active.current = c
    const sid = () => c.parameters?.CallSid ?? ''
    const update = (patch) => setCall((cur) => ({ ...cur, sid: sid(), ...patch }))
    const from = c.parameters?.From ?? ''
    setCall({
      sid: sid(),
      status: incoming ? 'ringing' : 'connecting',
      incoming,
      from,
      muted: false,
    })
    const end = (status) => () => {
      if (active.current === c) active.current = null
      orphan.current?.destroy()
      orphan.current = null
      update({ status })
    }
    c.on('accept', () => update({ status: 'in-progress' }))
    c.on('ringing', () => update({ status: 'ringing' }))
    c.on('mute', (muted) => update({ muted }))
    c.on('disconnect', end('completed'))
    c.on('cancel', end('canceled'))
    c.on('reject', end('rejected'))
    c.on('error', (e) => {
      if (MIC_CODES.includes(e?.code)) fail('mic_refused', e.message)
      else setProblem(e?.message ?? String(e))
    })
  }

  const letGo = (d) => {
    device.current = null
    if (!d) return
    if (active.current) orphan.current = d
    else d.destroy()
  }

  // Stops taking calls, says why, and has the agent set away (the server must not offer calls
  // to a phone that cannot ring).
  const fail = (why, message) => {
    setState(why)
    setProblem(message ?? '')
    letGo(device.current)
    lost.current?.(why)
  }

  useEffect(() => {
    if (!enabled || !online) return undefined
    let gone = false
    const start = async () => {
      setState('connecting')
      setProblem('')
      let token
      try {
        token = await newToken()
      } catch (e) {
        if (!gone) fail(e.status === 409 ? 'not_configured' : 'error', e.message)
        return
      }
      setIdentity(token.identity)
      // Ask for the microphone now, not when the first call rings.
      try {
        const stream = await window.navigator.mediaDevices.getUserMedia({ audio: true })
        for (const track of stream.getTracks()) track.stop()
      } catch (e) {
        if (!gone) fail('mic_refused', e?.message)
        return
      }
      let Twilio
      try {
        Twilio = await loadVoiceSdk()
      } catch (e) {
        if (!gone) fail('error', e.message)
        return
      }
      if (gone) return
      const d = new Twilio.Device(token.token, {
        closeProtection: true,
        codecPreferences: ['opus', 'pcmu'],
        logLevel: 'silent',
      })
      device.current = d
      d.on('registered', () => !gone && setState('ready'))
      d.on('error', (e) => {
        if (gone || device.current !== d) return
        fail(deviceFailure(e?.code), e?.message)
      })
      d.on('incoming', (c) => attach(c, true))
      d.on('tokenWillExpire', () => {
        newToken()
          .then((t) => d.updateToken(t.token))
          .catch((e) => fail('error', e.message))
      })
      d.audio?.on('deviceChange', readAudio)
      readAudio()
      // Registered within the time, or again after a drop (the SDK reconnects by itself).
      let timer
      const watch = () => {
        clearTimeout(timer)
        timer = setTimeout(() => {
          if (!gone && device.current === d && d.state !== 'registered') fail('unreachable')
        }, REGISTER_TIMEOUT_MS)
      }
      d.on('unregistered', () => {
        if (gone || device.current !== d) return
        setState('connecting')
        watch()
      })
      d.on('destroyed', () => clearTimeout(timer))
      watch()
      d.register().catch((e) => {
        if (!gone && device.current === d) fail('unreachable', e?.message)
      })
    }
    void start()
    return () => {
      gone = true
      // Paused or logged out: no more offers here. A call in progress goes on to its end.
      if (device.current && active.current) void device.current.unregister().catch(() => {})
      letGo(device.current)
      setState((s) => (WARNINGS.includes(s) ? s : 'off'))
    }
  }, [enabled, online])
  // Logged out (the workspace goes): nothing of the phone outlives the page, a call included.
  useEffect(
    () => () => {
      orphan.current?.destroy()
      device.current?.destroy()
    },
    [],
  )

  const c = () => active.current
  return {
    kind: 'twilio',
    state,
    problem,
    address: identity ? `client:${identity}` : '',
    current: call,
    audio,
    answer: () => c()?.accept(),
    /** The same as pressing 1 on a phone: answers if ringing, then accepts the offer. */
    accept() {
      const x = c()
      if (!x) return
      if (x.status() === 'pending') {
        // The whisper's <Gather> starts once the leg is answered: give it a moment to listen.
        x.once('accept', () => setTimeout(() => x.sendDigits('1'), GATHER_START_MS))
        x.accept()
      } else x.sendDigits('1')
    },
    decline() {
      const x = c()
      if (!x) return
      if (x.status() === 'pending') x.reject()
      else x.sendDigits('2')
    },
    press: (_sid, digits) => c()?.sendDigits(digits),
    hangup: () => c()?.disconnect(),
    mute: () => c()?.mute(!c()?.isMuted()),
    /** Calls a case's caller (or contact) through the TwiML App; the server checks the number. */
    async callCase({ caseRef, to }) {
      if (!device.current || state !== 'ready') throw new Error(state)
      attach(await device.current.connect({ params: { caseRef, to } }), false)
    },
    async setInput(id) {
      await device.current?.audio?.setInputDevice(id)
      readAudio()
    },
    async setOutput(id) {
      await device.current?.audio?.speakerDevices.set(id)
      readAudio()
    },
  }
}
