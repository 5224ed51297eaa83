import { lang, when } from './i18n.js'
import { html } from './vendor/preact.js'

// Kept beside the component rather than in i18n.js: the words belong to this card only.
const WORDS = {
  'zh-CN': {
    clocks: '时限',
    step: '环节',
    round: '轮次',
    startedAt: '开始',
    dueAt: '到期',
    endedAt: '结束',
    outcome: '结果',
    extendedFrom: '原到期',
    record: '记录',
    dispatch: '分派',
    supervisor_answer: '主管答复',
    department_answer: '部门答复',
    resolution: '办结',
    confirmation_call: '回访',
    open: '进行中',
    met: '按时',
    missed: '超时',
    cancelled: '已取消',
  },
  'en-US': {
    clocks: 'Clocks',
    step: 'Step',
    round: 'Round',
    startedAt: 'Started',
    dueAt: 'Due',
    endedAt: 'Ended',
    outcome: 'Outcome',
    extendedFrom: 'was due',
    record: 'Record',
    dispatch: 'Dispatch',
    supervisor_answer: 'Supervisor answer',
    department_answer: 'Department answer',
    resolution: 'Resolution',
    confirmation_call: 'Return call',
    open: 'running',
    met: 'on time',
    missed: 'late',
    cancelled: 'cancelled',
  },
}
const w = (key) => WORDS[lang]?.[key] ?? key

/**
 * The case's clocks (GET /api/cases/:ref `clocks`): the running ones first, nearest due first,
 * so the agent sees what is about to be late; ended ones after, with how they ended.
 */
export function Clocks({ clocks }) {
  if (!clocks?.length) return null
  const sorted = [...clocks].sort(
    (a, b) =>
      Number(b.outcome === 'open') - Number(a.outcome === 'open') ||
      new Date(a.dueAt).getTime() - new Date(b.dueAt).getTime(),
  )
  return html`<section class="card" data-testid="case-clocks">
    <h2>${w('clocks')}</h2>
    <table>
      <tr>
        <th>${w('step')}</th>
        <th>${w('round')}</th>
        <th>${w('dueAt')}</th>
        <th>${w('endedAt')}</th>
        <th>${w('outcome')}</th>
      </tr>
      ${sorted.map(
        (c) =>
          html`<tr data-testid="case-clock" data-outcome=${c.outcome}>
            <td>${w(c.step)}${c.department ? ` (${c.department})` : ''}</td>
            <td>${c.round}</td>
            <td>
              ${when(c.dueAt)}
              ${
                c.originalDueAt
                  ? html` <span class="muted"
                      >(${w('extendedFrom')} ${when(c.originalDueAt)})</span
                    >`
                  : null
              }
            </td>
            <td>${when(c.endedAt)}</td>
            <td><span class="pill">${w(c.outcome)}</span></td>
          </tr>`,
      )}
    </table>
  </section>`
}
