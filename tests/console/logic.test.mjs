import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  toMillis, eventMillis, formatWait, sortQueue, isHighPriority, waitingSince, newArrivals, titleFor, listOf, labelled,
  dontAskAgain, caseRows, moodText, registerText, orderRows, timeline, Seen, entryView, isMine,
  sortByAttention, unreadCount, waitLevel, previewText, sameText, caseSummary, historyEntries, historyState, outcomeLabel,
  ratingText, isLowRating, statusKey, earlierLabel, messageCount, customerAwaitsReply, clock, displayDate,
} from '../../handoff/static/console/js/logic.js';
import { S } from '../../handoff/static/console/js/strings.js';

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
  assert.equal(titleFor(3, 'Console', 'message'), '(3) Nuovo messaggio — Console');
  assert.equal(titleFor(1, 'Console', 'rating'), '(1) Valutazione bassa — Console');
  assert.equal(titleFor(0, 'Console', 'message'), 'Console');
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

// ---------------------------------------------------------------- attention

const T0 = 1763910000; // seconds, like the hub

test('lists: high priority first, then the longest wait for a reply (nobody waiting last), then the hand-off', () => {
  const items = [
    { id: 'answered', priority: 'normal', waiting_since: null, handoff_at: T0 - 900 },
    { id: 'recent', priority: 'normal', waiting_since: T0 - 60, handoff_at: T0 - 60 },
    { id: 'old', priority: 'normal', waiting_since: T0 - 600, handoff_at: T0 - 600 },
    { id: 'high-new', priority: 'high', waiting_since: T0 - 10, handoff_at: T0 - 10 },
    { id: 'high-answered', priority: 'high', waiting_since: null, handoff_at: T0 - 50 },
    { id: 'answered-later', priority: 'normal', waiting_since: null, handoff_at: T0 - 100 },
    { id: 'same-wait-later-handoff', priority: 'normal', waiting_since: T0 - 600, handoff_at: T0 - 500 },
  ];
  assert.deepEqual(sortByAttention(items).map((c) => c.id), [
    'high-new', 'high-answered', 'old', 'same-wait-later-handoff', 'recent', 'answered', 'answered-later',
  ]);
  // after a drain the hub lists by assignment order: the high-priority case still comes first
  const drained = [{ id: 'x', priority: 'normal', waiting_since: T0 - 300 }, { id: 'y', priority: 'high', waiting_since: T0 - 5 }];
  assert.deepEqual(sortByAttention(drained).map((c) => c.id), ['y', 'x']);
  assert.deepEqual(sortByAttention(undefined), []);
  // equal keys keep the hub's order
  assert.deepEqual(sortByAttention([{ id: 1 }, { id: 2 }, { id: 3 }]).map((c) => c.id), [1, 2, 3]);
});

test('waiting since: the hub\'s waiting_since (null: nobody waits), else the hand-off of an older hub', () => {
  assert.equal(waitingSince({ waiting_since: T0, handoff_at: T0 - 50 }), T0 * 1000);
  assert.ok(Number.isNaN(waitingSince({ waiting_since: null, handoff_at: T0 })));
  assert.equal(waitingSince({ handoff_at: T0 }), T0 * 1000);
});

test('the wait is coloured against the hub\'s reply targets', () => {
  const targets = { amber: 60, red: 180 };
  const since = T0 * 1000;
  assert.equal(waitLevel(since, since + 59_000, targets), 'ok');
  assert.equal(waitLevel(since, since + 60_000, targets), 'ok', 'amber only past the target');
  assert.equal(waitLevel(since, since + 61_000, targets), 'amber');
  assert.equal(waitLevel(since, since + 180_000, targets), 'amber');
  assert.equal(waitLevel(since, since + 181_000, targets), 'red');
  assert.equal(waitLevel(since, since + 30_000, { amber: 20, red: 25 }), 'red', 'other targets from the hub');
  assert.equal(waitLevel(NaN, since, targets), '', 'nobody waits: no colour');
  assert.equal(waitLevel(since, since + 10_000_000, null), 'ok', 'no targets: never coloured');
});

test('unread: the customer\'s messages minus what this agent has read', () => {
  assert.equal(unreadCount({ customer_count: 5, read: 2, unread: 3 }), 3);
  assert.equal(unreadCount({ customer_count: 5, read: 2 }, 4), 1, 'a newer mark of ours wins');
  assert.equal(unreadCount({ customer_count: 3 }), 3, 'a queue frame: no read mark known yet');
  assert.equal(unreadCount({ customer_count: 3 }, 3), 0);
  assert.equal(unreadCount({ customer_count: 2 }, 7), 0, 'never negative');
  assert.equal(unreadCount({ unread: 4 }), 4, 'no count: the hub\'s unread');
  assert.equal(unreadCount({}), 0);
  assert.equal(unreadCount(null), 0);
});

