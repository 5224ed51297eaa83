import { api, useLoad } from './api.js'
import { lang, when } from './i18n.js'
import { html, useEffect, useState } from './vendor/preact.js'

// Kept beside the components rather than in i18n.js, as clocks.js does: the words are theirs.
const WORDS = {
  'zh-CN': {
    askSupervisor: '向主管请示',
    question: '请示内容',
    ask: '提交请示',
    waitingAnswer: '待主管答复',
    requestExtension: '申请延长时限',
    step: '环节',
    newDueAt: '新的到期时间',
    reason: '延期原因',
    request: '提交申请',
    supervisorQuestions: '待答复的请示',
    answer: '答复',
    send: '答复',
    extensionRequests: '待审批的延期申请',
    note: '审批意见',
    approve: '批准',
    refuse: '不批准',
    none: '无',
    requested: '已提交，等待经理审批',
  },
  'en-US': {
    askSupervisor: 'Ask the supervisor',
    question: 'Question',
    ask: 'Ask',
    waitingAnswer: 'waiting for the supervisor',
    requestExtension: 'Request an extension',
    step: 'Step',
    newDueAt: 'New due time',
    reason: 'Reason for the extension',
    request: 'Request',
    supervisorQuestions: 'Questions waiting for an answer',
    answer: 'Answer',
    send: 'Answer',
    extensionRequests: 'Extension requests waiting',
    note: 'Decision note',
    approve: 'Approve',
    refuse: 'Refuse',
    none: 'none',
    requested: 'Requested; waiting for a manager',
  },
}
const w = (key) => WORDS[lang]?.[key] ?? key

/** Runs a change, then `after`; keeps the error in the page's language for the form to show. */
function useSubmit(after) {
  const [message, setMessage] = useState('')
  const submit = (f) => async (e) => {
    e.preventDefault()
    setMessage('')
    try {
      setMessage((await f()) ?? '')
      after()
    } catch (err) {
      setMessage(err.message)
    }
  }
  return { message, submit }
}

/**
 * On a case, for whoever works on it: a question to the duty supervisor (with the answers
 * given so far) and a request to extend one of the case's running clocks.
 */
export function CaseAsks({ reference, clocks, onDone }) {
  const asked = useLoad(`/cases/${reference}/escalations`)
  // The case reloads on live hints (an answer is one): its questions with it.
  useEffect(() => void asked.load(), [clocks])
  const [question, setQuestion] = useState('')
  const [ext, setExt] = useState({ step: '', newDueAt: '', reason: '' })
  const done = () => {
    void asked.load()
    onDone()
  }
  const q = useSubmit(done)
  const x = useSubmit(done)
  const running = [
    ...new Set((clocks ?? []).filter((c) => c.outcome === 'open').map((c) => c.step)),
  ]
  const step = ext.step || running[0] || ''
  return html`<section class="card" data-testid="case-asks">
    <h2>${w('askSupervisor')}</h2>
    <ul data-testid="escalations">
      ${(asked.data?.escalations ?? []).map(
        (e) =>
          html`<li data-testid="escalation">
            ${e.question} —
            ${e.answer ? html`<b>${e.answer}</b> (${e.answeredBy})` : html`<span class="muted">${w('waitingAnswer')}</span>`}
          </li>`,
      )}
    </ul>
    <form
      onSubmit=${q.submit(async () => {
        await api(`/cases/${reference}/escalations`, { method: 'POST', body: { question } })
        setQuestion('')
      })}
    >
      <label for="ask-question">${w('question')}</label>
      <textarea
        id="ask-question"
        value=${question}
        onInput=${(e) => setQuestion(e.currentTarget.value)}
      />
      <button type="submit" data-testid="ask-submit" disabled=${!question.trim()}>
        ${w('ask')}
      </button>
      <span class="error">${q.message}</span>
    </form>
    <h2>${w('requestExtension')}</h2>
    <form
      onSubmit=${x.submit(async () => {
        const body = { step, newDueAt: new Date(ext.newDueAt).toISOString(), reason: ext.reason }
        await api(`/cases/${reference}/extension-requests`, { method: 'POST', body })
        setExt({ step: '', newDueAt: '', reason: '' })
        return w('requested')
      })}
    >
      <label for="ext-step">${w('step')}</label>
      <select
        id="ext-step"
        value=${step}
        onChange=${(e) => setExt({ ...ext, step: e.currentTarget.value })}
      >
        ${running.map((s) => html`<option value=${s}>${s}</option>`)}
      </select>
      <label for="ext-due">${w('newDueAt')}</label>
      <input
        id="ext-due"
        type="datetime-local"
        value=${ext.newDueAt}
        onInput=${(e) => setExt({ ...ext, newDueAt: e.currentTarget.value })}
      />
      <label for="ext-reason">${w('reason')}</label>
      <textarea
        id="ext-reason"
        value=${ext.reason}
        onInput=${(e) => setExt({ ...ext, reason: e.currentTarget.value })}
      />
      <button
        type="submit"
        data-testid="ext-submit"
        disabled=${!step || !ext.newDueAt || !ext.reason.trim()}
      >
        ${w('request')}
      </button>
      <span class="muted" data-testid="ext-message">${x.message}</span>
    </form>
  </section>`
}

