import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { S, t, format, label } from '../../handoff/static/console/js/strings.js';
import { ACTIONS } from '../../handoff/static/console/js/conversation.js';

const dir = fileURLToPath(new URL('../../handoff/static/console/js/', import.meta.url));

test('every literal t("key") used by the console exists in the strings module', () => {
  const used = new Set();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.js'))) {
    const src = readFileSync(dir + f, 'utf8');
    for (const m of src.matchAll(/\bt\('([A-Za-z_]+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 40, `found only ${used.size} keys: the scan is broken`);
  const missing = [...used].filter((k) => !(k in S));
  assert.deepEqual(missing, []);
});

test('no Italian customer-facing sentence is hard-coded in the console modules (only strings.js has words)', () => {
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.js') && n !== 'strings.js')) {
    const src = readFileSync(dir + f, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    const words = [...src.matchAll(/'([^'\n]*\b(?:il|la|di|che|non|per|una|sono)\b[^'\n]*)'/g)].map((m) => m[1]);
    assert.deepEqual(words, [], `${f} contains interface text`);
  }
});

test('format and t', () => {
  assert.equal(t('waiting', { time: '5 min' }), 'in attesa da 5 min');
  assert.equal(format('{a}{b}', { a: 1 }), '1{b}');
  assert.throws(() => t('nope'), /unknown string key/);
  assert.equal(label('status', 'queued'), 'In coda');
  assert.equal(label('status', 'new_state'), 'new state');
  assert.equal(label('status', ''), '');
});

test('every conversation action has its words: the button, the outcome, the question when it asks first', () => {
  for (const action of ACTIONS) {
    assert.ok(action.name in S, action.name);
    if (action.confirm) assert.ok(`${action.name}Confirm` in S, `${action.name}Confirm`);
    if (!action.opens) {
      assert.ok(`${action.name}Done` in S, `${action.name}Done`);
      assert.ok(`${action.name}Failed` in S, `${action.name}Failed`);
    }
  }
});
