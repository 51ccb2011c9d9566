// The supervisor's "Squadra" page: every account with role, skills, capacity, presence, load and
// state; add an account, change skills/capacity/role, disable or enable, set a new password; and the
// conversations in progress, each opened in the console (where a supervisor can reassign it).
// What the hub refuses is said next to the form (roles.js errorText), and nothing changes.

import { t } from './strings.js';
import { h, clear } from './dom.js';
import { formatWait, labelled, listOf, toMillis } from './logic.js';
import {
  ROLES, editBody, errorText, loadText, newAccountBody, passwordBody, presenceKey, presenceLabel, roleLabel, roleOf,
  skillsText, sortTeam, CAPACITY_MAX, CAPACITY_MIN, PASSWORD_MIN,
} from './roles.js';

/** A DOM id part from an account id (ids are the hub's; only safe characters are kept). */
const safe = (v) => String(v).replace(/[^\w-]/g, '_');

export class TeamView {
  /**
   * @param {Document} doc
   * @param {{api: any, me: {id: string}, open: (conversationId: string) => void, now?: () => number}} o
   *   `open`: show a conversation in the console
   */
  constructor(doc, { api, me, open, now = () => Date.now() }) {
    this.doc = doc;
    this.api = api;
    this.me = me;
    this.open = open;
    this.now = now;
    this.accounts = [];
    this.ongoing = [];
    this.form = null; // the open inline form: {id, kind: 'edit'|'password', row: <tr>}
    this.confirming = null; // the account whose "Disattiva" asks for a second click
    this.loading = null;
    const d = doc;
    this.title = h(d, 'h2', { id: 'team-title', tabindex: '-1' }, t('teamTitle'));
    this.statusEl = h(d, 'p', { class: 'c-page-status', role: 'status', id: 'team-status' });
    this.errorEl = h(d, 'p', { class: 'c-error', role: 'alert', id: 'team-error' });
    this.addBtn = h(
      d,
      'button',
      { type: 'button', class: 'c-btn c-btn--primary', id: 'team-add-toggle', 'aria-expanded': 'false', 'aria-controls': 'team-add', onclick: () => this.toggleAdd() },
      t('teamAdd'),
    );
    this.addForm = this.buildAddForm();
    this.tbody = h(d, 'tbody', {});
    this.table = h(
      d,
      'table',
      { class: 'c-table c-team-table', id: 'team-table' },
      h(d, 'caption', { class: 'c-sr-only' }, t('teamTitle')),
      h(
        d,
        'thead',
        {},
        h(
          d,
          'tr',
          {},
          ['teamName', 'teamEmail', 'teamRole', 'teamSkills', 'teamCapacity', 'teamPresence', 'teamLoad', 'teamState', 'teamActions'].map((k) => h(d, 'th', { scope: 'col' }, t(k))),
        ),
      ),
      this.tbody,
    );
    this.emptyEl = h(d, 'p', { class: 'c-muted', hidden: true }, t('teamEmpty'));
    this.ongoingEl = h(d, 'div', { class: 'c-team-ongoing-body' });
    this.root = h(
      d,
      'section',
      { class: 'c-page c-team', id: 'page-team', 'aria-labelledby': 'team-title' },
      h(
        d,
        'div',
        { class: 'c-page-head' },
        this.title,
        h(d, 'p', { class: 'c-muted' }, t('teamIntro')),
        h(d, 'div', { class: 'c-buttons-row' }, this.addBtn, h(d, 'button', { type: 'button', class: 'c-btn', id: 'team-refresh', onclick: () => this.refresh() }, t('teamRefresh'))),
      ),
      this.statusEl,
      this.errorEl,
      this.addForm.root,
      h(d, 'div', { class: 'c-table-wrap' }, this.table),
      this.emptyEl,
      h(
        d,
        'section',
        { class: 'c-team-ongoing', 'aria-labelledby': 'team-ongoing-title' },
        h(d, 'h3', { id: 'team-ongoing-title' }, t('teamOngoing')),
        h(d, 'p', { class: 'c-muted c-hint' }, t('teamOngoingHint')),
        this.ongoingEl,
      ),
    );
  }

  focus() {
    this.title.focus();
  }