test('the list preview says who wrote last', () => {
  assert.equal(previewText({ from: 'customer', text: '  pronto??\n c\'è qualcuno? ' }), 'Cliente: pronto?? c\'è qualcuno?');
  assert.equal(previewText({ from: 'agent', text: 'Eccomi' }), 'Operatore: Eccomi');
  assert.equal(previewText({ from: 'weird', text: 'x' }), 'Sistema: x');
  assert.equal(previewText({ from: 'customer', text: 'a'.repeat(100) }, 10), `Cliente: ${'a'.repeat(9)}…`);
  assert.equal(previewText(null), '');
  assert.equal(previewText({ from: 'bot', text: '' }), '');
});

// ---------------------------------------------------------------- the case card

test('the case card never shows the same words twice', () => {
  const words = 'Buongiorno, il tavolo che ho ordinato è arrivato danneggiato';
  const labels = (card) => caseRows(card).map((r) => r[0]);
  // the bot kept the first message as the description
  assert.deepEqual(labels({ customer_words: words, description: words }), ['Le parole del cliente']);
  assert.deepEqual(labels({ customer_words: words, description: ' buongiorno, il tavolo che ho ordinato è arrivato danneggiato. ' }), ['Le parole del cliente']);
  // a description that is only part of the customer's words
  assert.deepEqual(labels({ customer_words: words, description: 'il tavolo che ho ordinato è arrivato danneggiato' }), ['Le parole del cliente']);
  // the words are part of a longer description: the description says it all
  assert.deepEqual(labels({ customer_words: 'tavolo rotto', description: 'Tavolo rotto: una gamba spezzata e il piano graffiato' }), ['Descrizione']);
  // different texts: both
  assert.deepEqual(labels({ customer_words: 'il tavolo è arrivato', description: 'gamba spezzata' }), ['Descrizione', 'Le parole del cliente']);
  assert.equal(sameText('', ''), false);
  assert.equal(sameText('Ciao!', 'ciao'), true);
});

test('the collapsed case card in one line', () => {
  assert.equal(caseSummary({ problem_type: 'item_damaged', problem_label: 'Merce danneggiata', order_number: '2345678', mood: 'frustrated', mood_label: 'Frustrato' }),
    'Merce danneggiata · Ordine 2345678 · Frustrato');
  assert.equal(caseSummary({ order_number: '1' }), 'Ordine 1');
  assert.equal(caseSummary(null), '');
});

test('dates in the order use the one format', () => {
  assert.equal(displayDate('2026-11-12'), '12/11/2026');
  assert.equal(displayDate('ordine telefonico'), 'ordine telefonico');
  const rows = orderRows({ delivery_date: '2026-11-12', note: 'in preparazione' });
  assert.deepEqual(rows, [['Consegna', '12/11/2026'], ['Nota', 'in preparazione']]);
  const now = new Date(2026, 10, 24, 18, 0).getTime();
  assert.equal(clock(new Date(2026, 10, 24, 14, 5).getTime(), now), '14:05');
  assert.equal(clock(new Date(2026, 10, 20, 9, 30).getTime(), now), '20/11/2026, 09:30');
  assert.equal(clock(NaN, now), '');
});

// ---------------------------------------------------------------- history, outcome, rating

test('history: one clean entry per case, every word translated, no duplicates', () => {
  const now = new Date(2026, 10, 24, 18, 0).getTime();
  const created = new Date(2026, 10, 20, 9, 30).getTime() / 1000;
  const entries = historyEntries(
    [
      { conversation_id: 'c3', ticket_id: 'T3', created_at: created, state: 'with_agent', problem_type: 'item_damaged', problem_label: 'Merce danneggiata',
        order_number: '2345678', agent: { id: 'ag_m', name: 'Marco' }, rating: null, outcome: null, conversations: 2 },
      { conversation_id: 'c3', ticket_id: 'T3', created_at: created, state: 'with_agent' }, // the same case again
      { conversation_id: 'c2', ticket_id: 'T2', created_at: created, state: 'resolved', problem_type: 'missing_parts', problem_label: 'Pezzi mancanti',
        agent: { id: 'ag_s', name: 'Serena' }, rating: 2, outcome: 'refund', conversations: 1 },
      { conversation_id: 'c4', ticket_id: 'T2', state: 'resolved' }, // another conversation of case T2
      { conversation_id: 'c1', created_at: created, state: 'waiting', agent: null, outcome: 'bogus', rating: 9 },
      { conversation_id: 'c0', state: 'bot' },
    ],
    now,
  );
  assert.deepEqual(entries, [
    { id: 'c3', date: '20/11/2026, 09:30', problem: 'Merce danneggiata', order: 'Ordine 2345678', details: ['Con Marco', '2 conversazioni'] },
    { id: 'c2', date: '20/11/2026, 09:30', problem: 'Pezzi mancanti', order: '', details: ['Risolta', 'Rimborso', 'Valutazione 2/5'] },
    { id: 'c1', date: '20/11/2026, 09:30', problem: '', order: '', details: ['In attesa'] },
    { id: 'c0', date: '', problem: '', order: '', details: [] },
  ]);
  const words = JSON.stringify(entries);
  for (const raw of ['with_agent', 'waiting', 'resolved', 'bogus', 'bot', 'Con il bot', 'undefined', 'null']) assert.ok(!words.includes(raw), raw);
  assert.equal(historyState({ state: 'with_agent', agent: null }), 'Con un operatore');
  // an older hub's shape is read too
  assert.equal(historyEntries({ conversations: [{ conversation_id: 'x', state: 'resolved' }], tickets: [] })[0].details[0], 'Risolta');
  assert.deepEqual(historyEntries(null), []);
  assert.ok(!Object.values(S).includes('Con il bot'));
});

