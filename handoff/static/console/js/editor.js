// What an editor's account sees: the console is for conversations, their account is for the
// assistant's content. No lists, no socket (the hub would refuse both), a way out.

import { S, t } from './strings.js';
import { h } from './dom.js';
import { initials } from '../shared/text.js';
import { roleLabel } from './roles.js';

/**
 * @param {Document} doc
 * @param {{me: {name?: string, email?: string, role?: string}, logout: () => void}} o
 * @returns {{root: HTMLElement, focus: () => void}}
 */
export function editorView(doc, { me, logout }) {
  const title = h(doc, 'h2', { id: 'c-editor-title', tabindex: '-1' }, t('editorTitle'));
  const root = h(
    doc,
    'div',
    { class: 'c-shell c-shell--editor' },
    h(
      doc,
      'header',
      { class: 'c-top' },
      h(doc, 'div', { class: 'c-brand' }, h(doc, 'h1', {}, S.appName)),
      h(doc, 'span', { class: 'c-me' }, h(doc, 'span', { class: 'c-avatar', 'aria-hidden': 'true' }, initials(me.name)), me.name || me.email || ''),
      h(doc, 'button', { type: 'button', class: 'c-btn c-btn--ghost', onclick: () => logout() }, t('logout')),
    ),
    h(
      doc,
      'main',
      { class: 'c-notice-wrap' },
      h(
        doc,
        'section',
        { class: 'c-notice c-editor-notice', 'aria-labelledby': 'c-editor-title' },
        title,
        h(doc, 'p', {}, t('editorText', { role: roleLabel('editor') })),
        h(doc, 'p', { class: 'c-muted' }, t('editorHint')),
        h(doc, 'button', { type: 'button', class: 'c-btn c-btn--primary', id: 'c-editor-logout', onclick: () => logout() }, t('logout')),
      ),
    ),
  );
  return { root, focus: () => title.focus() };
}
