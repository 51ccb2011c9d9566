// The agent's session in this browser tab (sessionStorage): token, expiry and who they are.

import { toMillis } from './logic.js';

export const AUTH_KEY = 'sportello-console:auth';

/** The saved session, or null when there is none, it is unreadable or it has expired. */
export function loadAuth(storage, now = Date.now()) {
  try {
    const a = JSON.parse(storage.getItem(AUTH_KEY) || 'null');
    if (a && a.token && a.agent && (!a.expires_at || toMillis(a.expires_at) > now)) return a;
  } catch {
    /* no storage or a corrupt entry: log in again */
  }
  return null;
}

/** Save the session (null forgets it). */
export function saveAuth(storage, auth) {
  try {
    if (auth) storage.setItem(AUTH_KEY, JSON.stringify(auth));
    else storage.removeItem(AUTH_KEY);
  } catch {
    /* private mode: the session lasts as long as the page */
  }
}
