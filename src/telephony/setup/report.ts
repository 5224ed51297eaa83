import type { FieldChange } from './settings.ts'
import type { SetupReport } from './twilio-setup.ts'

/**
 * The summary `npm run twilio:setup` prints: what was created, changed (field: old → new),
 * already right, and still missing, each missing item with what to do. Exit code 1 only when
 * something blocks calls from reaching Shouwen (or names a resource that does not exist); a
 * step left for later (the softphone's API key) is listed but does not fail the run.
 */
export function formatSetupReport(r: SetupReport): { text: string; exitCode: 0 | 1 } {
  const will = (done: string, planned: string) => (r.dryRun ? planned : done)
  const lines: string[] = [
    r.dryRun ? 'twilio:setup --dry-run: nothing is changed at Twilio.' : 'twilio:setup',
  ]
  const todo: string[] = []
  const blocking: string[] = []

  lines.push('', 'API key (signs the browser softphone’s Access Tokens):')
  const key = r.apiKey
  if (key.outcome === 'found') lines.push(`  ok: ${key.sid} exists on the account`)
  else if (key.outcome === 'created' && key.sid) {
    lines.push(
      `  created: ${key.sid}. Its secret is shown this once; Twilio cannot show it again:`,
      `    TWILIO_API_KEY_SID=${key.sid}`,
      `    TWILIO_API_KEY_SECRET=${key.secret ?? ''}`,
    )
    todo.push('put TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET (above) in the environment')
  } else if (key.outcome === 'created') lines.push('  would create one (--create-api-key)')
  else if (key.outcome === 'not-found') {
    lines.push(`  missing: TWILIO_API_KEY_SID=${key.sid} is not an API key of this account`)
    blocking.push(
      'TWILIO_API_KEY_SID names no key of this account: create one (Twilio console → API keys, or `npm run twilio:setup -- --create-api-key`) and set TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET',
    )
  } else {
    lines.push('  not set: agents cannot use the browser softphone until one is')
    todo.push(
      'create an API key (Twilio console → Account → API keys, Standard; or `npm run twilio:setup -- --create-api-key`) and set TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET',
    )
  }

  const app = r.application
  lines.push('', `TwiML App "${app.name}" (the console softphone’s outgoing calls):`)
  if (app.outcome === 'missing') {
    lines.push(
      `  missing: TWILIO_TWIML_APP_SID=${app.sid ?? ''} is not an application of this account`,
    )
    blocking.push(
      'TWILIO_TWIML_APP_SID names no TwiML App of this account: unset it and run again to have one created, or set it to the right AP… SID',
    )
  } else {
    const sid = app.sid ?? '(new)'
    if (app.outcome === 'created') lines.push(`  ${will('created', 'would create')}: ${sid}`)
    else if (app.outcome === 'changed') lines.push(`  ${will('changed', 'would change')}: ${sid}`)
    else lines.push(`  ok: ${sid} already right`)
    lines.push(...changeLines(app.changes))
    if (app.sidNotInEnv) {
      todo.push(
        app.sid
          ? `set TWILIO_TWIML_APP_SID=${app.sid} and restart Shouwen`
          : 'run without --dry-run, then set TWILIO_TWIML_APP_SID to the printed AP… SID',
      )
    }
  }

  lines.push('', 'Hotline numbers (voice, status and SMS URLs):')
  if (r.numbers.length === 0) {
    lines.push('  none: the hotlines table is empty')
    blocking.push('add the hotline numbers to the hotlines table (see the README), then run again')
  }
  for (const n of r.numbers) {
    if (n.outcome === 'missing') {
      lines.push(`  missing: ${n.phoneNumber}: ${n.problem ?? 'not found'}`)
      blocking.push(
        `${n.phoneNumber}: ${n.problem ?? 'not found'} (buy or port it into this account, or fix the number in the hotlines table)`,
      )
    } else if (n.outcome === 'changed') {
      lines.push(`  ${will('changed', 'would change')}: ${n.phoneNumber} (${n.sid ?? ''})`)
      lines.push(...changeLines(n.changes))
    } else lines.push(`  ok: ${n.phoneNumber} (${n.sid ?? ''}) already right`)
  }

  lines.push(
    '',
    'Recording: nothing to set at Twilio per number; it is chosen per hotline in Shouwen',
    '  (PATCH /api/admin/hotlines/:number {"recording": "off" | "notice" | "silent"}).',
  )

  const anything = [app, ...r.numbers].some(
    (x) => x.outcome === 'changed' || x.outcome === 'created',
  )
  lines.push('')
  if (!anything && key.outcome !== 'created' && blocking.length === 0) {
    lines.push(
      r.dryRun
        ? 'Nothing would change: Twilio is already set up.'
        : 'Nothing changed: Twilio was already set up.',
    )
  }
  if (r.dryRun && anything) lines.push('Run again without --dry-run to make these changes.')
  for (const b of blocking) lines.push(`BLOCKING: ${b}`)
  for (const t of todo) lines.push(`TO DO: ${t}`)
  return { text: lines.join('\n'), exitCode: blocking.length > 0 ? 1 : 0 }
}

function changeLines(changes: readonly FieldChange[]): string[] {
  return changes.map((c) => `    ${c.field}: ${c.from || '(none)'} → ${c.to || '(none)'}`)
}