/** On the board: the questions waiting for a supervisor, each with its answer form. */
export function SupervisorQuestions({ questions, onAnswered }) {
  const [answers, setAnswers] = useState({})
  const s = useSubmit(onAnswered)
  return html`<section class="card" data-testid="board-questions">
    <h2>${w('supervisorQuestions')}</h2>
    ${questions.length === 0 ? html`<p class="muted">${w('none')}</p>` : null}
    ${questions.map(
      (e) =>
        html`<form
          data-testid=${`question-${e.id}`}
          onSubmit=${s.submit(() =>
            api(`/escalations/${e.id}/answer`, {
              method: 'POST',
              body: { answer: answers[e.id] },
            }).then(() => ''),
          )}
        >
          <p>${e.reference} · ${e.askedBy} · ${when(e.dueAt)}: ${e.question}</p>
          <label for=${`answer-${e.id}`}>${w('answer')}</label>
          <textarea
            id=${`answer-${e.id}`}
            value=${answers[e.id] ?? ''}
            onInput=${(ev) => setAnswers({ ...answers, [e.id]: ev.currentTarget.value })}
          />
          <button type="submit" disabled=${!answers[e.id]?.trim()}>${w('send')}</button>
        </form>`,
    )}
    <span class="error">${s.message}</span>
  </section>`
}

/** For managers and administrators: extension requests waiting, approved or refused with a note. */
export function ExtensionDecisions() {
  const waiting = useLoad('/extension-requests/waiting')
  const [notes, setNotes] = useState({})
  const s = useSubmit(() => void waiting.load())
  const decide = (id, verb) =>
    s.submit(() =>
      api(`/extension-requests/${id}/${verb}`, {
        method: 'POST',
        body: notes[id]?.trim() ? { note: notes[id].trim() } : {},
      }).then(() => ''),
    )
  const list = waiting.data?.extensionRequests ?? []
  return html`<section class="card" data-testid="board-extensions">
    <h2>${w('extensionRequests')}</h2>
    ${list.length === 0 ? html`<p class="muted">${w('none')}</p>` : null}
    ${list.map(
      (r) =>
        html`<form data-testid=${`extension-${r.id}`} onSubmit=${decide(r.id, 'approve')}>
          <p>
            ${r.reference} · ${r.step} · ${r.requestedBy}: ${when(r.currentDueAt)} →
            ${when(r.newDueAt)} — ${r.reason}
          </p>
          <label for=${`note-${r.id}`}>${w('note')}</label>
          <input
            id=${`note-${r.id}`}
            value=${notes[r.id] ?? ''}
            onInput=${(e) => setNotes({ ...notes, [r.id]: e.currentTarget.value })}
          />
          <button type="submit">${w('approve')}</button>
          <button type="button" onClick=${decide(r.id, 'refuse')}>${w('refuse')}</button>
        </form>`,
    )}
    <span class="error">${s.message}</span>
  </section>`
}