  /** Ask the hub again: the accounts and everyone's conversations in progress. */
  async refresh() {
    if (this.loading) return this.loading;
    this.loading = (async () => {
      if (!this.accounts.length) this.say(t('teamLoading'));
      try {
        this.accounts = sortTeam(listOf(await this.api.team(), 'agents'));
        if (this.statusEl.textContent === t('teamLoading')) this.say('');
        if (this.errorEl.textContent === t('teamLoadFailed')) this.errorEl.textContent = '';
      } catch {
        this.say(t('teamLoadFailed'), true);
      }
      try {
        this.ongoing = listOf(await this.api.allAssigned(), 'conversations');
      } catch {
        /* keep what was shown */
      }
      this.render();
    })();
    try {
      await this.loading;
    } finally {
      this.loading = null;
    }
  }

  /** A confirmation (role status) or, with `error`, what went wrong (role alert). */
  say(text, error = false) {
    this.statusEl.textContent = error ? '' : text;
    this.errorEl.textContent = error ? text : '';
  }

  // ------------------------------------------------------------ the table
  render() {
    const d = this.doc;
    clear(this.tbody);
    this.emptyEl.hidden = this.accounts.length > 0;
    for (const a of this.accounts) {
      const self = String(a.id) === String(this.me.id);
      const key = safe(a.id);
      const actions = h(d, 'div', { class: 'c-buttons-row' });
      const editOpen = this.form && this.form.id === a.id && this.form.kind === 'edit';
      const passwordOpen = this.form && this.form.id === a.id && this.form.kind === 'password';
      actions.appendChild(
        h(
          d,
          'button',
          {
            type: 'button',
            class: 'c-btn c-btn--small',
            'data-team-action': 'edit',
            'aria-expanded': String(!!editOpen),
            'aria-controls': `team-form-${key}`,
            'aria-label': t('teamEditLabel', { name: a.name }),
            onclick: () => this.toggleForm(a, 'edit'),
          },
          t('teamEdit'),
        ),
      );
      if (!self) {
        const confirming = !a.disabled && this.confirming === a.id;
        actions.appendChild(
          h(
            d,
            'button',
            {
              type: 'button',
              class: `c-btn c-btn--small${a.disabled ? '' : ' c-btn--danger'}`,
              'data-team-action': a.disabled ? 'enable' : 'disable',
              'data-confirm': confirming ? '1' : null,
              'aria-label': confirming ? null : t(a.disabled ? 'teamEnableLabel' : 'teamDisableLabel', { name: a.name }),
              onclick: () => this.toggleDisabled(a),
            },
            confirming ? t('teamDisableConfirm') : t(a.disabled ? 'teamEnable' : 'teamDisable'),
          ),
        );
      }
      actions.appendChild(
        h(
          d,
          'button',
          {
            type: 'button',
            class: 'c-btn c-btn--small',
            'data-team-action': 'password',
            'aria-expanded': String(!!passwordOpen),
            'aria-controls': `team-form-${key}`,
            'aria-label': t('teamPasswordLabel', { name: a.name }),
            onclick: () => this.toggleForm(a, 'password'),
          },
          t('teamPassword'),
        ),
      );
      const presence = presenceKey(a.presence);
      this.tbody.appendChild(
        h(
          d,
          'tr',
          { 'data-agent-id': a.id, 'data-email': a.email, class: a.disabled ? 'c-team-row c-team-row--disabled' : 'c-team-row' },
          h(d, 'th', { scope: 'row', class: 'c-team-name' }, a.name || '', self ? ` ${t('teamYou')}` : ''),
          h(d, 'td', { class: 'c-team-email' }, a.email || ''),
          h(d, 'td', { class: 'c-team-role' }, roleLabel(roleOf(a))),
          h(d, 'td', { class: 'c-team-skills' }, roleOf(a) === 'editor' ? t('teamNoLoad') : skillsText(a.skills)),
          h(d, 'td', { class: 'c-team-capacity c-num' }, roleOf(a) === 'editor' ? t('teamNoLoad') : String(a.capacity ?? '')),
          h(d, 'td', { class: 'c-team-presence' }, h(d, 'span', { class: `c-pill c-pill--${presence}` }, presenceLabel(a.presence))),
          h(d, 'td', { class: 'c-team-load c-num' }, loadText(a)),
          h(d, 'td', { class: 'c-team-state' }, a.disabled ? h(d, 'span', { class: 'c-pill c-pill--disabled' }, t('teamDisabled')) : t('teamActive')),
          h(d, 'td', { class: 'c-team-actions' }, actions),
        ),
      );
      if (this.form && this.form.id === a.id) this.tbody.appendChild(this.form.row);
    }
    if (this.form && !this.accounts.some((a) => a.id === this.form.id)) this.form = null;
    this.renderOngoing();
  }

