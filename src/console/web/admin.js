import { Categories } from './admin-categories.js'
import { Hotlines } from './admin-hotlines.js'
import { RateTargets } from './admin-rate-targets.js'
import { useLoad } from './api.js'
import { t } from './i18n.js'
import { useAction } from './use-action.js'
import { html, useState } from './vendor/preact.js'

/** Administration: directory and duty roster, time limits, calendar, notice items, targets. */
export function Admin({ config }) {
  const isAdmin = config.agent.role === 'admin'
  return html`<div class="cols">
    <div class="stack">
      <${Agents} isAdmin=${isAdmin} /><${Departments} /><${Categories}
        isAdmin=${isAdmin}
      /><${ServiceItems} canEdit=${true} />
    </div>
    <div class="stack">
      <${Limits} isAdmin=${isAdmin} /><${Calendar} isAdmin=${isAdmin} />
      <${Hotlines} isAdmin=${isAdmin} />
      <${Prompts} isAdmin=${isAdmin} />
      <${RateTargets} isAdmin=${isAdmin} />
    </div>
  </div>`
}

function Departments() {
  const depts = useLoad('/departments')
  const act = useAction(() => void depts.load())
  return html`<section class="card" data-testid="admin-departments">
    <h2>${t('department')} · ${t('onDuty')}</h2>
    ${depts.error || act.message ? html`<p class="error">${depts.error || act.message}</p>` : null}
    ${(depts.data?.departments ?? []).map(
      (d) =>
        html`<div>
          <b>${d.name} ${d.nameEn ?? ''}</b>
          <span class="muted"
            >${d.code} · ${d.serviceHours} ${d.serviceDays} · ${d.contactName ?? ''}
            ${d.publicPhone ?? ''} · ${d.categories.join(', ')}</span
          >
          <table>
            ${d.people.map(
              (p) =>
                html`<tr>
                  <td>${p.name}</td>
                  <td class="muted">${p.phoneNumber ?? p.clientIdentity}</td>
                  <td>
                    <label class="inline"
                      ><input
                        type="checkbox"
                        checked=${p.onDuty}
                        data-testid=${`duty-${d.code}-${p.id}`}
                        onChange=${act.run(`/departments/${d.code}/people/${p.id}`, 'PATCH', { onDuty: !p.onDuty })}
                      />
                      ${t('onDuty')}</label
                    >
                  </td>
                </tr>`,
            )}
          </table>
        </div>`,
    )}
  </section>`
}

function Limits({ isAdmin }) {
  const limits = useLoad('/admin/time-limits')
  const act = useAction(() => void limits.load())
  const rows = limits.data?.policies ?? limits.data?.timeLimits ?? []
  return html`<section class="card" data-testid="admin-limits">
    <h2>${t('limits')}</h2>
    ${limits.error || act.message ? html`<p class="error">${limits.error || act.message}</p>` : null}
    <table>
      <tr>
        <th>step</th>
        <th>${t('category')}</th>
        <th>variant</th>
        <th>limit</th>
        <th>source</th>
      </tr>
      ${rows.map(
        (p) =>
          html`<tr>
            <td>${p.step}</td>
            <td>${p.category ?? '*'}</td>
            <td>${p.variant ?? ''}</td>
            <td>
              ${
                isAdmin
                  ? html`<input
                      class="narrow"
                      aria-label=${`${t('amount')} ${p.step} ${p.category ?? '*'} ${p.variant ?? ''}`}
                      value=${p.amount}
                      onChange=${(e) => act.run('/admin/time-limits', 'PUT', { step: p.step, category: p.category, variant: p.variant, unit: p.unit, basis: p.basis, source: p.source, amount: Number(e.currentTarget.value) })()}
                    />`
                  : p.amount
              }
              ${p.unit} (${p.basis})
            </td>
            <td class="muted">${p.source}</td>
          </tr>`,
      )}
    </table>
  </section>`
}