test('outcomes, ratings and the header state in Italian', () => {
  assert.deepEqual(['solved', 'replacement', 'refund', 'no_reply'].map(outcomeLabel), [
    'Problema risolto', 'Sostituzione inviata', 'Rimborso', 'Nessuna risposta dal cliente',
  ]);
  assert.equal(outcomeLabel('other'), '');
  assert.equal(outcomeLabel(null), '');
  assert.equal(ratingText(2), 'Valutazione 2/5');
  assert.equal(ratingText(null), '');
  assert.equal(ratingText(0), '');
  assert.equal(isLowRating(2), true);
  assert.equal(isLowRating(3), false);
  assert.equal(isLowRating(null), false);
  assert.equal(statusKey({ status: 'bot', resolved_at: 1 }), 'resolved');
  assert.equal(statusKey({ status: 'bot', merged_into: 'c9' }), 'merged');
  assert.equal(statusKey({ status: 'assigned' }), 'assigned');
});

test('earlier conversations: "Conversazione precedente del … · N messaggi"', () => {
  const now = new Date(2026, 10, 24, 18, 0).getTime();
  const transcript = [
    { type: 'message', from: 'customer', text: 'a' },
    { type: 'message', from: 'bot', text: 'b' },
    { type: 'handoff', status: 'assigned' },
    { type: 'message', from: 'agent', text: 'c' },
  ];
  assert.equal(messageCount(transcript), 3);
  assert.equal(earlierLabel({ created_at: new Date(2026, 10, 22, 10, 15).getTime() / 1000, transcript }, now),
    'Conversazione precedente del 22/11/2026, 10:15 · 3 messaggi');
  assert.equal(earlierLabel({ created_at: new Date(2026, 10, 24, 9, 5).getTime() / 1000, transcript: transcript.slice(0, 1) }, now),
    'Conversazione precedente delle 09:05 · 1 messaggio');
  assert.equal(earlierLabel({ transcript: [] }, now), 'Conversazione precedente · 0 messaggi');
});

test('the customer still waits for an answer when a person\'s last message is theirs', () => {
  const c = (text) => ({ type: 'message', from: 'customer', text });
  const a = (text) => ({ type: 'message', from: 'agent', text });
  assert.equal(customerAwaitsReply([c('tavolo rotto'), a('ci penso io'), c('grazie, e quando?')]), true);
  assert.equal(customerAwaitsReply([c('tavolo rotto'), a('ci penso io')]), false);
  // a note, the bot's "wait a moment", a hand-off or a system line is no answer from a person
  assert.equal(customerAwaitsReply([a('eccomi'), c('ci sei?'), { type: 'note', text: 'da richiamare' },
    { type: 'message', from: 'bot', text: 'Serena ti risponde a breve' }, { type: 'handoff', status: 'assigned' },
    { type: 'message', from: 'system', text: 'x' }]), true);
  // handed off and never answered
  assert.equal(customerAwaitsReply([c('tavolo rotto'), { type: 'message', from: 'bot', text: 'Ti passo a Serena' }]), true);
  assert.equal(customerAwaitsReply([]), false);
  assert.equal(customerAwaitsReply(undefined), false);
});

test('the case card says what the customer proved, and what they only claimed', () => {
  const rows = (card) => Object.fromEntries(caseRows(card));
  assert.match(rows({ order_number: '2345678', order_verified: 'postcode' }).Verifica, /verificato: .*CAP/);
  assert.match(rows({ order_number: '2345678', order_verified: null }).Verifica, /NON verificato/);
  assert.match(rows({ claimed_case: 'T6QYJ5XKA (e-mail, non verificato)' }).Verifica, /pratica T6QYJ5XKA \(e-mail, non verificato\)/);
  assert.equal(rows({ problem_type: 'item_damaged' }).Verifica, undefined);
});