  renderOngoing() {
    const d = this.doc;
    clear(this.ongoingEl);
    if (!this.ongoing.length) {
      this.ongoingEl.appendChild(h(d, 'p', { class: 'c-muted' }, t('teamOngoingEmpty')));
      return;
    }
    const now = this.now();
    this.ongoingEl.appendChild(
      h(
        d,
        'div',
        { class: 'c-table-wrap' },
        h(
          d,
          'table',
          { class: 'c-table', id: 'team-ongoing' },
          h(d, 'thead', {}, h(d, 'tr', {}, ['teamCustomer', 'teamAgent', 'teamProblem', 'teamSince', 'teamActions'].map((k) => h(d, 'th', { scope: 'col' }, t(k))))),
          h(
            d,
            'tbody',
            {},
            this.ongoing.map((c) => {
              const name = c.customer_name || t('unknownCustomer');
              const since = toMillis(c.handoff_at ?? c.created_at);
              return h(
                d,
                'tr',
                { 'data-conversation-id': c.id },
                h(d, 'th', { scope: 'row' }, name),
                h(d, 'td', {}, (c.agent && c.agent.name) || ''),
                h(d, 'td', {}, labelled(c.problem_label, c.problem_type)),
                h(d, 'td', {}, Number.isNaN(since) ? '' : formatWait(since, now)),
                h(
                  d,
                  'td',
                  {},
                  h(d, 'button', { type: 'button', class: 'c-btn c-btn--small', 'aria-label': t('teamOpenLabel', { name }), onclick: () => this.open(c.id) }, t('teamOpen')),
                ),
              );
            }),
          ),
        ),
      ),
    );
  }

  // ------------------------------------------------------------ adding an account
  toggleAdd(show = this.addForm.root.hidden) {
    this.addForm.root.hidden = !show;
    this.addBtn.setAttribute('aria-expanded', String(show));
    if (show) this.addForm.fields.email.focus();
  }

