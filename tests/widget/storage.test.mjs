import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStore, parseState, storageKey, emptyState } from '../../widget/src/storage.js';
import { MemoryStorage, FakeWindow } from './helpers/fakes.mjs';

test('one prefixed key per hub', () => {
  assert.equal(storageKey('https://hub.example'), 'sportello:v1:https://hub.example');
  assert.notEqual(storageKey('https://a.example'), storageKey('https://b.example'));
});

test('malformed stored data becomes a clean state', () => {
  assert.deepEqual(parseState('not json'), emptyState());
  assert.deepEqual(parseState('null'), emptyState());
  assert.deepEqual(parseState('[1,2]').outbox, []);
  const s = parseState(JSON.stringify({ conversation_id: 'c1', token: 42, visitor_token: 'v', outbox: [{ client_id: 'a', text: 'x' }, { text: 'no id' }, 'junk'] }));
  assert.equal(s.conversation_id, null, 'a conversation without a valid token is dropped');
  assert.equal(s.visitor_token, 'v', 'the visitor is kept');
  assert.deepEqual(s.outbox, [{ client_id: 'a', text: 'x' }]);
});

test('the state survives a reload (a new store over the same storage)', () => {
  const storage = new MemoryStorage();
  const key = storageKey('http://hub');
  createStore({ storage, key }).update((s) => ({ ...s, conversation_id: 'c1', token: 't1', last_event_id: '5-0' }));
  const again = createStore({ storage, key }).get();
  assert.equal(again.conversation_id, 'c1');
  assert.equal(again.token, 't1');
  assert.equal(again.last_event_id, '5-0');
});

test('another tab writing the key notifies subscribers with the new state', () => {
  const win = new FakeWindow();
  const storage = new MemoryStorage();
  const key = storageKey('http://hub');
  const store = createStore({ storage, key, win });
  const seen = [];
  store.subscribe((s) => seen.push(s.conversation_id));
  const value = JSON.stringify({ conversation_id: 'c2', token: 't2' });
  win.fire('storage', { key: 'other-key', newValue: value });
  assert.deepEqual(seen, [], 'other keys are ignored');
  win.fire('storage', { key, newValue: value });
  assert.deepEqual(seen, ['c2']);
});

test('a broken storage degrades to memory instead of throwing', () => {
  const storage = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('quota'); }, removeItem() {} };
  const store = createStore({ storage, key: 'k' });
  store.update((s) => ({ ...s, conversation_id: 'c', token: 't' }));
  assert.equal(store.get().conversation_id, 'c');
});

test('clearConversation keeps the visitor but forgets the conversation and outbox', () => {
  const store = createStore({ storage: new MemoryStorage(), key: 'k' });
  store.update((s) => ({ ...s, conversation_id: 'c', token: 't', visitor_token: 'v', outbox: [{ client_id: 'x', text: 'y' }] }));
  const s = store.clearConversation();
  assert.equal(s.conversation_id, null);
  assert.equal(s.visitor_token, 'v');
  assert.deepEqual(s.outbox, []);
});
