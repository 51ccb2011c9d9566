// The lists' state (unread marks, live previews and waits, the order) and the attention cues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListState } from '../../handoff/static/console/js/lists.js';
import { Cues, SOUND_KEY } from '../../handoff/static/console/js/cues.js';
import { FakeDocument } from '../widget/helpers/fakedom.mjs';
import { MemoryStorage } from '../widget/helpers/fakes.mjs';

const ME = { id: 'ag_s', name: 'Serena' };
const T0 = 1763910000;
const mine = (over) => ({ status: 'assigned', agent: { id: 'ag_s', name: 'Serena' }, priority: 'normal', customer_count: 0, read: 0, unread: 0, waiting_since: null, handoff_at: T0, ...over });
const msg = (id, from, text, ms = T0 * 1000 + 5000) => ({ id: `${ms}-${id}`, type: 'message', from, text });

test('unread: from the hub\'s lists, then counted live, and read', () => {
  const lists = new ListState();
  lists.set('mine', [mine({ id: 'a', customer_count: 3, read: 1, unread: 2 }), mine({ id: 'b' }), mine({ id: 'z', agent: { id: 'other' } })], ME);
  assert.deepEqual(lists.items.mine.map((c) => [c.id, c.unread]), [['a', 2], ['b', 0]], 'only mine');
  // a customer message: counted once (the same event again is not a new message)
  assert.equal(lists.message('b', msg(1, 'customer', 'ci sei?')), true);
  assert.equal(lists.message('b', msg(1, 'customer', 'ci sei?')), false);
  assert.equal(lists.unread('b'), 1);
  const b = lists.find('b')[0];
  assert.deepEqual(b.last_message, { from: 'customer', text: 'ci sei?', ts: T0 + 5 });
  assert.equal(b.waiting_since, T0 + 5, 'the customer waits from their message');
  // the agent answers: nobody waits, the unread count stays until it is read
  lists.message('b', msg(2, 'agent', 'eccomi'));
  assert.equal(b.waiting_since, null);
  assert.equal(lists.unread('b'), 1);
  lists.markRead('b');
  assert.equal(lists.unread('b'), 0);
  // a queue frame carries no read mark: the one we know is used
  lists.setQueue([{ id: 'b', customer_count: 1 }, { id: 'q', customer_count: 2 }]);
  assert.deepEqual(lists.items.queue.map((c) => [c.id, c.unread]), [['b', 0], ['q', 2]]);
  // an older list from the hub does not bring back what we read (marks only grow)
  lists.set('mine', [mine({ id: 'b', customer_count: 1, read: 0, unread: 1 })], ME);
  assert.equal(lists.unread('b'), 0);
  // a conversation nobody lists: not counted as a badge, still a fresh customer message
  assert.equal(lists.message('unknown', msg(3, 'customer', 'x')), false);
  assert.equal(lists.isLive('b'), true);
  assert.equal(lists.isLive('unknown'), false);
  assert.equal(lists.nameOf('b'), '');
});

test('the lists stay in attention order after a drain and after live messages', () => {
  const lists = new ListState();
  // the hub lists "mine" in assignment order: a drain put the high-priority case second
  lists.set('mine', [mine({ id: 'first', waiting_since: T0 - 100 }), mine({ id: 'high', priority: 'high', waiting_since: T0 - 5 })], ME);
  assert.deepEqual(lists.items.mine.map((c) => c.id), ['high', 'first']);
  lists.set('mine', [mine({ id: 'n1', waiting_since: null }), mine({ id: 'n2', waiting_since: null })], ME);
  lists.message('n2', msg(1, 'customer', 'pronto?'));
  assert.deepEqual(lists.items.mine.map((c) => c.id), ['n2', 'n1'], 'the one who waits goes up');
  // resolved: the hub's order (newest first)
  lists.set('resolved', [{ id: 'r1', priority: 'normal' }, { id: 'r2', priority: 'high' }], ME);
  assert.deepEqual(lists.items.resolved.map((c) => c.id), ['r1', 'r2']);
  // the queue: arrivals after the first load
  assert.deepEqual(lists.setQueue([{ id: 'q1', queue_position: 1 }]), []);
  assert.deepEqual(lists.setQueue([{ id: 'q1', queue_position: 1 }, { id: 'q2', queue_position: 2 }]).map((c) => c.id), ['q2']);
});

class FakeAudio {
  static made = 0;
  constructor() {
    this.state = 'running';
    this.currentTime = 0;
    this.destination = {};
  }
  createOscillator() {
    FakeAudio.made++;
    return { frequency: {}, connect: (x) => x, start() {}, stop() {} };
  }
  createGain() {
    return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect: (x) => x };
  }
}

function cues() {
  const doc = new FakeDocument();
  const live = doc.createElement('div');
  const win = { localStorage: new MemoryStorage(), AudioContext: FakeAudio };
  return { doc, live, win, cues: new Cues({ doc, win, live: () => live }) };
}

