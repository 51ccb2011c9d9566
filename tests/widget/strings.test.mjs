import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STRINGS, pickLang, format, translator } from '../../widget/src/strings.js';

test('data-lang wins over the browser languages', () => {
  assert.equal(pickLang('en', ['it-IT', 'it']), 'en');
  assert.equal(pickLang('it', ['en-US']), 'it');
});

test('browser languages are used in order when data-lang is missing or unsupported', () => {
  assert.equal(pickLang(null, ['de-DE', 'en-GB', 'it']), 'en');
  assert.equal(pickLang('fr', ['en-US']), 'en');
  assert.equal(pickLang(undefined, 'EN_us'), 'en');
});

test('anything unsupported falls back to Italian', () => {
  assert.equal(pickLang('', []), 'it');
  assert.equal(pickLang('xx', ['de', 'fr']), 'it');
  assert.equal(pickLang(undefined, undefined), 'it');
});

test('format fills placeholders and leaves unknown ones visible', () => {
  assert.equal(format('In coda: posizione {n}, attesa stimata circa {m} min', { n: 2, m: 5 }),
    'In coda: posizione 2, attesa stimata circa 5 min');
  assert.equal(format('{name} e {other}', { name: 'Serena' }), 'Serena e {other}');
  assert.equal(format('{n}', { n: 0 }), '0');
  assert.equal(format('{n}', { n: null }), '{n}');
});

test('format does not interpret replacement patterns in values', () => {
  assert.equal(format('Ciao {name}', { name: '$& $1 <b>' }), 'Ciao $& $1 <b>');
});

test('the Italian sentences of the brief are there', () => {
  const t = translator('it');
  assert.equal(t('agentJoinedF', { name: 'Serena' }), 'Serena si è unita alla conversazione');
  assert.equal(t('queued', { n: 3, m: 4 }), 'In coda: posizione 3, attesa stimata circa 4 min');
  assert.equal(t('subtitleOffline', { ticket: 'T6QYJ5XIA' }), 'Pratica T6QYJ5XIA: risposta appena possibile');
  assert.equal(t('reconnecting'), 'Connessione persa, riprovo…');
});

test('translator picks the language and throws on unknown keys', () => {
  assert.equal(translator('en')('send'), 'Send');
  assert.equal(translator('it')('send'), 'Invia');
  assert.equal(translator('zz')('send'), 'Invia');
  assert.throws(() => translator('it')('noSuchKey'), /unknown string key/);
});

test('every language has the same keys and the same placeholders', () => {
  const keys = Object.keys(STRINGS.it).sort();
  for (const [lang, table] of Object.entries(STRINGS)) {
    assert.deepEqual(Object.keys(table).sort(), keys, `keys of ${lang}`);
    for (const k of keys) {
      const ph = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      assert.deepEqual(ph(table[k]), ph(STRINGS.it[k]), `placeholders of ${lang}.${k}`);
    }
  }
});
