// Pure logic of the agent console: no DOM, no network, so it is unit-tested with node --test.

import { t, label } from './strings.js';
import { formatDate, formatDateTime, sameDay } from '../shared/datetime.js';

// ---------------------------------------------------------------- time

/**
 * A timestamp in milliseconds from an ISO string, epoch seconds or epoch milliseconds;
 * NaN when there is none. (Seconds vs milliseconds: anything below 1e11 is seconds.)
 */
export function toMillis(v) {
  if (v == null || v === '') return NaN;
  if (typeof v === 'number') return v < 1e11 ? v * 1000 : v;
  if (/^\d+(\.\d+)?$/.test(String(v))) return toMillis(Number(v));
  const ms = Date.parse(String(v));
  return Number.isNaN(ms) ? NaN : ms;
}

/** The time of an event: its ts, or the millisecond part of its stream id. */
export function eventMillis(ev) {
  const ts = toMillis(ev && ev.ts);
  if (!Number.isNaN(ts)) return ts;
  const m = /^(\d{10,})-\d+$/.exec(String(ev && ev.id));
  return m ? Number(m[1]) : NaN;
}

/** "meno di un minuto", "7 min", "1 h 05 min". */
export function formatWait(sinceMs, nowMs) {
  if (Number.isNaN(sinceMs) || Number.isNaN(nowMs)) return '';
  const minutes = Math.floor(Math.max(0, nowMs - sinceMs) / 60000);
  if (minutes < 1) return t('now');
  if (minutes < 60) return t('minutes', { m: minutes });
  return t('hoursMinutes', { h: Math.floor(minutes / 60), m: String(minutes % 60).padStart(2, '0') });
}

/** The console's one date/time format (shared with the widget): "14:05" today, else "24/11/2026, 14:05". */
export function clock(ms, now = Date.now()) {
  return formatDateTime(ms, now);
}

/**
 * A date or time value an order store sends ("2026-11-12", an ISO date-time) in the same format;
 * anything else as it is.
 */
export function displayDate(value, now = Date.now()) {
  const s = String(value ?? '');
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (day) return formatDate(new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])).getTime());
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s)) {
    const ms = Date.parse(s);
    if (!Number.isNaN(ms)) return formatDateTime(ms, now);
  }
  return s;
}

/** How long the customer has waited against the hub's reply targets (seconds): 'ok', 'amber', 'red';
 * '' when nobody waits. */
export function waitLevel(sinceMs, nowMs, targets) {
  if (Number.isNaN(sinceMs) || Number.isNaN(nowMs)) return '';
  const waited = (nowMs - sinceMs) / 1000;
  const target = (v) => (v == null || v === '' ? NaN : Number(v));
  const amber = target(targets && targets.amber);
  const red = target(targets && targets.red);
  if (Number.isFinite(red) && waited > red) return 'red';
  if (Number.isFinite(amber) && waited > amber) return 'amber';
  return 'ok';
}

// ---------------------------------------------------------------- content release

/**
 * The content release live, short for the header — "Contenuti a1b2c3d · 07:43" (the version's
 * content hash, when it was shipped) — and whole for its tooltip; null without a release.
 */
export function contentText(content, now = Date.now()) {
  if (!content || typeof content !== 'object' || !content.version) return null;
  const version = String(content.version);
  const short = version.split('-').pop();
  const at = toMillis(content.shipped_at);
  if (Number.isNaN(at)) return { text: t('contentVersion', { version: short }), title: t('contentTitle', { version }) };
  const date = clock(at, now);
  return { text: t('contentVersionAt', { version: short, date }), title: t('contentTitleAt', { version, date }) };
}

// ---------------------------------------------------------------- tickets

/**
 * The reply promised on a ticket: {text, overdue} — "Risposta entro 23 h 10 min" while there is time
 * left, "Scaduto da 2 h 05 min" once it passed (the hub's `overdue`, or the clock); null without a
 * promise (`reply_by`) or when nobody waits for an answer any more.
 */
export function ticketPromise(c, nowMs) {
  const due = toMillis(c && c.reply_by);
  if (Number.isNaN(due) || Number.isNaN(nowMs)) return null;
  if (Object.prototype.hasOwnProperty.call(c, 'waiting_since') && c.waiting_since == null) return null;
  const overdue = c.overdue === true || nowMs > due;
  const left = Math.max(0, due - nowMs);
  const time = overdue ? formatWait(due, Math.max(nowMs, due)) : formatWait(nowMs - left, nowMs);
  return { overdue, text: t(overdue ? 'ticketOverdue' : 'ticketDue', { time }) };
}

