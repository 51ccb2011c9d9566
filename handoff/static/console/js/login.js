// The login view: e-mail and password; the same message for every refusal.

import { t } from './strings.js';
import { h } from './dom.js';

/**
 * @param {Document} doc
 * @param {{message?: string, login: (email: string, password: string) => Promise<void>, onGesture?: () => void}} o
 *   `login` rejects with an error carrying the HTTP `status` when the hub refuses.
 */
export function loginView(doc, { message = '', login, onGesture = () => {} }) {
  const error = h(doc, 'p', { class: 'c-error', role: 'alert', id: 'login-error' }, message);
  const email = h(doc, 'input', { id: 'login-email', type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h(doc, 'input', { id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = h(doc, 'button', { type: 'submit', class: 'c-btn c-btn--primary' }, t('login'));
  const form = h(
    doc,
    'form',
    {
      class: 'c-login',
      'aria-labelledby': 'login-title',
      onsubmit: async (e) => {
        e.preventDefault();
        onGesture();
        submit.disabled = true;
        error.textContent = t('loggingIn');
        try {
          await login(email.value.trim(), password.value);
        } catch (err) {
          const refused = err && [400, 401].includes(err.status);
          error.textContent = refused ? t('loginFailed') : t('loginError');
          submit.disabled = false;
          password.focus();
        }
      },
    },
    h(doc, 'h1', { id: 'login-title' }, t('loginTitle')),
    h(doc, 'label', { for: 'login-email' }, t('email')),
    email,
    h(doc, 'label', { for: 'login-password' }, t('password')),
    password,
    submit,
    error,
  );
  return { root: h(doc, 'main', { class: 'c-login-wrap' }, form), focus: () => email.focus() };
}
