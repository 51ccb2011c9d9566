// Persistent widget state: one JSON document under one prefixed localStorage key, so a reload or
// another tab of the same site finds the same conversation. Storage failures (private mode, quota,
// disabled cookies) degrade to in-memory state instead of breaking the widget.

export const STORAGE_PREFIX = 'sportello:';

/** The key for one hub: two hubs embedded on one site never share a conversation. */
export function storageKey(hubUrl) {
  return `${STORAGE_PREFIX}v1:${hubUrl}`;
}

/** @returns {{conversation_id: string|null, token: string|null, visitor_token: string|null,
 *   last_event_id: string|null, read_id: string|null, outbox: Array<{client_id: string, text: string, payload?: string}>}} */
export function emptyState() {
  return {
    conversation_id: null,
    token: null,
    visitor_token: null,
    last_event_id: null,
    read_id: null,
    outbox: [],
  };
}

/** Parse stored JSON defensively: anything malformed becomes a clean state (visitor kept if valid). */
export function parseState(raw) {
  const state = emptyState();
  if (typeof raw !== 'string' || raw === '') return state;
  let data;
  try {
    data = JSON.parse(raw);
  } catch {
    return state;
  }
  if (!data || typeof data !== 'object') return state;
  for (const k of ['conversation_id', 'token', 'visitor_token', 'last_event_id', 'read_id']) {
    if (typeof data[k] === 'string' && data[k]) state[k] = data[k];
  }
  if (!state.conversation_id || !state.token) {
    state.conversation_id = null;
    state.token = null;
    state.last_event_id = null;
    state.read_id = null;
  }
  if (Array.isArray(data.outbox)) {
    state.outbox = data.outbox.filter(
      (m) =>
        m &&
        typeof m.client_id === 'string' &&
        typeof m.text === 'string' &&
        (m.payload === undefined || typeof m.payload === 'string'),
    );
  }
  return state;
}

/**
 * A small store over a Storage-like object ({getItem, setItem, removeItem}).
 * `win` (optional) is where "storage" events from other tabs arrive; listeners get the new state.
 */
export function createStore({ storage, key, win } = {}) {
  let memory = emptyState();
  const listeners = new Set();

  function read() {
    if (!storage) return memory;
    try {
      memory = parseState(storage.getItem(key));
    } catch {
      /* storage unavailable: keep memory */
    }
    return memory;
  }

  function write(state) {
    memory = state;
    if (!storage) return;
    try {
      storage.setItem(key, JSON.stringify(state));
    } catch {
      /* quota or disabled storage: memory only */
    }
  }

  function onStorage(ev) {
    if (ev.key !== key) return;
    memory = parseState(ev.newValue);
    for (const fn of listeners) fn(memory);
  }

  if (win && typeof win.addEventListener === 'function') win.addEventListener('storage', onStorage);

  return {
    get: () => read(),
    /** Apply a change to the freshest stored state (another tab may have written since). */
    update(fn) {
      const next = { ...read() };
      next.outbox = [...next.outbox];
      const result = fn(next) || next;
      write(result);
      return result;
    },
    clearConversation() {
      return this.update((s) => ({ ...emptyState(), visitor_token: s.visitor_token }));
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    destroy() {
      listeners.clear();
      if (win && typeof win.removeEventListener === 'function')
        win.removeEventListener('storage', onStorage);
    },
  };
}
