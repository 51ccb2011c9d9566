import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeHandoff, messageView, errorKey, joinedKey, appendRichText, createMessageEl, View,
} from '../../widget/src/render.js';
import { linkify, safeHref, initials } from '../../widget/src/shared/text.js';
import { translator } from '../../widget/src/strings.js';
import { FakeDocument, allElements } from './helpers/fakedom.mjs';

const t = translator('it');
const links = (text) => linkify(text).filter((s) => s.type === 'link').map((s) => s.href);

test('http and https URLs become links, trailing punctuation stays text', () => {
  assert.deepEqual(linkify('Vedi https://casa.example/ordini/2345678. Grazie'), [
    { type: 'text', text: 'Vedi ' },
    { type: 'link', text: 'https://casa.example/ordini/2345678', href: 'https://casa.example/ordini/2345678' },
    { type: 'text', text: '. Grazie' },
  ]);
  assert.deepEqual(links('(http://a.example/x) e https://b.example!'), ['http://a.example/x', 'https://b.example/']);
});

test('javascript:, data: and other schemes never become links', () => {
  for (const bad of [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(document.cookie)',
    'javascript://https://evil.example/%0Aalert(1)',
    'javascript:https://evil.example',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'xhttps://evil.example',
    '<a href="javascript:alert(1)">clic</a>',
    'https://',
  ]) {
    assert.deepEqual(links(bad), [], bad);
    assert.equal(linkify(bad).map((s) => s.text).join(''), bad, 'the text is kept verbatim');
  }
  assert.equal(safeHref('javascript:alert(1)'), null);
  assert.equal(safeHref('https://ok.example'), 'https://ok.example/');
});

test('a URL with quotes or angle brackets stops there (no attribute breakout)', () => {
  assert.deepEqual(links('https://a.example/"onmouseover="alert(1)'), ['https://a.example/']);
  assert.deepEqual(links('https://a.example/<img src=x>'), ['https://a.example/']);
});

test('initials', () => {
  assert.equal(initials('Serena'), 'S');
  assert.equal(initials('  serena   rossi '), 'SR');
  assert.equal(initials('Élodie de la Tour'), 'ÉT');
  assert.equal(initials(''), '?');
});

test('hand-off events become banners and system lines', () => {
  // the minutes are the hub's (eta_minutes), the same number the bot's sentence says
  assert.deepEqual(describeHandoff({ status: 'queued', queue_position: 2, eta_seconds: 170, eta_minutes: 3 }, t).banner,
    'In coda: posizione 2, attesa stimata circa 3 min');
  assert.equal(describeHandoff({ status: 'queued', queue_position: 2, eta_seconds: 170 }, t).banner, 'In coda: posizione 2');
  assert.equal(describeHandoff({ status: 'queued', queue_position: 1 }, t).banner, 'In coda: posizione 1');
  const assigned = describeHandoff({ status: 'assigned', agent: { id: 'a1', name: 'Serena', gender: 'f' } }, t);
  assert.equal(assigned.system, 'Serena si è unita alla conversazione');
  assert.equal(assigned.banner, null);
  assert.equal(assigned.agent.name, 'Serena');
  assert.equal(describeHandoff({ status: 'assigned', agent: { name: 'Marco', gender: 'm' } }, t).system, 'Marco si è unito alla conversazione');
  assert.equal(describeHandoff({ status: 'assigned', agent: { name: 'Andrea' } }, t).system, 'In contatto con Andrea');
  // offline: the bot's sentence just said it (pratica, promise); the widget adds no second notice
  const off = describeHandoff({ status: 'offline', ticket_id: 'T6QYJ5XIA' }, t);
  assert.deepEqual([off.system, off.agent, off.state], [null, null, 'offline']);
  assert.equal(describeHandoff({ status: 'queued', queue_position: 1 }, t).state, 'queued');
  assert.equal(joinedKey({ gender: 'F' }), 'agentJoinedF');
});

test('message views: roles, authors, buttons', () => {
  const v = messageView({ type: 'message', from: 'agent', text: 'Ciao', agent: { name: 'Serena' } }, t, null);
  assert.deepEqual([v.role, v.author], ['agent', 'Serena']);
  assert.equal(messageView({ from: 'agent', text: 'x' }, t, { name: 'Marco' }).author, 'Marco');
  assert.equal(messageView({ from: 'hacker', text: 'x' }, t).role, 'system');
  const b = messageView({ from: 'bot', text: 'Voto?', buttons: [{ title: '5', payload: '/rate{"rating":5}' }, { title: '' }, null, { title: '4' }] }, t);
  assert.deepEqual(b.buttons, [{ title: '5', payload: '/rate{"rating":5}' }, { title: '4', payload: '4' }]);
  assert.equal(errorKey('too_long'), 'errorTooLong');
  assert.equal(errorKey('whatever'), 'errorGeneric');
});