test('the title counts new conversations, unread messages and low ratings until they are looked at', () => {
  const { doc, live, cues: c } = cues();
  c.cue('a', 'conversation', 'Nuova conversazione in coda');
  c.cue('b', 'message', 'Nuovo messaggio da Luca');
  c.cue('b', 'message', 'Nuovo messaggio da Luca');
  assert.equal(doc.title, '(3) Nuovo messaggio — Sportello — Console operatori');
  assert.equal(live.textContent, 'Nuovo messaggio da Luca');
  c.settle('b', ['message']);
  assert.equal(doc.title, '(1) Nuova conversazione — Sportello — Console operatori', 'named after what is left');
  c.cue('r', 'rating', 'Valutazione bassa (1/5) da Anna');
  assert.equal(doc.title, '(2) Valutazione bassa — Sportello — Console operatori');
  // a colleague took "a": its cue goes with it; a rating stays until it is opened
  c.prune(() => false);
  assert.equal(doc.title, '(1) Valutazione bassa — Sportello — Console operatori');
  c.settle('r');
  assert.equal(doc.title, 'Sportello — Console operatori');
});

test('a cue newer than the lists being refreshed is not pruned', () => {
  const { doc, cues: c } = cues();
  const before = Date.now() - 1000;
  c.cue('new', 'conversation', '');
  c.prune(() => false, before);
  assert.equal(doc.title, '(1) Nuova conversazione — Sportello — Console operatori');
});

test('sound: on by default, off remembered, no beep while off', () => {
  const { win, cues: c } = cues();
  FakeAudio.made = 0;
  c.cue('a', 'message', '');
  assert.equal(FakeAudio.made, 1);
  c.setSound(false);
  assert.equal(win.localStorage.getItem(SOUND_KEY), 'off');
  c.cue('a', 'message', '');
  assert.equal(FakeAudio.made, 1, 'silent');
  const again = new Cues({ doc: new FakeDocument(), win, live: () => null });
  assert.equal(again.soundOn, false, 'remembered in this browser');
  again.setSound(true);
  assert.equal(new Cues({ doc: new FakeDocument(), win, live: () => null }).soundOn, true);
  // no storage at all (private mode): on, and switching still works for the page
  const bare = new Cues({ doc: new FakeDocument(), win: {}, live: () => null });
  assert.equal(bare.soundOn, true);
  bare.setSound(false);
  assert.equal(bare.soundOn, false);
});

// ------------------------------------------------------------------ tickets (nobody was online)

test('tickets: oldest hand-off first, with the promised reply time left, then how long it is overdue', async () => {
  const { renderList } = await import('../../handoff/static/console/js/lists.js');
  const { ticketPromise } = await import('../../handoff/static/console/js/logic.js');
  const now = (T0 + 3600) * 1000;
  const ticket = (over) => ({ status: 'offline', agent: null, priority: 'normal', customer_count: 1, waiting_since: T0, ...over });
  const lists = new ListState();
  lists.set('offline', [
    ticket({ id: 'newer', handoff_at: T0 + 60, reply_by: T0 + 60 + 86400, ticket_id: 'SP-2', priority: 'high' }),
    ticket({ id: 'older', handoff_at: T0 - 90000, reply_by: T0 - 90000 + 86400, ticket_id: 'SP-1', overdue: true }),
  ], ME);
  // the order the promise was made in, not priority: a ticket is answered oldest first
  assert.deepEqual(lists.items.offline.map((c) => c.id), ['older', 'newer']);
  lists.message('newer', msg(9, 'customer', 'ancora io', (T0 + 100) * 1000));
  assert.deepEqual(lists.items.offline.map((c) => c.id), ['older', 'newer'], 'a new message does not reorder tickets');

  assert.deepEqual(ticketPromise(lists.find('newer')[0], now), { overdue: false, text: 'Risposta entro 23 h 01 min' });
  assert.deepEqual(ticketPromise(lists.find('older')[0], now), { overdue: true, text: 'Scaduto da 2 h 00 min' });
  // answered (nobody waits) or no promise: nothing to show
  assert.equal(ticketPromise(ticket({ reply_by: T0 + 10, waiting_since: null }), now), null);
  assert.equal(ticketPromise(ticket({}), now), null);
  // the clock alone flags a promise that passed since the hub last said
  assert.equal(ticketPromise(ticket({ reply_by: T0 + 10, overdue: false }), now).overdue, true);

  const doc = new FakeDocument();
  const ul = doc.createElement('ul');
  renderList(doc, ul, { tab: 'offline', items: lists.items.offline, selectedId: null, now, targets: { amber: 60, red: 180 }, onOpen: () => {} });
  const buttons = ul.querySelectorAll('.c-item');
  assert.equal(buttons.length, 2);
  assert.match(buttons[0].textContent, /Oltre il tempo promesso/);
  assert.match(buttons[0].textContent, /Scaduto da 2 h 00 min/);
  assert.ok(buttons[0].className.includes('c-item--alert'));
  assert.match(buttons[1].textContent, /Risposta entro 23 h 01 min/);
  assert.ok(!buttons[1].className.includes('c-item--alert'));
  // ticket_overdue from the hub flags it wherever it is listed
  lists.overdue('newer');
  assert.equal(lists.find('newer')[0].overdue, true);
  assert.equal(ticketPromise(lists.find('newer')[0], now).overdue, true);
});

test('an overdue ticket is a cue in the title until the agent looks at it', () => {
  const { doc, cues: c } = cues();
  c.cue('t1', 'overdue', 'Ticket SP-1 oltre il tempo promesso');
  assert.equal(c.count, 1);
  assert.match(doc.title, /Ticket scaduto/);
  c.prune(() => false);
  assert.equal(c.count, 1, 'a refreshed list does not drop an overdue cue');
  c.settle('t1');
  assert.equal(c.count, 0);
});