function Calendar({ isAdmin }) {
  const overrides = useLoad('/admin/calendar/overrides')
  const act = useAction(() => void overrides.load())
  const [v, setV] = useState({ date: '', kind: 'holiday', note: '' })
  const rows = overrides.data?.overrides ?? []
  return html`<section class="card" data-testid="admin-calendar">
    <h2>${t('calendar')}</h2>
    ${overrides.error || act.message ? html`<p class="error">${overrides.error || act.message}</p>` : null}
    <table>
      ${rows.map(
        (o) =>
          html`<tr>
            <td>${o.date}</td>
            <td>${o.kind}</td>
            <td>${o.note}</td>
            <td>
              ${isAdmin ? html`<button class="plain" onClick=${act.run(`/admin/calendar/overrides/${o.date}`, 'DELETE')}>×</button>` : null}
            </td>
          </tr>`,
      )}
    </table>
    ${
      isAdmin
        ? html`<div class="row">
            <div>
              <label for="calendar-date">${t('date')}</label>
              <input
                id="calendar-date"
                type="date"
                value=${v.date}
                onInput=${(e) => setV({ ...v, date: e.currentTarget.value })}
              />
            </div>
            <div>
              <label for="calendar-kind">${t('dayKind')}</label>
              <select
                id="calendar-kind"
                value=${v.kind}
                onChange=${(e) => setV({ ...v, kind: e.currentTarget.value })}
              >
                <option>holiday</option>
                <option>workday</option>
              </select>
            </div>
            <div>
              <label for="calendar-note">${t('note')}</label>
              <input
                id="calendar-note"
                value=${v.note}
                onInput=${(e) => setV({ ...v, note: e.currentTarget.value })}
              />
            </div>
            <button
              disabled=${!v.date || !v.note}
              onClick=${act.run(`/admin/calendar/overrides/${v.date}`, 'PUT', { kind: v.kind, note: v.note })}
            >
              ${t('save')}
            </button>
          </div>`
        : null
    }
  </section>`
}

const ITEM_TEMPLATE = {
  category: null,
  content: {
    'zh-CN': { title: '', bring: [], steps: [], timeLimit: '' },
    'en-US': { title: '', bring: [], steps: [], timeLimit: '' },
  },
  active: true,
}

/**
 * The one-time notice catalogue: each item as JSON (title, what to bring, steps, time limit, per
 * language), checked by the server, which names any problem.
 */
function ServiceItems({ canEdit }) {
  const items = useLoad('/service-items')
  const act = useAction(() => void items.load())
  const [editing, setEditing] = useState(undefined)
  const edit = (i) =>
    setEditing({
      code: i?.code ?? '',
      json: JSON.stringify(
        i ? { category: i.category, content: i.content, active: i.active } : ITEM_TEMPLATE,
        null,
        2,
      ),
    })
  const [jsonError, setJsonError] = useState('')
  const save = () => {
    let body
    try {
      body = JSON.parse(editing.json)
    } catch (e) {
      return setJsonError(`JSON: ${e.message}`)
    }
    setJsonError('')
    void act.run(`/service-items/${editing.code}`, 'PUT', body)()
  }
  return html`<section class="card" data-testid="admin-items">
    <h2>${t('serviceItems')}</h2>
    ${
      items.error || act.message || jsonError
        ? html`<p class="error">${items.error || act.message || jsonError}</p>`
        : null
    }
    <table>
      ${(items.data?.serviceItems ?? []).map(
        (i) =>
          html`<tr>
            <td>${i.code}</td>
            <td>${i.content['zh-CN']?.title ?? ''} / ${i.content['en-US']?.title ?? ''}</td>
            <td class="muted">
              ${i.content['zh-CN']?.timeLimit ?? i.content['en-US']?.timeLimit ?? ''}
            </td>
            <td>
              ${canEdit ? html`<button class="plain" onClick=${() => edit(i)}>✎</button>` : null}
            </td>
          </tr>`,
      )}
    </table>
    ${canEdit ? html`<p><button class="plain" onClick=${() => edit(undefined)}>+</button></p>` : null}
    ${
      editing
        ? html`<div>
            <label for="item-code">${t('itemCode')}</label>
            <input
              id="item-code"
              value=${editing.code}
              onInput=${(e) => setEditing({ ...editing, code: e.currentTarget.value })}
            />
            <label for="item-json">${t('itemJson')}</label>
            <textarea
              id="item-json"
              class="json"
              value=${editing.json}
              onInput=${(e) => setEditing({ ...editing, json: e.currentTarget.value })}
            />
            <p>
              <button onClick=${save}>${t('save')}</button>
              <button class="plain" onClick=${() => setEditing(undefined)}>${t('cancel')}</button>
            </p>
          </div>`
        : null
    }
  </section>`
}

