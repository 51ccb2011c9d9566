// A supervisor's "Riassegna": move a conversation from whoever has it to a colleague who takes
// conversations (online or away, with room), with an optional reason the customer reads. What the
// hub refuses is said in the form, and nothing changes.

import { t } from './strings.js';
import { h } from './dom.js';
import { presenceLabel, errorText } from './roles.js';
import { REASON_MAX } from './transfer.js';

/**
 * @param {Document} doc
 * @param {{targets: Array<{id: string, name: string, presence: string, full: boolean, pickable: boolean}>,
 *   reassign: (agentId: string, reason: string) => Promise<void>, cancel: () => void}} o
 *   `targets`: roles.js reassignTargets(); `reassign` rejects with the hub's ApiError.
 */
export function reassignForm(doc, { targets, reassign, cancel }) {
  const title = h(doc, 'h3', { class: 'c-popover-title', id: 'c-reassign-title' }, t('reassignTitle'));
  const cancelBtn = h(doc, 'button', { type: 'button', class: 'c-btn', onclick: () => cancel() }, t('reassignCancel'));
  const first = targets.find((a) => a.pickable);
  if (!first) return h(doc, 'div', { class: 'c-transfer-form c-reassign-form' }, title, h(doc, 'p', {}, t('reassignNone')), h(doc, 'div', { class: 'c-buttons-row' }, cancelBtn));
  const select = h(
    doc,
    'select',
    { id: 'c-reassign-agent' },
    targets.map((a) =>
      h(
        doc,
        'option',
        { value: a.id, disabled: !a.pickable, selected: a === first },
        t('agentOption', { name: a.name, status: presenceLabel(a.presence) }) + (a.full ? ` — ${t('agentFull')}` : ''),
      ),
    ),
  );
  const reason = h(doc, 'input', { type: 'text', id: 'c-reassign-reason', maxlength: String(REASON_MAX), 'aria-describedby': 'c-reassign-reason-hint' });
  const error = h(doc, 'p', { class: 'c-error', role: 'alert', id: 'c-reassign-error' });
  const submit = h(doc, 'button', { type: 'submit', class: 'c-btn c-btn--primary' }, t('reassignSend'));
  return h(
    doc,
    'form',
    {
      class: 'c-transfer-form c-reassign-form',
      'aria-labelledby': 'c-reassign-title',
      onsubmit: async (e) => {
        e.preventDefault();
        error.textContent = '';
        submit.disabled = true;
        try {
          await reassign(select.value, reason.value.trim());
        } catch (err) {
          error.textContent = errorText(err);
          submit.disabled = false;
        }
      },
    },
    title,
    h(doc, 'label', { for: 'c-reassign-agent' }, t('reassignTo')),
    select,
    h(doc, 'label', { for: 'c-reassign-reason' }, t('reassignReason')),
    reason,
    h(doc, 'p', { class: 'c-muted c-hint', id: 'c-reassign-reason-hint' }, t('reassignReasonHint')),
    error,
    h(doc, 'div', { class: 'c-buttons-row' }, submit, cancelBtn),
  );
}
