import { findOpenCasesOfCaller } from '../cases/cases.repository.ts'
import type { MenuPosition } from '../domain/ivr-flow.ts'
import { firstMenu } from '../domain/ivr-flow.ts'
import type { Language } from '../domain/language.ts'
import type { MenuCategory } from '../domain/prompts.ts'
import type { RecordingMode } from '../domain/recording.ts'
import type { CallDeps } from './deps.ts'
import type { Category } from './directory.repository.ts'

export interface IncomingCallInput {
  callSid: string
  from: string
  to: string
  callerName: string | null
  fromCity: string | null
  fromState: string | null
  fromCountry: string | null
}

export interface MenuView {
  position: MenuPosition
  orgName: string
  openCase: { reference: string; ownerJobNumber: string | null } | null
  categories: MenuCategory[]
  /** The greeting says the call is recorded (the hotline's recording setting is `notice`). */
  recordingNotice?: boolean
}

export type MenuOutcome =
  | ({ kind: 'menu'; notice: 'none' | 'invalid' | 'silence' } & MenuView)
  | { kind: 'hangup_silent'; language: Language }
  | { kind: 'notice_resend'; language: Language }
  | {
      kind: 'queued'
      language: Language
      conferenceName: string
      emergency: boolean
      /** The hotline's recording setting, for the caller's seat in the conference. */
      recording?: RecordingMode
    }
  | { kind: 'voicemail'; language: Language }
  /** The caller already hung up or the call ended: nothing to say. */
  | { kind: 'gone'; language: Language }

export function conferenceNameFor(callSid: string): string {
  return `call-${callSid}`
}

/** Logs the caller and their leg, and decides the first menu. Safe to run twice for one call. */
export async function receiveIncomingCall(
  deps: CallDeps,
  input: IncomingCallInput,
): Promise<{ kind: 'not_in_service' } | ({ kind: 'menu' } & MenuView)> {
  const hotline = await deps.directory.hotline(input.to)
  if (!hotline) return { kind: 'not_in_service' }
  const [recorded, categories] = await Promise.all([
    deps.inboundRecorder.record({
      ...input,
      hotlineNumber: hotline.phoneNumber,
      fromNumber: input.from,
      language: hotline.language,
      at: deps.clock.now(),
    }),
    deps.directory.menuCategories(),
  ])
  const openCase = recorded.openCases[0] ?? null
  return {
    kind: 'menu',
    position: firstMenu(hotline.language, openCase !== null),
    orgName: hotline.name,
    openCase,
    categories: menuEntries(categories),
    recordingNotice: hotline.recording === 'notice',
  }
}

function menuEntries(cats: Category[]): MenuCategory[] {
  return cats.flatMap((c) =>
    c.ivrKey === null ? [] : [{ key: c.ivrKey, nameZh: c.nameZh, nameEn: c.nameEn }],
  )
}

export async function menuView(
  deps: CallDeps,
  callerId: string | null,
  orgName: string,
  position: MenuPosition,
): Promise<MenuView> {
  const [open, cats] = await Promise.all([
    callerId ? findOpenCasesOfCaller(deps.db, callerId) : Promise.resolve([]),
    deps.directory.menuCategories(),
  ])
  const latest = open[0]
  return {
    position,
    orgName,
    openCase: latest
      ? { reference: latest.reference, ownerJobNumber: latest.firstOwnerJobNumber }
      : null,
    categories: menuEntries(cats),
  }
}
