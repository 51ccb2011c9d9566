// The transfer form: another online agent with room, and an optional note for them.

import { t, label } from './strings.js';
import { h } from './dom.js';

/**
 * @param {Document} doc
 * @param {{agents: Array<{id: string, name: string, presence: string, capacity: number, load: number}>,
 *   transfer: (agentId: string, note: string) => Promise<void>, cancel: () => void}} o
 */
export function transferForm(doc, { agents, transfer, cancel }) {
  if (!agents.length) return h(doc, 'p', {}, t('noAgents'));
  const select = h(
    doc,
    'select',
    { id: 'c-transfer-agent' },
    agents.map((a) => {
      const full = a.load >= a.capacity;
      return h(
        doc,
        'option',
        { value: a.id, disabled: a.presence === 'offline' || full },
        t('agentOption', { name: a.name, status: label('presence', a.presence) }) + (full ? ` — ${t('agentFull')}` : ''),
      );
    }),
  );
  const note = h(doc, 'textarea', { id: 'c-transfer-note', rows: '2', maxlength: '2000' });
  return h(
    doc,
    'form',
    {
      class: 'c-transfer-form',
      onsubmit: (e) => {
        e.preventDefault();
        transfer(select.value, note.value.trim());
      },
    },
    h(doc, 'label', { for: 'c-transfer-agent' }, t('transferTo')),
    select,
    h(doc, 'label', { for: 'c-transfer-note' }, t('transferNote')),
    note,
    h(
      doc,
      'div',
      { class: 'c-row' },
      h(doc, 'button', { type: 'submit', class: 'c-btn c-btn--primary' }, t('transferSend')),
      h(doc, 'button', { type: 'button', class: 'c-btn', onclick: () => cancel() }, t('transferCancel')),
    ),
  );
}
