import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  toMillis, eventMillis, formatWait, sortQueue, isHighPriority, waitingSince, newArrivals, titleFor, listOf, labelled,
  dontAskAgain, caseRows, moodText, registerText, orderRows, timeline, Seen, entryView, isMine,
} from '../../handoff/static/console/js/logic.js';

test('"Non chiedere di nuovo" lists what the bot already gathered, in a fixed order', () => {
  assert.equal(dontAskAgain({ problem_type: 'item_damaged', order_number: '2345678' }),
    'Non chiedere di nuovo: numero d’ordine, problema');
  assert.equal(dontAskAgain({ order_number: '2345678', problem_type: 'item_damaged', email: 'a@b.it', customer_name: 'Giulia' }),
    'Non chiedere di nuovo: numero d’ordine, problema, e-mail, nome');
  assert.equal(dontAskAgain({ order_number: '', email: null, problem_type: '  ' }), '');
  assert.equal(dontAskAgain(null), '');
});

test('case card rows: the hub\'s labels, mood with its reasons, lists joined, empty fields skipped', () => {
  const rows = caseRows({ problem_type: 'item_damaged', problem_label: 'Merce danneggiata', order_number: '2345678',
    mood: 'frustrated', mood_label: 'Frustrato', mood_reasons: ['maiuscole', '«terza volta»'],
    customer_words: 'il tavolo è arrivato con una gamba rotta', bot_tried: ['scuse', 'verifica ordine'], email: '' });
  assert.deepEqual(rows, [
    ['Problema', 'Merce danneggiata'],
    ['Ordine', '2345678'],
    ['Umore', 'Frustrato (maiuscole, «terza volta»)'],
    ['Le parole del cliente', 'il tavolo è arrivato con una gamba rotta'],
    ['Cosa ha già fatto il bot', 'scuse · verifica ordine'],
  ]);
  assert.equal(moodText({ mood: 'neutral', mood_label: 'Neutro' }), 'Neutro');
  assert.equal(moodText({}), '');
  // a value the hub has no label for (an older bot, a new problem type) is still readable
  assert.equal(labelled(null, 'new_kind'), 'new kind');
  assert.deepEqual(caseRows({ problem_type: 'new_kind' })[0], ['Problema', 'new kind']);
});

test('the case card says whether to use tu or Lei, with the customer\'s words that showed it', () => {
  assert.equal(registerText({ register: 'formal', register_cues: ['«La ringrazio»', '«mi può»'] }),
    'Lei (il cliente scrive in modo formale) — «La ringrazio», «mi può»');
  assert.equal(registerText({ register: 'informal' }), 'tu (il cliente dà del tu)');
  assert.equal(registerText({ register: 'weird' }), '');
  const rows = caseRows({ order_number: '2345678', register: 'formal', register_cues: ['«Le scrivo»'] });
  assert.deepEqual(rows[1], ['Dai del', 'Lei (il cliente scrive in modo formale) — «Le scrivo»']);
  // what the bot found contradictory comes right after the order, before the mood
  const checked = caseRows({ order_number: '4567890', to_check: ['per il negozio è in preparazione'], mood: 'neutral', mood_label: 'Neutro' });
  assert.deepEqual(checked.map((r) => r[0]), ['Ordine', 'Da verificare', 'Umore']);
});

test('order rows flatten items', () => {
  const rows = orderRows({ number: '2345678', status: 'delivered', items: [{ name: 'Tavolo Verona', quantity: 1 }], customer_name: 'Giulia' });
  assert.deepEqual(rows, [['Numero', '2345678'], ['Stato', 'Consegnato'], ['Articoli', 'Tavolo Verona × 1'], ['Cliente', 'Giulia']]);
  assert.deepEqual(orderRows({ delivery_change_allowed: false, status: 'lost_in_space', extra_field: 'x' }), [
    ['Consegna modificabile', 'no'],
    ['Stato', 'lost in space'],
    ['extra field', 'x'],
  ]);
  assert.deepEqual(orderRows(null), []);
});

test('timestamps: ISO, seconds, milliseconds, stream ids', () => {
  assert.equal(toMillis('2026-11-23T15:00:00Z'), Date.UTC(2026, 10, 23, 15));
  assert.equal(toMillis(1763910000), 1763910000000);
  assert.equal(toMillis(1763910000123), 1763910000123);
  assert.equal(toMillis('1763910000'), 1763910000000);
  assert.ok(Number.isNaN(toMillis('yesterday')));
  assert.equal(eventMillis({ id: '1763910000123-4' }), 1763910000123);
});