/** Tickets: the oldest hand-off first (the order the promise was made in). Stable for ties. */
export function sortOldestFirst(items) {
  const key = (c) => {
    const ms = toMillis(c.handoff_at ?? c.created_at);
    return Number.isNaN(ms) ? Infinity : ms;
  };
  return [...(items || [])]
    .map((c, i) => ({ c, i }))
    .sort((a, b) => key(a.c) - key(b.c) || a.i - b.i)
    .map((x) => x.c);
}

// ---------------------------------------------------------------- lists

/** Is this priority above normal (worth a visible tag)? The hub sends "normal" or "high". */
export function isHighPriority(p) {
  return p === 'high';
}

/**
 * Since when the customer waits for a person's reply, in ms: the hub's `waiting_since` (NaN when it
 * says nobody waits: null); an older hub without it: the hand-off time, else the creation time.
 */
export function waitingSince(c) {
  if (c && Object.prototype.hasOwnProperty.call(c, 'waiting_since')) return toMillis(c.waiting_since);
  return toMillis(c.handoff_at ?? c.created_at);
}

/**
 * What needs a person first: higher priority, then who has waited longest for a reply (nobody
 * waiting comes last), then the oldest hand-off. Stable for ties.
 */
export function sortByAttention(items) {
  const key = (ms) => (Number.isNaN(ms) ? Infinity : ms);
  const rank = (c) => (isHighPriority(c.priority) ? 0 : 1);
  return [...(items || [])]
    .map((c, i) => ({ c, i }))
    .sort(
      (a, b) =>
        rank(a.c) - rank(b.c) ||
        key(waitingSince(a.c)) - key(waitingSince(b.c)) ||
        key(toMillis(a.c.handoff_at ?? a.c.created_at)) - key(toMillis(b.c.handoff_at ?? b.c.created_at)) ||
        a.i - b.i,
    )
    .map((x) => x.c);
}

/**
 * Queue order: the hub's queue positions when every item has one (who is served next: the hub
 * already weighs priority, then age), otherwise the attention order.
 */
export function sortQueue(items) {
  const list = [...(items || [])];
  if (list.length && list.every((c) => Number.isFinite(c.queue_position))) {
    return list.sort((a, b) => a.queue_position - b.queue_position);
  }
  return sortByAttention(list);
}

// ---------------------------------------------------------------- unread

/**
 * The customer's messages this agent has not read: `customer_count` minus the read mark (the one
 * the console knows, else the hub's `read`); the hub's `unread` when there is no count.
 */
export function unreadCount(c, mark) {
  if (!c) return 0;
  const count = Number(c.customer_count);
  if (!Number.isFinite(count)) return Math.max(0, Number(c.unread) || 0);
  const read = Number.isFinite(mark) ? mark : Number(c.read) || 0;
  return Math.max(0, count - read);
}

/** "Cliente: il tavolo è arrivato…" from the hub's `last_message`; '' when there is none. */
export function previewText(last, max = 80) {
  if (!last || last.text == null || String(last.text).trim() === '') return '';
  const role = ['customer', 'bot', 'agent', 'system'].includes(last.from) ? last.from : 'system';
  const text = String(last.text).replace(/\s+/g, ' ').trim();
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return `${t(`from_${role}`)}: ${cut}`;
}

/** Items whose id was not in `knownIds` (a Set): what just arrived. */
export function newArrivals(knownIds, items) {
  return (items || []).filter((c) => c && c.id != null && !knownIds.has(String(c.id)));
}

/** The tab title: "(3) Nuovo messaggio — base" while things wait for the agent's eyes. `kind`:
 * the latest cue (conversation, message, rating). */
export function titleFor(unseen, base, kind = 'conversation') {
  return unseen > 0 ? `${t('titleCue', { n: unseen, what: t(`cue_${kind}`) })} — ${base}` : base;
}

/** The list under `key` of a hub answer ({conversations: [...]}, {items: [...]}…), else []. */
export function listOf(data, key) {
  return data && Array.isArray(data[key]) ? data[key] : [];
}

