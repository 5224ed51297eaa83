import type { Agent } from '../agents/agents.repository.ts'
import type { CallbackDeps } from '../callbacks/deps.ts'
import { notifyAgent } from '../callbacks/notifications.ts'
import { textCaller } from '../cases/caller-sms.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { extensionSms } from '../domain/extension-text.ts'
import { warnAt } from '../domain/time-limits.ts'
import { AppError, NotFoundError } from '../errors.ts'
import type { ExtensionRequest } from './extension-requests.repository.ts'
import { findExtensionRequest } from './extension-requests.repository.ts'

type Deps = Pick<CallbackDeps, 'db' | 'clock' | 'calendar' | 'telephony' | 'logger'>

/**
 * A manager or administrator (never the one who asked) decides an extension request, once.
 * Approved, the clock's due time moves: the first due time is kept in original_due_at, the
 * approver in extended_by, and warnings or breaches raised against the old time are cleared so
 * the new time is watched as any other. The caller is then told by SMS why and until when;
 * the SMS is sent after the decision commits, so a failed text never undoes it.
 */
export async function decideExtension(
  deps: Deps,
  manager: Agent,
  id: string,
  decision: 'approved' | 'refused',
  note: string | null,
): Promise<ExtensionRequest> {
  const at = deps.clock.now()
  const approved = await deps.db.transaction().execute(async (trx) => {
    const x = await trx
      .selectFrom('extension_requests as x')
      .innerJoin('cases as k', 'k.id', 'x.case_id')
      .innerJoin('case_deadlines as d', 'd.id', 'x.deadline_id')
      .select(['x.case_id', 'x.deadline_id', 'x.step', 'x.requested_by', 'x.decision'])
      .select(['x.new_due_at', 'x.reason', 'k.reference', 'k.caller_id', 'k.hotline_number'])
      .select(['d.due_at', 'd.outcome', 'd.round'])
      .where('x.id', '=', id)
      .forUpdate(['x', 'd'])
      .executeTakeFirst()
    if (!x) throw new NotFoundError('extension request', id)
    if (x.requested_by === manager.id) {
      throw new AppError('forbidden', 'an extension is decided by someone other than who asked')
    }
    if (x.decision)
      throw new AppError('conflict', `extension request ${id} is already ${x.decision}`)
    if (decision === 'approved' && x.outcome !== 'open') {
      throw new AppError(
        'invalid_state',
        `the ${x.step} clock already ended ${x.outcome}; there is nothing to extend`,
      )
    }
    if (decision === 'approved' && x.new_due_at.getTime() <= x.due_at.getTime()) {
      throw new AppError('conflict', `the ${x.step} clock is already due later than asked`)
    }
    await trx
      .updateTable('extension_requests')
      .set({ decision, decided_by: manager.id, decided_at: at, note })
      .where('id', '=', id)
      .execute()
    if (decision === 'approved') {
      await trx
        .updateTable('case_deadlines')
        .set((eb) => ({
          original_due_at: eb.fn.coalesce('original_due_at', 'due_at'),
          due_at: x.new_due_at,
          // Warned again ahead of the new time, as a share of what is left from the approval.
          warn_at: warnAt(at, x.new_due_at, undefined, deps.calendar),
          warned_at: null,
          breached_at: null,
          extended_by: manager.id,
          extension_reason: x.reason,
        }))
        .where('id', '=', x.deadline_id)
        .execute()
    }
    await appendCaseEvent(trx, {
      caseId: x.case_id,
      type: decision === 'approved' ? 'extension_approved' : 'extension_refused',
      actor: { kind: 'agent', agentId: manager.id },
      at,
      data: {
        requestId: id,
        step: x.step,
        round: x.round,
        oldDueAt: x.due_at.toISOString(),
        newDueAt: x.new_due_at.toISOString(),
        decidedBy: manager.jobNumber,
        reason: x.reason,
        note,
      },
    })
    const body =
      `Case ${x.reference}: manager ${manager.jobNumber} ${decision} the extension of ` +
      `${x.step} to ${x.new_due_at.toISOString()}${note ? `: ${note}` : ''}`
    await notifyAgent(
      { db: trx, clock: deps.clock },
      { agentId: x.requested_by, caseId: x.case_id, kind: `extension_${decision}`, body },
    )
    return decision === 'approved' ? x : null
  })
  if (approved) {
    await textCaller(
      deps,
      {
        id: approved.case_id,
        callerId: approved.caller_id,
        hotlineNumber: approved.hotline_number,
      },
      'extension',
      extensionSms(
        approved.reference,
        approved.reason,
        approved.new_due_at,
        deps.calendar.timeZone,
      ),
    )
  }
  const saved = await findExtensionRequest(deps.db, id)
  if (!saved) throw new NotFoundError('extension request', id)
  return saved
}
