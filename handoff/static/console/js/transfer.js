// The transfer form: another online agent with room, an optional reason the customer reads (in the
// bot's sentence that announces the colleague) and an optional internal note for the colleague.

import { t, label } from './strings.js';
import { h } from './dom.js';

/** The hub accepts at most this many characters of reason (it is shown to the customer). */
export const REASON_MAX = 200;

/**
 * @param {Document} doc
 * @param {{agents: Array<{id: string, name: string, presence: string, capacity: number, load: number}>,
 *   transfer: (agentId: string, note: string, reason: string) => Promise<void>, cancel: () => void}} o
 */
export function transferForm(doc, { agents, transfer, cancel }) {
  const title = h(doc, 'h3', { class: 'c-popover-title', id: 'c-transfer-title' }, t('transferTitle'));
  const cancelBtn = h(doc, 'button', { type: 'button', class: 'c-btn', onclick: () => cancel() }, t('transferCancel'));
  const pickable = (a) => a.presence !== 'offline' && !(a.load >= a.capacity);
  if (!agents.some(pickable)) return h(doc, 'div', { class: 'c-transfer-form' }, title, h(doc, 'p', {}, t('noAgents')), h(doc, 'div', { class: 'c-buttons-row' }, cancelBtn));
  const select = h(
    doc,
    'select',
    { id: 'c-transfer-agent' },
    agents.map((a) => {
      const full = a.load >= a.capacity;
      return h(
        doc,
        'option',
        { value: a.id, disabled: !pickable(a), selected: a === agents.find(pickable) },
        t('agentOption', { name: a.name, status: label('presence', a.presence) }) + (full ? ` — ${t('agentFull')}` : ''),
      );
    }),
  );
  const reason = h(doc, 'input', { type: 'text', id: 'c-transfer-reason', maxlength: String(REASON_MAX), 'aria-describedby': 'c-transfer-reason-hint' });
  const note = h(doc, 'textarea', { id: 'c-transfer-note', rows: '2', maxlength: '2000' });
  return h(
    doc,
    'form',
    {
      class: 'c-transfer-form',
      'aria-labelledby': 'c-transfer-title',
      onsubmit: (e) => {
        e.preventDefault();
        transfer(select.value, note.value.trim(), reason.value.trim());
      },
    },
    title,
    h(doc, 'label', { for: 'c-transfer-agent' }, t('transferTo')),
    select,
    h(doc, 'label', { for: 'c-transfer-reason' }, t('transferReason')),
    reason,
    h(doc, 'p', { class: 'c-muted c-hint', id: 'c-transfer-reason-hint' }, t('transferReasonHint')),
    h(doc, 'label', { for: 'c-transfer-note' }, t('transferNote')),
    note,
    h(doc, 'div', { class: 'c-buttons-row' }, h(doc, 'button', { type: 'submit', class: 'c-btn c-btn--primary' }, t('transferSend')), cancelBtn),
  );
}