test('waiting time is human', () => {
  const now = Date.UTC(2026, 10, 23, 15);
  assert.equal(formatWait(now - 20_000, now), 'meno di un minuto');
  assert.equal(formatWait(now - 7 * 60_000, now), '7 min');
  assert.equal(formatWait(now - 65 * 60_000, now), '1 h 05 min');
  assert.equal(formatWait(now + 60_000, now), 'meno di un minuto', 'clock skew never shows a negative wait');
});

test('queue: higher priority first, then longest wait (hand-off time before creation time)', () => {
  const q = sortQueue([
    { id: 'a', priority: 'normal', created_at: 1763910000, handoff_at: 1763910600 },
    { id: 'b', priority: 'high', created_at: '2026-11-23T15:05:00Z' },
    { id: 'c', priority: 'normal', created_at: 1763910300 },
    { id: 'e', created_at: 'bad' },
  ]);
  assert.deepEqual(q.map((c) => c.id), ['b', 'c', 'a', 'e']);
  assert.equal(isHighPriority('high'), true);
  assert.equal(isHighPriority('normal'), false);
  assert.equal(isHighPriority(null), false);
});

test('queue: the hub\'s positions win when every item has one', () => {
  const q = sortQueue([{ id: 'x', queue_position: 2, priority: 'high' }, { id: 'y', queue_position: 1 }]);
  assert.deepEqual(q.map((c) => c.id), ['y', 'x']);
  assert.equal(waitingSince({ created_at: 10, handoff_at: 20 }), 20000);
});

test('new arrivals and the title cue', () => {
  const known = new Set(['a', 'b']);
  assert.deepEqual(newArrivals(known, [{ id: 'a' }, { id: 'c' }, { id: 'b' }, {}]).map((c) => c.id), ['c']);
  assert.equal(titleFor(1, 'Console'), '(1) Nuova conversazione — Console');
  assert.equal(titleFor(0, 'Console'), 'Console');
});

test('lists are read from the key the hub answers with', () => {
  assert.deepEqual(listOf({ conversations: [2] }, 'conversations'), [2]);
  assert.deepEqual(listOf({ items: [3] }, 'conversations'), []);
  assert.deepEqual(listOf(null, 'agents'), []);
});

test('timeline merges notes into the transcript by time, stable on ties', () => {
  const tl = timeline(
    [{ type: 'message', id: '1000000000000-0', from: 'customer', text: 'a' }, { type: 'message', id: '1000000005000-0', from: 'agent', text: 'c' }],
    [{ text: 'nota', ts: 1000000002 }],
  );
  assert.deepEqual(tl.map((e) => e.text), ['a', 'nota', 'c']);
  assert.equal(tl[1].type, 'note');
});

test('Seen dedupes by id, and notes (no id) by time and text', () => {
  const s = new Seen();
  assert.equal(s.add({ id: '1-0' }), true);
  assert.equal(s.add({ id: '1-0' }), false);
  assert.equal(s.add({ text: 'no id' }), true);
  assert.equal(s.add({ type: 'note', text: 'n', ts: 5.5 }), true);
  assert.equal(s.add({ type: 'note', text: 'n', ts: 5.5 }), false);
  assert.equal(s.add({ type: 'note', text: 'n', ts: 6 }), true);
});

test('entry views: roles, note author, hand-off lines', () => {
  assert.deepEqual(entryView({ type: 'message', from: 'agent', agent: { name: 'Serena' }, text: 'x' }).who, 'Serena');
  assert.equal(entryView({ type: 'message', from: 'customer', text: 'x' }).who, 'Cliente');
  assert.equal(entryView({ type: 'note', text: 'x', agent: { name: 'Marco' } }).who, 'Nota interna di Marco');
  assert.equal(entryView({ type: 'note', text: 'x' }).role, 'note');
  assert.equal(entryView({ type: 'handoff', status: 'offline', ticket_id: 'T6QYJ5XIA' }).text, 'Nessun operatore disponibile: ticket T6QYJ5XIA');
  assert.equal(entryView({ type: 'typing' }), null);
  assert.deepEqual(entryView({ type: 'message', from: 'bot', text: 'Voto?', buttons: [{ title: '1' }, { title: '5' }] }).buttons, ['1', '5']);
});

test('ownership: the conversation\'s agent is me', () => {
  assert.equal(isMine({ agent: { id: 'a1' } }, { id: 'a1' }), true);
  assert.equal(isMine({ agent: { id: 'a2' } }, { id: 'a1' }), false);
  assert.equal(isMine({ agent: null }, { id: 'a1' }), false);
  assert.equal(isMine({}, { id: 'a1' }), false);
});
