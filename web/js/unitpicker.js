// web/js/unitpicker.js — choosing a unit by typing part of its name or code (the 上级单位 of
// the unit dialogs), and the unit kinds list shared by the pages.
// Owns: unitPicker(), an ARIA 1.2 combobox (an <input role=combobox> with a listbox below it)
// fed by GET /api/v1/units?q=…&limit=8 as the person types (debounced, latest reply wins):
// ↑/↓ move, Enter or a click chooses, Esc closes the list (not the dialog), and resolve()
// turns what is in the box into a unit code at submit time (the chosen unit; else an exact
// code or name, or the only match; '' for an empty box; an Error with a sentence otherwise);
// and unitKinds(), GET /api/v1/unit-kinds fetched once per page load.

import { h } from './dom.js';
import { t } from './i18n.js';
import { api } from './api.js';
import { uid } from './ui.js';

let kindsP = null;

/* Resolves to the unit kinds [{code, name}] (cached; a failure is retried next time). */
export function unitKinds() {
  if (!kindsP) {
    kindsP = api.get('/api/v1/unit-kinds')
      .then((r) => (r && Array.isArray(r.kinds) ? r.kinds : []))
      .catch((err) => { kindsP = null; throw err; });
  }
  return kindsP;
}

const label = (u) => `${u.name}（${u.code}）`;

/* A unit picker. opts: { initial: {code, name} | null, exclude: a code never offered (the
 * unit itself), placeholder }. Returns { input, list, attach(fieldWrap), resolve() }: put
 * input into field(), then call attach(field.wrap). */
export function unitPicker({ initial = null, exclude = null, placeholder } = {}) {
  const listId = uid('unit-options');
  const input = h('input', {
    type: 'text', role: 'combobox', autocomplete: 'off', spellcheck: 'false', maxlength: '100',
    'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': listId,
    placeholder: placeholder || t('unitPicker.placeholder'),
    value: initial ? label(initial) : '',
  });
  const list = h('ul', { class: 'combo-list', id: listId, role: 'listbox', hidden: true });
  let chosen = initial;
  let options = [];  // units shown in the list
  let active = -1;
  let seq = 0;
  let timer = null;

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function setActive(i) {
    active = i;
    [...list.children].forEach((li, n) => li.setAttribute('aria-selected', String(n === i)));
    const li = list.children[i];
    if (li && li.id) {
      input.setAttribute('aria-activedescendant', li.id);
      li.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  }

  function choose(u) {
    chosen = u;
    input.value = label(u);
    close();
  }

  function render(text) {
    list.replaceChildren();
    if (!options.length) {
      list.append(h('li', { class: 'combo-empty', role: 'presentation' }, t('unitPicker.none', { q: text })));
    }
    options.forEach((u, i) => {
      list.append(h('li', {
        id: listId + '-' + i, role: 'option', class: 'combo-option', 'aria-selected': 'false', 'data-code': u.code,
        onmousedown: (ev) => ev.preventDefault(), // keep the focus in the input
        onclick: () => choose(u),
      },
      h('span', { class: 'combo-name' }, u.name),
      h('code', { class: 'combo-code' }, u.code),
      u.kind_name ? h('span', { class: 'combo-kind' }, u.kind_name) : null));
    });
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    setActive(options.length ? 0 : -1);
  }

  async function search(text) {
    const mine = ++seq;
    const params = new URLSearchParams({ limit: '8' });
    if (text) params.set('q', text);
    let reply;
    try {
      reply = await api.get('/api/v1/units?' + params);
    } catch {
      return; // the list just does not open; resolve() reports at submit time
    }
    if (mine !== seq || document.activeElement !== input) return;
    options = (reply && Array.isArray(reply.units) ? reply.units : []).filter((u) => u.code !== exclude);
    render(text);
  }

  input.addEventListener('input', () => {
    chosen = null;
    clearTimeout(timer);
    const text = input.value.trim();
    if (!text) { close(); return; }
    timer = setTimeout(() => search(text), 200);
  });
  input.addEventListener('keydown', (ev) => {
    const open = !list.hidden;
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      if (!open) { search(input.value.trim()); return; }
      if (!options.length) return;
      const d = ev.key === 'ArrowDown' ? 1 : -1;
      setActive((active + d + options.length) % options.length);
    } else if (ev.key === 'Enter' && open) {
      ev.preventDefault(); // not the dialog's submit
      if (active >= 0) choose(options[active]);
      else close();
    } else if (ev.key === 'Escape' && open) {
      ev.preventDefault();
      ev.stopPropagation();
      close();
    }
  });
  input.addEventListener('blur', () => { seq += 1; close(); });

  return {
    input,
    list,
    attach(wrap) {
      wrap.classList.add('field-combo');
      input.after(list);
    },
    /* The code of the unit in the box: '' when empty. Throws Error(sentence) when the text
     * names no unit or several. */
    async resolve() {
      const text = input.value.trim();
      if (!text) return '';
      if (chosen && text === label(chosen)) return chosen.code;
      const reply = await api.get('/api/v1/units?' + new URLSearchParams({ q: text, limit: '20' }));
      const units = (reply && Array.isArray(reply.units) ? reply.units : []).filter((u) => u.code !== exclude);
      const exact = units.find((u) => u.code === text || u.name === text || label(u) === text);
      if (exact) return exact.code;
      if (units.length === 1) return units[0].code;
      throw new Error(t(units.length ? 'unitPicker.ambiguous' : 'unitPicker.notFound', { q: text }));
    },
  };
}
