// Pure logic of the agent console: no DOM, no network, so it is unit-tested with node --test.

import { t, label } from './strings.js';

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

/** hh:mm in local time. */
export function clock(ms) {
  if (Number.isNaN(ms)) return '';
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

// ---------------------------------------------------------------- lists

/** Is this priority above normal (worth a visible tag)? The hub sends "normal" or "high". */
export function isHighPriority(p) {
  return p === 'high';
}

/** When the customer started waiting for a person (hand-off time, else creation time), in ms. */
export function waitingSince(c) {
  return toMillis(c.handoff_at ?? c.created_at);
}

/**
 * Queue order: the hub's queue position when every item has one (the hub already weighs priority),
 * otherwise higher priority first, then who has waited longest.
 */
export function sortQueue(items) {
  const list = [...(items || [])];
  if (list.length && list.every((c) => Number.isFinite(c.queue_position))) {
    return list.sort((a, b) => a.queue_position - b.queue_position);
  }
  const since = (c) => {
    const ms = waitingSince(c);
    return Number.isNaN(ms) ? Infinity : ms;
  };
  const rank = (c) => (isHighPriority(c.priority) ? 1 : 0);
  return list.sort((a, b) => rank(b) - rank(a) || since(a) - since(b));
}

/** Items whose id was not in `knownIds` (a Set): what just arrived. */
export function newArrivals(knownIds, items) {
  return (items || []).filter((c) => c && c.id != null && !knownIds.has(String(c.id)));
}

/** The tab title: a cue while new conversations are unseen. */
export function titleFor(unseen, base) {
  return unseen > 0 ? `${t('newConversationTitle', { n: unseen })} — ${base}` : base;
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

/** Rows [label, value] of the case card that have a value, in reading order. */
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
  add('mood', moodText(card));
  add('register', registerText(card));
  add('description', card.description);
  add('customerWords', card.customer_words);
  add('botTried', card.bot_tried);
  add('reason', label('reason', card.reason));
  return rows;
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