const ROLES = ['agent', 'supervisor', 'manager', 'admin']

function Agents({ isAdmin }) {
  const agents = useLoad('/admin/agents')
  const act = useAction(() => void agents.load())
  const [v, setV] = useState({
    jobNumber: '',
    name: '',
    role: 'agent',
    clientIdentity: '',
    password: '',
  })
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value })
  return html`<section class="card" data-testid="admin-agents">
    <h2>${t('agents')}</h2>
    ${agents.error || act.message ? html`<p class="error">${agents.error || act.message}</p>` : null}
    <table>
      ${(agents.data?.agents ?? []).map(
        (a) =>
          html`<tr>
            <td>${a.jobNumber} ${a.name}</td>
            <td>
              ${
                isAdmin
                  ? html`<select
                      aria-label=${`${t('role')} ${a.jobNumber}`}
                      value=${a.role}
                      onChange=${(e) => act.run(`/admin/agents/${a.jobNumber}`, 'PATCH', { role: e.currentTarget.value })()}
                    >
                      ${ROLES.map((r) => html`<option value=${r}>${r}</option>`)}
                    </select>`
                  : a.role
              }
            </td>
            <td>
              ${
                isAdmin
                  ? html`<label class="inline"
                      ><input
                        type="checkbox"
                        checked=${a.active !== false}
                        onChange=${act.run(`/admin/agents/${a.jobNumber}`, 'PATCH', { active: a.active === false })}
                      />
                      active</label
                    >`
                  : a.active === false
                    ? 'inactive'
                    : 'active'
              }
            </td>
          </tr>`,
      )}
    </table>
    ${
      isAdmin
        ? html`<div class="row">
            <div>
              <label for="new-agent-job">${t('jobNumber')}</label>
              <input id="new-agent-job" value=${v.jobNumber} onInput=${set('jobNumber')} />
            </div>
            <div>
              <label for="new-agent-name">${t('personName')}</label>
              <input id="new-agent-name" value=${v.name} onInput=${set('name')} />
            </div>
            <div>
              <label for="new-agent-role">${t('role')}</label>
              <select id="new-agent-role" value=${v.role} onChange=${set('role')}>
                ${ROLES.map((r) => html`<option value=${r}>${r}</option>`)}
              </select>
            </div>
            <div>
              <label for="new-agent-client">${t('clientIdentity')}</label>
              <input
                id="new-agent-client"
                value=${v.clientIdentity}
                onInput=${set('clientIdentity')}
              />
            </div>
            <div>
              <label for="new-agent-password">${t('password')}</label>
              <input
                id="new-agent-password"
                type="password"
                autocomplete="new-password"
                value=${v.password}
                onInput=${set('password')}
              />
            </div>
            <button
              onClick=${act.run('/admin/agents', 'POST', { ...v, clientIdentity: v.clientIdentity || null })}
            >
              +
            </button>
          </div>`
        : null
    }
  </section>`
}

/** IVR prompts per language: the built-in wording, and the administrators' where they changed it. */
function Prompts({ isAdmin }) {
  const prompts = useLoad('/admin/prompts')
  const act = useAction(() => void prompts.load())
  return html`<section class="card" data-testid="admin-prompts">
    <h2>IVR</h2>
    ${prompts.error || act.message ? html`<p class="error">${prompts.error || act.message}</p>` : null}
    <table>
      ${(prompts.data?.prompts ?? []).map(
        (p) =>
          html`<tr>
            <td>
              ${p.language}
              <div class="muted">${p.key}</div>
            </td>
            <td>
              ${
                isAdmin
                  ? html`<input
                      aria-label=${`${t('promptText')} ${p.language} ${p.key}`}
                      value=${p.text ?? p.default}
                      onChange=${(e) => act.run(`/admin/prompts/${p.language}/${p.key}`, 'PUT', { text: e.currentTarget.value })()}
                    />`
                  : (p.text ?? p.default)
              }
              ${p.text ? html`<div class="muted">${p.default}</div>` : null}
            </td>
            <td>
              ${
                isAdmin && p.text
                  ? html`<button
                      class="plain"
                      onClick=${act.run(`/admin/prompts/${p.language}/${p.key}`, 'DELETE')}
                    >
                      ↺
                    </button>`
                  : null
              }
            </td>
          </tr>`,
      )}
    </table>
  </section>`
}