/** The label the hub sends with a value (problem_label, mood_label), else the value made readable. */
export function labelled(text, value) {
  if (text) return String(text);
  return value == null || value === '' ? '' : String(value).replace(/_/g, ' ');
}

// ---------------------------------------------------------------- case card

const DONT_ASK_FIELDS = ['order_number', 'problem_type', 'email', 'customer_name', 'description'];

/** "Non chiedere di nuovo: numero d’ordine, problema" from what the bot already gathered; '' if nothing. */
export function dontAskAgain(card) {
  if (!card) return '';
  const present = DONT_ASK_FIELDS.filter((k) => {
    const v = card[k];
    return v != null && String(v).trim() !== '';
  });
  if (!present.length) return '';
  return t('dontAskAgain', { items: present.map((k) => t(`dontAsk_${k}`)).join(', ') });
}

/** Mood with the detector's reasons: "Frustrato (maiuscole, «terza volta»)". */
export function moodText(card) {
  if (!card || !card.mood) return '';
  const name = labelled(card.mood_label, card.mood);
  const reasons = Array.isArray(card.mood_reasons) ? card.mood_reasons.filter(Boolean) : [];
  return reasons.length ? `${name} (${reasons.join(', ')})` : name;
}

/** How to address the customer, with the words that showed it: "Lei — «La ringrazio», «mi può»". */
export function registerText(card) {
  if (!card || (card.register !== 'formal' && card.register !== 'informal')) return '';
  const name = t(`register_${card.register}`);
  const cues = Array.isArray(card.register_cues) ? card.register_cues.filter(Boolean) : [];
  return cues.length ? `${name} — ${cues.join(', ')}` : name;
}

/** Text compared as a reader would: case, spaces and end punctuation do not matter. */
function plain(text) {
  return String(text ?? '')
    .toLowerCase()
    .replace(/[\s\u00a0]+/g, ' ')
    .replace(/[.!?…,;:\s]+$/u, '')
    .trim();
}

/** Does `b` say nothing `a` does not already say (equal, or contained in it)? */
export function sameText(a, b) {
  const x = plain(a);
  const y = plain(b);
  return !!x && !!y && (x === y || x.includes(y));
}

/** What the customer proved (a typed order number or e-mail is a claim), as the agent reads it:
 * how the order was verified, or that it was not; and an open case they named without proof. */
export function verificationText(card) {
  if (!card) return '';
  const parts = [];
  if (card.order_verified) parts.push(t(`verified_${card.order_verified}`));
  // (the hub says `order_verified: null` when the order was not proven; an older card says nothing)
  else if ('order_verified' in card && card.order_number && card.order_number !== '-') parts.push(t('verifiedNot'));
  if (card.claimed_case) parts.push(t('claimedCase', { ticket: card.claimed_case }));
  return parts.join(' · ');
}

/** Rows [label, value] of the case card that have a value, in reading order; the description is
 * left out when it only repeats the customer's own words. */
export function caseRows(card) {
  if (!card) return [];
  const rows = [];
  const add = (key, value) => {
    if (value == null) return;
    const text = Array.isArray(value) ? value.filter((x) => x != null && x !== '').join(' · ') : String(value);
    if (text.trim()) rows.push([t(key), text]);
  };
  add('problem', labelled(card.problem_label, card.problem_type));
  add('orderNumber', card.order_number);
  add('customerName', card.customer_name);
  add('email', card.email);
  add('toCheck', card.to_check);
  add('verification', verificationText(card));
  add('mood', moodText(card));
  add('register', registerText(card));
  // the same story twice (the bot kept the customer's first message as the description) is shown once
  const descriptionRepeats = sameText(card.customer_words, card.description);
  const wordsRepeat = !descriptionRepeats && sameText(card.description, card.customer_words);
  if (!descriptionRepeats) add('description', card.description);
  if (!wordsRepeat) add('customerWords', card.customer_words);
  add('botTried', card.bot_tried);
  add('reason', label('reason', card.reason));
  return rows;
}

