import { test } from 'node:test';
import assert from 'node:assert/strict';
import { h, richText, rowsList, clear, icon } from '../../handoff/static/console/js/dom.js';
import { FakeDocument, allElements } from '../widget/helpers/fakedom.mjs';

const HOSTILE = '<img src=x onerror=alert(1)><script>alert(1)</script> javascript:alert(1)';

test('h() turns strings into text nodes, never markup', () => {
  const doc = new FakeDocument();
  const el = h(doc, 'div', { class: 'c-x', 'data-id': 5, hidden: false, disabled: true }, HOSTILE, [h(doc, 'b', {}, 'ok')], null);
  assert.deepEqual(allElements(el).map((e) => e.tagName), ['B']);
  assert.equal(el.textContent, `${HOSTILE}ok`);
  assert.equal(el.getAttribute('data-id'), '5');
  assert.equal(el.hasAttribute('hidden'), false);
  assert.equal(el.getAttribute('disabled'), '');
});

test('h() wires on<event> handlers', () => {
  const doc = new FakeDocument();
  let clicks = 0;
  h(doc, 'button', { onclick: () => clicks++ }).click();
  assert.equal(clicks, 1);
});

test('richText links only http(s) with noopener', () => {
  const doc = new FakeDocument();
  const span = richText(doc, `${HOSTILE} https://casa.example/x`);
  const els = allElements(span);
  assert.deepEqual(els.map((e) => e.tagName), ['A']);
  assert.equal(els[0].getAttribute('href'), 'https://casa.example/x');
  assert.equal(els[0].getAttribute('rel'), 'noopener noreferrer');
  assert.equal(span.textContent, `${HOSTILE} https://casa.example/x`);
});

test('rowsList and clear', () => {
  const doc = new FakeDocument();
  const dl = rowsList(doc, [['Ordine', '2345678'], ['E-mail', '<b>x</b>']]);
  assert.deepEqual(dl.children.map((e) => e.tagName), ['DIV', 'DIV']);
  assert.deepEqual(dl.children[1].children.map((e) => e.tagName), ['DT', 'DD']);
  assert.equal(dl.children[1].children[1].textContent, '<b>x</b>');
  assert.equal(rowsList(doc, [['Parole', 'x'.repeat(41)]]).children[0].className, 'c-row c-row--wide');
  clear(dl);
  assert.equal(dl.childNodes.length, 0);
});

test('icons are drawn SVG, hidden from screen readers (no emoji font needed)', () => {
  const doc = new FakeDocument();
  const lock = icon(doc, 'lock');
  assert.equal(lock.tagName, 'SVG');
  assert.equal(lock.namespaceURI, 'http://www.w3.org/2000/svg');
  assert.equal(lock.getAttribute('aria-hidden'), 'true');
  assert.equal(lock.children[0].tagName, 'PATH');
  assert.ok(lock.children[0].getAttribute('d').length > 20);
  assert.equal(rowsList(doc, [['Parole', 'x'.repeat(30)]], 'c-rows', 26).children[0].className, 'c-row c-row--wide');
});
