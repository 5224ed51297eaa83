import { Variants } from './admin-variants.js'
import { useLoad } from './api.js'
import { t } from './i18n.js'
import { useAction } from './use-action.js'
import { html, useState } from './vendor/preact.js'

/** Categories: names in both languages and the IVR key; administrators edit them. */
export function Categories({ isAdmin }) {
  const cats = useLoad('/admin/categories')
  const [editing, setEditing] = useState(undefined)
  const act = useAction(() => {
    setEditing(undefined)
    void cats.load()
  })
  const put = (c, change) =>
    act.run(`/admin/categories/${c.code}`, 'PUT', {
      nameZh: c.nameZh,
      nameEn: c.nameEn,
      isEmergency: c.isEmergency,
      ivrKey: c.ivrKey,
      ...change,
    })
  return html`<section class="card" data-testid="admin-categories">
    <h2>${t('category')}</h2>
    ${cats.error || act.message ? html`<p class="error" role="alert">${cats.error || act.message}</p>` : null}
    <table>
      <tr>
        <th>${t('code')}</th>
        <th>${t('nameZh')}</th>
        <th>${t('nameEn')}</th>
        <th>IVR</th>
        <th>${t('emergency')}</th>
        <th></th>
      </tr>
      ${(cats.data?.categories ?? []).map(
        (c) =>
          html`<tr data-testid=${`category-${c.code}`}>
            <td>${c.code}</td>
            <td>${c.nameZh}</td>
            <td>${c.nameEn}</td>
            <td>
              ${
                isAdmin
                  ? html`<input
                      class="narrow"
                      aria-label=${`${t('ivrKey')} ${c.code}`}
                      value=${c.ivrKey ?? ''}
                      onChange=${(e) => put(c, { ivrKey: e.currentTarget.value === '' ? null : Number(e.currentTarget.value) })()}
                    />`
                  : (c.ivrKey ?? '')
              }
            </td>
            <td>${c.isEmergency ? '✓' : ''}</td>
            <td>
              ${
                isAdmin
                  ? html`<button
                      class="plain"
                      aria-label=${`${t('edit')} ${c.code}`}
                      onClick=${() => setEditing({ code: c.code, nameZh: c.nameZh, nameEn: c.nameEn })}
                    >
                      ✎
                    </button>`
                  : null
              }
            </td>
          </tr>`,
      )}
    </table>
    ${editing ? html`<${CategoryNames} editing=${editing} setEditing=${setEditing} cats=${cats} put=${put} />` : null}
    <${Variants} isAdmin=${isAdmin} />
  </section>`
}

function CategoryNames({ editing, setEditing, cats, put }) {
  const c = (cats.data?.categories ?? []).find((x) => x.code === editing.code)
  const save = (e) => {
    e.preventDefault()
    if (c) void put(c, { nameZh: editing.nameZh.trim(), nameEn: editing.nameEn.trim() })()
  }
  return html`<form onSubmit=${save} data-testid="category-edit">
    <h3>${editing.code}</h3>
    <label for="category-name-zh">${t('nameZh')}</label>
    <input
      id="category-name-zh"
      value=${editing.nameZh}
      onInput=${(e) => setEditing({ ...editing, nameZh: e.currentTarget.value })}
    />
    <label for="category-name-en">${t('nameEn')}</label>
    <input
      id="category-name-en"
      value=${editing.nameEn}
      onInput=${(e) => setEditing({ ...editing, nameEn: e.currentTarget.value })}
    />
    <p>
      <button type="submit">${t('save')}</button>
      <button type="button" class="plain" onClick=${() => setEditing(undefined)}>
        ${t('cancel')}
      </button>
    </p>
  </form>`
}
