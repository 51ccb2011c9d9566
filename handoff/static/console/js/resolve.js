// The question the resolve button asks before it acts: how the case ended (the hub stores it as
// `outcome`), and a warning when the customer's last message has no answer from a person yet.

import { t } from './strings.js';
import { h } from './dom.js';
import { OUTCOMES } from './logic.js';

/**
 * @param {Document} doc
 * @param {{outcome: string, awaiting: boolean, pick: (outcome: string) => void, cancel: () => void}} o
 * @returns {{root: HTMLElement, setAwaiting: (b: boolean) => void}}
 */
export function resolveQuestion(doc, { outcome, awaiting, pick, cancel }) {
  const warning = h(doc, 'p', { class: 'c-warning c-resolve-warning', role: 'alert', hidden: !awaiting }, t('resolveWarning'));
  const choices = OUTCOMES.map((value) => {
    const input = h(doc, 'input', { type: 'radio', name: 'c-outcome', id: `c-outcome-${value}`, value, onchange: () => pick(value) });
    input.checked = value === outcome;
    return h(doc, 'label', { class: 'c-choice', for: `c-outcome-${value}` }, input, ' ', t(`outcome_${value}`));
  });
  const root = h(
    doc,
    'div',
    { class: 'c-resolve-question' },
    warning,
    h(doc, 'fieldset', { class: 'c-outcome' }, h(doc, 'legend', {}, t('outcomeLegend')), choices),
    h(doc, 'p', { class: 'c-muted c-hint' }, t('resolveHint')),
    h(doc, 'div', { class: 'c-buttons-row' }, h(doc, 'button', { type: 'button', class: 'c-btn', onclick: () => cancel() }, t('resolveCancel'))),
  );
  return {
    root,
    setAwaiting: (b) => {
      warning.hidden = !b;
    },
  };
}
