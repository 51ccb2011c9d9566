// The conversation session: starting one over HTTP, building the stream URL, and the event log that
// guarantees every event is shown once and in order (dedupe by stream id, resume from the last id).

import { compareIds } from './shared/ids.js';

/**
 * Accepts each event id once and only moving forward. Events without an id (typing) always pass.
 * `seen` guards against a replay that interleaves with live events; `lastId` is where to resume.
 */
export class EventLog {
  constructor(lastId = null) {
    this.lastId = lastId;
    this.seen = new Set();
  }

  /** @returns {boolean} true when the event is new and should be shown */
  accept(event) {
    if (!event || typeof event !== 'object') return false;
    const id = event.id;
    if (id === undefined || id === null || id === '') return event.type === 'typing';
    const key = String(id);
    if (this.seen.has(key)) return false;
    if (this.lastId !== null && compareIds(key, this.lastId) <= 0) return false;
    this.seen.add(key);
    if (this.seen.size > 2000) this.seen.delete(this.seen.values().next().value);
    this.lastId = key;
    return true;
  }

  /** Filter and sort a batch (e.g. from GET /events) into the order to render. */
  acceptBatch(events) {
    const withIds = (Array.isArray(events) ? events : []).filter((e) => e && e.id != null);
    withIds.sort((x, y) => compareIds(x.id, y.id));
    return withIds.filter((e) => this.accept(e));
  }
}

/** Normalise the hub URL given in data-hub (absolute, or relative to the page) without a trailing slash. */
export function normaliseHub(hub, pageHref) {
  const url = new URL(hub || '/', pageHref);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`sportello: data-hub must be an http(s) URL, got "${hub}"`);
  }
  url.search = '';
  url.hash = '';
  return url.href.replace(/\/+$/, '');
}

/** ws:// or wss:// stream URL for a conversation, resuming after `after` when given. */
export function streamUrl(hub, conversationId, token, after) {
  const url = new URL(`${hub}/v1/conversations/${encodeURIComponent(conversationId)}/stream`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('token', token);
  if (after) url.searchParams.set('after', after);
  return url.href;
}

export class HttpError extends Error {
  constructor(status, body) {
    super(`sportello: hub answered ${status}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * Start a conversation: POST {hub}/v1/conversations → {conversation_id, token, visitor_token};
 * `customerToken` is the shop's signed token of a signed-in customer, when the page gave one.
 * @param {typeof fetch} fetchFn
 */
export async function startConversation(fetchFn, hub, visitorToken, customerToken) {
  const body = visitorToken ? { visitor_token: visitorToken } : {};
  if (customerToken) body.customer_token = customerToken; // a signed-in customer (the shop's token)
  const data = await postForConversation(fetchFn, `${hub}/v1/conversations`, body);
  return {
    conversation_id: data.conversation_id,
    token: data.token,
    visitor_token: typeof data.visitor_token === 'string' ? data.visitor_token : visitorToken || null,
  };
}

/** The parameter of a link from an e-mail that reopens a conversation (`?sportello=<token>`). */
export const RESUME_PARAM = 'sportello';

/**
 * Exchange a link's token for the conversation it reopens (POST /v1/conversations/resume).
 * A forged or expired link is an HttpError 401.
 */
export async function resumeConversation(fetchFn, hub, link) {
  const data = await postForConversation(fetchFn, `${hub}/v1/conversations/resume`, { link });
  // the browser keeps its own visitor token: a link opens one conversation, nothing else
  return { conversation_id: data.conversation_id, token: data.token };
}

/** POST `body`; the hub's answer naming a conversation and its token, else HttpError / Error. */
async function postForConversation(fetchFn, url, body) {
  const res = await fetchFn(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'omit',
  });
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) throw new HttpError(res.status, data);
  if (!data || typeof data.conversation_id !== 'string' || typeof data.token !== 'string') {
    throw new Error('sportello: malformed conversation from the hub');
  }
  return data;
}

/** GET the events after `after` over plain HTTP (used as a fallback and for catch-up). */
export async function fetchEvents(fetchFn, hub, conversationId, token, after) {
  const url = new URL(`${hub}/v1/conversations/${encodeURIComponent(conversationId)}/events`);
  if (after) url.searchParams.set('after', after);
  const res = await fetchFn(url.href, {
    headers: { Authorization: `Bearer ${token}` },
    credentials: 'omit',
  });
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) throw new HttpError(res.status, data);
  return Array.isArray(data) ? data : Array.isArray(data?.events) ? data.events : [];
}
