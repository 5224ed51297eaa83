/**
 * A soft chime loop as long as the hold-progress interval, synthesized once at start-up, so the service has hold music with
 * no file to ship or licence. 8 kHz mono 16-bit PCM: what a phone line carries anyway.
 */
const SAMPLE_RATE = 8000
// A pentatonic phrase: no leading tone, nothing that sounds like a ring-back or busy signal.
const NOTES_HZ = [523.25, 587.33, 659.25, 783.99, 880.0, 783.99, 659.25, 587.33]

export function synthesizeHoldMusic(seconds: number): Buffer {
  const n = SAMPLE_RATE * seconds
  const pcm = Buffer.alloc(n * 2)
  const noteLen = SAMPLE_RATE * 0.9
  for (let i = 0; i < n; i++) {
    const k = Math.floor(i / noteLen)
    const t = (i % noteLen) / SAMPLE_RATE
    const f = NOTES_HZ[k % NOTES_HZ.length] ?? 440
    const envelope = Math.exp(-3 * t) * Math.min(1, t * 50)
    const v = envelope * (0.6 * Math.sin(2 * Math.PI * f * t) + 0.2 * Math.sin(4 * Math.PI * f * t))
    pcm.writeInt16LE(Math.round(v * 0.3 * 32767), i * 2)
  }
  const header = Buffer.alloc(44)
  header.write('RIFF', 0)
  header.writeUInt32LE(36 + pcm.length, 4)
  header.write('WAVE', 8)
  header.write('fmt ', 12)
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20) // PCM
  header.writeUInt16LE(1, 22) // mono
  header.writeUInt32LE(SAMPLE_RATE, 24)
  header.writeUInt32LE(SAMPLE_RATE * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36)
  header.writeUInt32LE(pcm.length, 40)
  return Buffer.concat([header, pcm])
}