/** The collapsed case card in one line: "Merce danneggiata · Ordine 2345678 · Frustrato". */
export function caseSummary(card) {
  if (!card) return '';
  return [
    labelled(card.problem_label, card.problem_type),
    card.order_number ? `${t('orderNumber')} ${card.order_number}` : '',
    card.mood ? labelled(card.mood_label, card.mood) : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

/** An order as [label, value] rows: primitive fields, arrays joined; nested objects flattened one level
 * (a shop's own order API may send items or an address). */
export function orderRows(order) {
  if (!order || typeof order !== 'object') return [];
  const rows = [];
  const show = (v) => {
    if (v == null) return '';
    if (Array.isArray(v)) return v.map(show).filter(Boolean).join(', ');
    if (typeof v === 'object') {
      const inner = v.name ?? v.title ?? v.description ?? v.sku;
      const qty = v.quantity ?? v.qty;
      if (inner != null) return qty != null ? `${inner} × ${qty}` : String(inner);
      return Object.entries(v)
        .map(([k, x]) => `${k}: ${show(x)}`)
        .join(', ');
    }
    return String(v);
  };
  for (const [k, v] of Object.entries(order)) {
    let text;
    if (typeof v === 'boolean') text = v ? t('yes') : t('no');
    else if (k === 'status' && typeof v === 'string') text = label('orderStatus', v);
    else if (typeof v === 'string') text = displayDate(v);
    else text = show(v);
    if (text) rows.push([label('order', k), text]);
  }
  return rows;
}

// ---------------------------------------------------------------- transcript

/**
 * Merge transcript events and internal notes into one timeline sorted by time (stable for ties).
 * Notes become {type: 'note', text, agent, ts}.
 */
export function timeline(transcript, notes) {
  const items = [];
  let seq = 0;
  for (const ev of transcript || []) if (ev && typeof ev === 'object') items.push({ ev, at: eventMillis(ev), seq: seq++ });
  for (const n of notes || []) {
    if (!n || typeof n !== 'object') continue;
    const ev = { ...n, type: 'note' };
    items.push({ ev, at: eventMillis(ev), seq: seq++ });
  }
  items.sort((a, b) => {
    const x = Number.isNaN(a.at) ? Infinity : a.at;
    const y = Number.isNaN(b.at) ? Infinity : b.at;
    return x - y || a.seq - b.seq;
  });
  return items.map((i) => i.ev);
}

/** Accepts each event id once (live events may repeat what the transcript already had). */
export class Seen {
  constructor() {
    this.ids = new Set();
  }
  add(ev) {
    if (!ev) return true;
    // Notes have no stream id: the same note (POST answer and live push) is recognised by time+text.
    const k = ev.id != null ? String(ev.id) : ev.type === 'note' ? `note:${ev.ts}:${ev.text}` : null;
    if (k === null) return true;
    if (this.ids.has(k)) return false;
    this.ids.add(k);
    return true;
  }
}

/** How a transcript entry is shown: role (css), who, text. null for entries not shown (typing, ack). */
export function entryView(ev) {
  switch (ev.type) {
    case 'message': {
      const role = ['customer', 'bot', 'agent', 'system'].includes(ev.from) ? ev.from : 'system';
      let who = t(`from_${role}`);
      if (role === 'agent' && ev.agent && ev.agent.name) who = ev.agent.name;
      const buttons = Array.isArray(ev.buttons) ? ev.buttons.map((b) => b && b.title).filter(Boolean) : [];
      return { role, who, text: ev.text == null ? '' : String(ev.text), buttons };
    }
    case 'note': {
      const name = ev.agent && ev.agent.name;
      return { role: 'note', who: name ? t('internalNote', { name }) : t('internalNoteAnon'), text: String(ev.text ?? '') };
    }
    case 'handoff': {
      let text;
      if (ev.status === 'assigned') text = t('handoffEvent_assigned', { name: (ev.agent && ev.agent.name) || '?' });
      else if (ev.status === 'offline') text = t('handoffEvent_offline', { ticket: ev.ticket_id || '—' });
      else if (ev.status === 'queued') text = t('handoffEvent_queued');
      else text = String(ev.status || '');
      return { role: 'event', who: '', text };
    }
    case 'resolved':
      return { role: 'event', who: '', text: t('resolvedEvent') };
    default:
      return null;
  }
}

/** Is this conversation assigned to me? */
export function isMine(conversation, me) {
  if (!conversation || !me) return false;
  const a = conversation.agent;
  return !!a && a.id != null && String(a.id) === String(me.id);
}

// ---------------------------------------------------------------- the case: state, outcome, rating

export const OUTCOMES = ['solved', 'replacement', 'refund', 'no_reply'];

/** How a case ended, in Italian ('' for none or an unknown value: never an untranslated word). */
export function outcomeLabel(outcome) {
  return OUTCOMES.includes(outcome) ? t(`outcome_${outcome}`) : '';
}

/** "Valutazione 2/5" ('' when not rated). */
export function ratingText(rating) {
  const n = Number(rating);
  return rating != null && Number.isInteger(n) && n >= 1 && n <= 5 ? t('rating', { rating: n }) : '';
}

/** A rating that needs a look (the hub flags ≤ 2 as low). */
export function isLowRating(rating) {
  const n = Number(rating);
  return rating != null && Number.isFinite(n) && n <= 2;
}

/**
 * Where a conversation stands for the header: its hub status, except that a conversation back with
 * the bot after a person is "resolved" (or "merged" when the customer went on in a newer chat).
 */
export function statusKey(conv) {
  const s = (conv && conv.status) || '';
  if (s === 'bot' || s === 'resolved') return conv.merged_into ? 'merged' : 'resolved';
  return s;
}

/**
 * The customer's other cases, one clean entry each (newest first as the hub sends them, duplicates
 * dropped): what the console shows in the history timeline.
 * @returns {Array<{id: string, date: string, problem: string, order: string, details: string[]}>}
 */
export function historyEntries(history, now = Date.now()) {
  // the hub's list of cases; an older hub's {conversations, tickets} is read too
  const raw = Array.isArray(history) ? history : [...listOf(history, 'conversations'), ...listOf(history, 'tickets')];
  const seen = new Set();
  const out = [];
  for (const x of raw) {
    if (!x || typeof x !== 'object') continue;
    const id = x.conversation_id ?? x.id;
    if (id == null) continue;
    const keys = [`c:${id}`, x.ticket_id ? `t:${x.ticket_id}` : null].filter(Boolean);
    if (keys.some((k) => seen.has(k))) continue;
    keys.forEach((k) => seen.add(k));
    const details = [
      historyState(x),
      outcomeLabel(x.outcome),
      ratingText(x.rating),
      Number(x.conversations) > 1 ? t('conversationsCount', { n: Number(x.conversations) }) : '',
    ].filter(Boolean);
    out.push({
      id: String(id),
      date: clock(toMillis(x.created_at), now),
      problem: labelled(x.problem_label, x.problem_type),
      order: x.order_number ? `${t('orderNumber')} ${x.order_number}` : '',
      details,
    });
  }
  return out;
}

/** waiting → "In attesa", with_agent → "Con Serena", resolved → "Risolta"; unknown states say nothing. */
export function historyState(x) {
  switch (x && x.state) {
    case 'waiting':
      return t('state_waiting');
    case 'with_agent':
      return x.agent && x.agent.name ? t('state_with_agent', { name: x.agent.name }) : t('state_with_agent_anon');
    case 'resolved':
      return t('state_resolved');
    default:
      return '';
  }
}

/** The messages of a transcript (customer, bot, agent, system), for "N messaggi". */
export function messageCount(transcript) {
  return (transcript || []).filter((ev) => ev && ev.type === 'message').length;
}

/** "Conversazione precedente del 24/11/2026, 14:05 · 5 messaggi" (today: "delle 14:05"). */
export function earlierLabel(item, now = Date.now()) {
  const at = toMillis(item && item.created_at);
  const n = messageCount(item && item.transcript);
  const count = n === 1 ? t('messagesOne') : t('messagesMany', { n });
  if (Number.isNaN(at)) return t('earlierUndated', { count });
  return t(sameDay(at, now) ? 'earlierToday' : 'earlierOn', { date: clock(at, now), count });
}

/**
 * Does the customer still wait for an answer? True when, among the people's messages (the
 * customer's and the agents'), the last is the customer's: bot and system messages, notes and
 * hand-off events are not an answer from a person.
 */
export function customerAwaitsReply(events) {
  let last = null;
  for (const ev of events || []) {
    if (!ev || ev.type !== 'message') continue;
    if (ev.from === 'customer' || ev.from === 'agent') last = ev.from;
  }
  return last === 'customer';
}