const HOSTILE = '<img src=x onerror=alert(1)> <script>alert(1)</script> javascript:alert(1) https://ok.example/a';

test('hostile text is inserted as text: no img/script elements, only a safe link', () => {
  const doc = new FakeDocument();
  const bubble = doc.createElement('div');
  appendRichText(doc, bubble, HOSTILE, t);
  const els = allElements(bubble);
  assert.deepEqual(els.map((e) => e.tagName), ['A']);
  const a = els[0];
  assert.equal(a.getAttribute('href'), 'https://ok.example/a');
  assert.equal(a.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(a.getAttribute('target'), '_blank');
  assert.equal(bubble.textContent, HOSTILE);
});

test('createMessageEl styles roles apart and shows the agent initials', () => {
  const doc = new FakeDocument();
  const li = createMessageEl(doc, { role: 'agent', author: 'Serena Rossi', text: 'Ciao', buttons: [] }, t);
  assert.ok(li.classList.contains('sportello-msg--agent'));
  assert.equal(li.querySelector('.sportello-avatar').textContent, 'SR');
  assert.equal(li.querySelector('.sportello-msg-author').textContent, 'Serena Rossi');
  const c = createMessageEl(doc, { role: 'customer', author: 'Tu', text: 'x', buttons: [] }, t);
  assert.ok(c.classList.contains('sportello-msg--customer'));
});

function makeView(cb = {}) {
  const doc = new FakeDocument();
  const view = new View({ doc, t, callbacks: cb });
  doc.body.appendChild(view.root);
  return { doc, view };
}

test('a pending customer message is reconciled with its echo: shown once', () => {
  const { view } = makeView();
  view.addPending({ client_id: 'c-1', text: 'Il tavolo è arrivato rotto' }, true);
  view.addMessage({ type: 'message', id: '3-0', from: 'customer', text: 'Il tavolo è arrivato rotto', client_id: 'c-1' });
  view.addMessage({ type: 'message', id: '3-0', from: 'customer', text: 'Il tavolo è arrivato rotto', client_id: 'c-1' });
  const items = view.list.children;
  assert.equal(items.length, 1);
  assert.equal(items[0].getAttribute('data-id'), '3-0');
  assert.equal(items[0].classList.contains('sportello-msg--pending'), false);
  assert.equal(items[0].querySelector('.sportello-msg-status'), null);
});

test('server order is kept: an echo moves before still-pending bubbles, agent messages arrive before them', () => {
  const { view } = makeView();
  view.addPending({ client_id: 'a', text: 'uno' }, false);
  view.addPending({ client_id: 'b', text: 'due' }, false);
  view.addMessage({ type: 'message', id: '5-0', from: 'agent', agent: { name: 'Serena' }, text: 'scritto mentre eri offline' });
  view.addMessage({ type: 'message', id: '6-0', from: 'customer', text: 'uno', client_id: 'a' });
  const texts = view.list.children.map((li) => li.querySelector('.sportello-bubble').textContent);
  assert.deepEqual(texts, ['scritto mentre eri offline', 'uno', 'due']);
});

test('quick replies: buttons of the last bot message, a click sends title+payload and removes them', () => {
  const sent = [];
  const { view } = makeView({ onQuickReply: (b) => sent.push(b) });
  view.addMessage({ type: 'message', id: '1-0', from: 'bot', text: 'Come valuti?', buttons: [{ title: '5', payload: '/rate{"value":5}' }, { title: '1', payload: '/rate{"value":1}' }] });
  const buttons = view.quick.querySelectorAll('button');
  assert.deepEqual(buttons.map((b) => b.textContent), ['5', '1']);
  assert.equal(view.quick.hidden, false);
  buttons[0].click();
  assert.deepEqual(sent, [{ title: '5', payload: '/rate{"value":5}' }]);
  assert.equal(view.quick.children.length, 0);
  assert.equal(view.quick.hidden, true);
});

test('open focuses the input; Escape closes and returns focus to the launcher', () => {
  const { doc, view } = makeView();
  view.launcher.click();
  assert.equal(view.opened, true);
  assert.equal(view.launcher.getAttribute('aria-expanded'), 'true');
  assert.equal(doc.activeElement, view.input);
  const ev = view.panel.dispatch('keydown', { key: 'Escape' });
  assert.equal(ev.defaultPrevented, true);
  assert.equal(view.opened, false);
  assert.equal(view.panel.hidden, true);
  assert.equal(doc.activeElement, view.launcher);
});

test('Enter submits trimmed text, Shift+Enter does not, empty text is ignored', () => {
  const sent = [];
  const { view } = makeView({ onSubmit: (x) => sent.push(x) });
  view.input.value = '  ciao  ';
  view.input.dispatch('keydown', { key: 'Enter', shiftKey: true });
  assert.deepEqual(sent, []);
  view.input.dispatch('keydown', { key: 'Enter' });
  assert.deepEqual(sent, ['ciao']);
  assert.equal(view.input.value, '');
  view.input.value = '   ';
  view.form.dispatch('submit');
  assert.deepEqual(sent, ['ciao']);
});

test('the message list is an ARIA live log; unread badge and label', () => {
  const { view } = makeView();
  assert.equal(view.list.getAttribute('role'), 'log');
  assert.equal(view.list.getAttribute('aria-live'), 'polite');
  view.setUnread(3);
  assert.equal(view.badge.textContent, '3');
  assert.equal(view.badge.hidden, false);
  assert.match(view.launcher.getAttribute('aria-label'), /3 messaggi non letti/);
  view.setUnread(0);
  assert.equal(view.badge.hidden, true);
});

test('connection state is visible only when something is wrong', () => {
  const { view } = makeView();
  view.setConnection('retrying');
  assert.equal(view.conn.hidden, false);
  assert.equal(view.conn.textContent, 'Connessione persa, riprovo…');
  view.setConnection('open');
  assert.equal(view.conn.hidden, true);
});

test('agent header shows name and initials; typing indicator names the agent', () => {
  const { view } = makeView();
  view.setAgent({ name: 'Serena' });
  assert.equal(view.avatar.textContent, 'S');
  assert.equal(view.subtitle.textContent, 'In conversazione con Serena');
  view.showTyping('Serena');
  assert.equal(view.typing.textContent, 'Serena sta scrivendo…');
  view.addMessage({ type: 'message', id: '9-0', from: 'agent', text: 'Eccomi' });
  assert.equal(view.typing.hidden, true);
  view.reset();
  assert.equal(view.list.children.length, 0);
  assert.equal(view.subtitle.textContent, "Risponde l'assistente virtuale");
});

test('the header says who answers now', () => {
  const { view } = makeView();
  assert.equal(view.subtitle.textContent, "Risponde l'assistente virtuale");
  view.setState('queued');
  assert.equal(view.subtitle.textContent, 'In attesa di un operatore');
  view.setState('offline', { ticket: 'T6QYJ5XIA' });
  assert.equal(view.subtitle.textContent, 'Pratica T6QYJ5XIA: risposta appena possibile');
  view.setAgent({ name: 'Marco' });
  assert.equal(view.subtitle.textContent, 'In conversazione con Marco');
  view.setAgent(null);
  view.setState('bot');
  assert.equal(view.subtitle.textContent, "Risponde l'assistente virtuale");
});

test('quick replies follow the input in tab order (and on screen)', () => {
  const { view } = makeView();
  view.addMessage({ type: 'message', id: '1-0', from: 'bot', text: 'È corretto?', buttons: [{ title: 'Sì', payload: '/affirm' }] });
  const order = view.panel.children;
  assert.ok(order.indexOf(view.form) < order.indexOf(view.quick), 'the input comes before the quick replies');
  assert.equal(view.quick.hidden, false);
});

test('every class the view creates is under the sportello- prefix', () => {
  const { view } = makeView();
  view.addMessage({ type: 'message', id: '1-0', from: 'bot', text: 'x https://a.example', buttons: [{ title: 'a' }] });
  view.addSystem('y', 'Serena');
  for (const e of allElements(view.root)) {
    for (const c of e.classList.list()) assert.ok(c.startsWith('sportello-'), `class "${c}" on <${e.tagName}>`);
  }
});

test('a refused message is marked "not sent" and leaves the pending set', () => {
  const { view } = makeView();
  view.addPending({ client_id: 'x', text: 'troppo' }, true);
  view.markFailed('x');
  const li = view.list.children[0];
  assert.ok(li.classList.contains('sportello-msg--failed'));
  assert.equal(li.querySelector('.sportello-msg-status').textContent, 'Non inviato');
  assert.equal(view.pending.has('x'), false);
});
