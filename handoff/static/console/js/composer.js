// The composer: a reply to the customer or an internal note — both only on a conversation assigned
// to you (the hub's policy) — with the canned replies of domain.yml one pick away.

import { t } from './strings.js';
import { h, clear } from './dom.js';

const TYPING_EVERY_MS = 3000;

export class Composer {
  /**
   * @param {Document} doc
   * @param {{canned: () => Array<{text: string}>, reply: (text: string) => Promise<void>,
   *   note: (text: string) => Promise<void>, typing: () => void, now?: () => number}} o
   *   `reply` and `note` reject when the hub refuses; the text is then kept for another try.
   */
  constructor(doc, o) {
    this.doc = doc;
    this.o = o;
    this.now = o.now || Date.now;
    this.canReply = false;
    this.lastTyping = 0;
    this.error = h(doc, 'p', { class: 'c-error', role: 'alert' });
    this.noteToggle = h(doc, 'input', { type: 'checkbox', id: 'c-note-mode', onchange: () => this.applyMode() });
    this.cannedSelect = h(doc, 'select', { id: 'c-canned', 'aria-label': t('canned'), onchange: () => this.insertCanned() });
    this.textarea = h(doc, 'textarea', {
      id: 'c-reply',
      rows: '2',
      maxlength: '4000',
      oninput: () => this.typed(),
      onkeydown: (e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          this.submit();
        }
      },
    });
    this.label = h(doc, 'label', { for: 'c-reply', class: 'c-sr-only' }, t('reply'));
    this.sendBtn = h(doc, 'button', { type: 'submit', class: 'c-btn c-btn--primary' }, t('send'));
    this.notMineText = h(doc, 'span', {}, t('notAssignedToYou'));
    this.notMineRun = null;
    this.notMineAction = h(doc, 'button', { type: 'button', class: 'c-btn c-btn--small', hidden: true, onclick: () => this.notMineRun && this.notMineRun() });
    this.notMine = h(doc, 'p', { class: 'c-composer-state c-muted' }, this.notMineText, ' ', this.notMineAction);
    this.root = h(
      doc,
      'form',
      { class: 'c-composer', onsubmit: (e) => (e.preventDefault(), this.submit()) },
      this.notMine,
      this.label,
      this.textarea,
      h(
        doc,
        'div',
        { class: 'c-composer-foot' },
        h(doc, 'label', { class: 'c-note-toggle' }, this.noteToggle, ' ', t('noteMode')),
        this.cannedSelect,
        this.sendBtn,
      ),
      this.error,
    );
    this.renderCanned();
    this.setCanReply(false);
  }

  get noteMode() {
    return !!this.noteToggle.checked;
  }

  /**
   * Replies and notes need the conversation to be assigned to you; otherwise `why` says what the
   * agent can do instead, with an optional button ({label, run}).
   */
  setCanReply(can, why = t('notAssignedToYou'), action = null) {
    this.canReply = can;
    this.notMine.hidden = can;
    this.notMineText.textContent = why;
    this.notMineAction.hidden = !action;
    this.notMineRun = action ? action.run : null;
    if (action) this.notMineAction.textContent = action.label;
    this.applyMode();
  }

  renderCanned() {
    const canned = this.o.canned();
    clear(this.cannedSelect).appendChild(h(this.doc, 'option', { value: '' }, canned.length ? t('cannedPick') : t('cannedNone')));
    // The canned ids/titles are editor-side names; the agent picks by the words the customer will read.
    canned.forEach((c, i) =>
      this.cannedSelect.appendChild(h(this.doc, 'option', { value: String(i), title: c.text }, c.text.length > 70 ? `${c.text.slice(0, 69)}…` : c.text)),
    );
    this.cannedSelect.disabled = !canned.length;
  }

  insertCanned() {
    const c = this.o.canned()[Number(this.cannedSelect.value)];
    this.cannedSelect.value = '';
    if (!c) return;
    const cur = this.textarea.value;
    this.textarea.value = cur && !cur.endsWith(' ') ? `${cur} ${c.text}` : cur + c.text;
    this.textarea.focus();
  }

  applyMode() {
    const note = this.noteMode;
    this.root.classList.toggle('c-composer--note', note);
    this.textarea.placeholder = note ? t('notePlaceholder') : t('replyPlaceholder');
    this.label.textContent = note ? t('noteMode') : t('reply');
    this.sendBtn.textContent = note ? t('saveNote') : t('send');
    this.sendBtn.disabled = !this.canReply;
    this.cannedSelect.hidden = note;
  }

  typed() {
    if (this.noteMode || !this.canReply) return;
    const now = this.now();
    if (now - this.lastTyping < TYPING_EVERY_MS) return;
    this.lastTyping = now;
    this.o.typing();
  }

  focus() {
    this.textarea.focus();
  }

  async submit() {
    const text = this.textarea.value.trim();
    if (!text) return;
    this.error.textContent = '';
    const note = this.noteMode;
    if (!this.canReply) return;
    this.textarea.value = '';
    this.sendBtn.disabled = true;
    try {
      await (note ? this.o.note(text) : this.o.reply(text));
    } catch {
      if (!this.textarea.value) this.textarea.value = text;
      this.error.textContent = note ? t('noteFailed') : t('sendFailed');
    } finally {
      this.applyMode();
    }
  }
}