  buildAddForm() {
    const d = this.doc;
    const field = (id, type, attrs = {}) => h(d, 'input', { id, type, name: id, ...attrs });
    const fields = {
      email: field('team-add-email', 'email', { required: true, autocomplete: 'off' }),
      name: field('team-add-name', 'text', { required: true, maxlength: '80', autocomplete: 'off' }),
      password: field('team-add-password', 'password', { required: true, minlength: String(PASSWORD_MIN), autocomplete: 'new-password', 'aria-describedby': 'team-add-password-hint' }),
      role: h(d, 'select', { id: 'team-add-role', name: 'role' }, ROLES.map((r) => h(d, 'option', { value: r, selected: r === 'agent' }, roleLabel(r)))),
      skills: field('team-add-skills', 'text', { 'aria-describedby': 'team-add-skills-hint', autocomplete: 'off' }),
      capacity: field('team-add-capacity', 'number', { min: String(CAPACITY_MIN), max: String(CAPACITY_MAX), step: '1', 'aria-describedby': 'team-add-capacity-hint' }),
      gender: h(d, 'select', { id: 'team-add-gender', name: 'gender', 'aria-describedby': 'team-add-gender-hint' }, ['', 'f', 'm'].map((g) => h(d, 'option', { value: g }, t(`gender_${g || 'none'}`)))),
    };
    fields.capacity.value = '3';
    const error = h(d, 'p', { class: 'c-error', role: 'alert', id: 'team-add-error' });
    const submit = h(d, 'button', { type: 'submit', class: 'c-btn c-btn--primary' }, t('teamAddSubmit'));
    const hint = (id, key) => h(d, 'p', { class: 'c-muted c-hint', id }, t(key));
    const row = (id, text, input, help) => h(d, 'div', { class: 'c-field' }, h(d, 'label', { for: id }, text), input, help || null);
    const root = h(
      d,
      'form',
      {
        class: 'c-form c-team-add',
        id: 'team-add',
        hidden: true,
        'aria-labelledby': 'team-add-title',
        novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          const values = Object.fromEntries(Object.entries(fields).map(([k, el]) => [k, el.value]));
          const made = newAccountBody(values);
          if (made.error) {
            error.textContent = t(made.error);
            return;
          }
          error.textContent = '';
          submit.disabled = true;
          try {
            const res = await this.api.addAccount(made.body);
            const agent = (res && res.agent) || made.body;
            for (const k of ['email', 'name', 'password', 'skills']) fields[k].value = '';
            fields.capacity.value = '3';
            fields.role.value = 'agent';
            fields.gender.value = '';
            this.toggleAdd(false);
            this.say(t('teamAdded', { name: agent.name }));
            await this.refresh();
            this.addBtn.focus();
          } catch (err) {
            error.textContent = errorText(err);
          } finally {
            submit.disabled = false;
          }
        },
      },
      h(d, 'h3', { id: 'team-add-title' }, t('teamAddTitle')),
      h(
        d,
        'div',
        { class: 'c-form-grid' },
        row('team-add-email', t('teamEmail'), fields.email),
        row('team-add-name', t('teamName'), fields.name),
        row('team-add-password', t('teamAccountPassword'), fields.password, hint('team-add-password-hint', 'teamPasswordHint')),
        row('team-add-role', t('teamRole'), fields.role),
        row('team-add-skills', t('teamSkillsField'), fields.skills, hint('team-add-skills-hint', 'teamSkillsHint')),
        row('team-add-capacity', t('teamCapacityField'), fields.capacity, hint('team-add-capacity-hint', 'teamCapacityHint')),
        row('team-add-gender', t('teamGender'), fields.gender, hint('team-add-gender-hint', 'teamGenderHint')),
      ),
      error,
      h(d, 'div', { class: 'c-buttons-row' }, submit, h(d, 'button', { type: 'button', class: 'c-btn', onclick: () => (this.toggleAdd(false), this.addBtn.focus()) }, t('teamCancel'))),
    );
    return { root, fields, error };
  }

  // ------------------------------------------------------------ changing an account
  toggleForm(account, kind) {
    this.confirming = null;
    if (this.form && this.form.id === account.id && this.form.kind === kind) {
      this.closeForm(account, kind);
      return;
    }
    this.form = { id: account.id, kind, row: kind === 'edit' ? this.editRow(account) : this.passwordRow(account) };
    this.render();
    const first = this.form.row.querySelector('input, select');
    if (first) first.focus();
  }

  /** Close the inline form; focus goes back to the button that opened it. */
  closeForm(account, kind) {
    this.form = null;
    this.render();
    const row = this.rowOf(account.id);
    const button = row && row.querySelector(`[data-team-action="${kind}"]`);
    if (button) button.focus();
  }

  rowOf(id) {
    return Array.from(this.tbody.children).find((r) => r.getAttribute('data-agent-id') === String(id)) || null;
  }

  /** A table row holding a form under the account's row. */
  formRow(account, titleText, body, onsubmit) {
    const d = this.doc;
    const key = safe(account.id);
    const error = h(d, 'p', { class: 'c-error', role: 'alert', id: `team-form-error-${key}` });
    const submit = body.submit;
    const form = h(
      d,
      'form',
      {
        class: 'c-form c-team-form',
        'aria-labelledby': `team-form-title-${key}`,
        novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          error.textContent = '';
          submit.disabled = true;
          try {
            await onsubmit(error);
          } finally {
            submit.disabled = false;
          }
        },
      },
      h(d, 'h3', { id: `team-form-title-${key}` }, titleText),
      h(d, 'div', { class: 'c-form-grid' }, body.fields),
      error,
      h(d, 'div', { class: 'c-buttons-row' }, submit, h(d, 'button', { type: 'button', class: 'c-btn', onclick: () => this.closeForm(account, this.form ? this.form.kind : 'edit') }, t('teamCancel'))),
    );
    return h(d, 'tr', { class: 'c-team-form-row', id: `team-form-${key}` }, h(d, 'td', { colspan: '9' }, form));
  }

  editRow(account) {
    const d = this.doc;
    const key = safe(account.id);
    const self = String(account.id) === String(this.me.id);
    const skills = h(d, 'input', { id: `team-edit-skills-${key}`, type: 'text', autocomplete: 'off', 'aria-describedby': `team-edit-skills-hint-${key}` });
    skills.value = (account.skills || []).join(', ');
    const capacity = h(d, 'input', {
      id: `team-edit-capacity-${key}`,
      type: 'number',
      min: String(CAPACITY_MIN),
      max: String(CAPACITY_MAX),
      step: '1',
      'aria-describedby': `team-edit-capacity-hint-${key}`,
    });
    capacity.value = String(account.capacity ?? '');
    const role = h(
      d,
      'select',
      { id: `team-edit-role-${key}`, disabled: self },
      ROLES.map((r) => h(d, 'option', { value: r, selected: r === roleOf(account) }, roleLabel(r))),
    );
    role.value = roleOf(account);
    const field = (el, text, hintKey) =>
      h(d, 'div', { class: 'c-field' }, h(d, 'label', { for: el.id }, text), el, hintKey ? h(d, 'p', { class: 'c-muted c-hint', id: el.getAttribute('aria-describedby') }, t(hintKey)) : null);
    const submit = h(d, 'button', { type: 'submit', class: 'c-btn c-btn--primary' }, t('teamSave'));
    return this.formRow(
      account,
      t('teamEditTitle', { name: account.name }),
      { fields: [field(skills, t('teamSkillsField'), 'teamSkillsHint'), field(capacity, t('teamCapacityField'), 'teamCapacityHint'), field(role, t('teamRole'))], submit },
      async (error) => {
        const made = editBody(account, { skills: skills.value, capacity: capacity.value, role: role.value });
        if (made.error) {
          error.textContent = t(made.error);
          return;
        }
        try {
          if (Object.keys(made.body).length) await this.api.updateAccount(account.id, made.body);
          this.form = null;
          this.say(t('teamSaved', { name: account.name }));
          await this.refresh();
        } catch (err) {
          error.textContent = errorText(err);
        }
      },
    );
  }

  passwordRow(account) {
    const d = this.doc;
    const key = safe(account.id);
    const password = h(d, 'input', { id: `team-password-${key}`, type: 'password', minlength: String(PASSWORD_MIN), autocomplete: 'new-password', required: true });
    const submit = h(d, 'button', { type: 'submit', class: 'c-btn c-btn--primary' }, t('teamPasswordSave'));
    return this.formRow(
      account,
      t('teamPasswordTitle', { name: account.name }),
      { fields: [h(d, 'div', { class: 'c-field' }, h(d, 'label', { for: password.id }, t('teamPasswordField')), password)], submit },
      async (error) => {
        const made = passwordBody(password.value);
        if (made.error) {
          error.textContent = t(made.error);
          return;
        }
        try {
          await this.api.setPassword(account.id, made.body.password);
          password.value = '';
          this.form = null;
          this.say(t('teamPasswordDone', { name: account.name }));
          await this.refresh();
        } catch (err) {
          error.textContent = errorText(err);
        }
      },
    );
  }

  /** Disabling asks for a second click (it signs the account's consoles out); enabling does not. */
  async toggleDisabled(account) {
    if (!account.disabled && this.confirming !== account.id) {
      this.confirming = account.id;
      this.render();
      const button = this.rowOf(account.id) && this.rowOf(account.id).querySelector('[data-team-action="disable"]');
      if (button) button.focus();
      return;
    }
    this.confirming = null;
    const disabled = !account.disabled;
    try {
      await this.api.updateAccount(account.id, { disabled });
      this.say(t(disabled ? 'teamDisabledDone' : 'teamEnabledDone', { name: account.name }));
    } catch (err) {
      this.say(errorText(err), true);
    }
    await this.refresh();
  }
}
