// Helpers the widget and the agent console share (widget/src/shared, linked as console/shared).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { backoffDelay, compareIds, uuid } from '../../widget/src/shared/ids.js';
import { initials, linkify } from '../../widget/src/shared/text.js';

test('links: only http(s), javascript: never', () => {
  const hrefs = (s) => linkify(s).filter((x) => x.type === 'link').map((x) => x.href);
  assert.deepEqual(hrefs('vai su https://casa.example/resi, grazie'), ['https://casa.example/resi']);
  assert.deepEqual(hrefs('javascript:alert(1) JAVASCRIPT:alert(1) javascript:https://x.example data:text/html,x'), []);
  assert.equal(linkify('<script>alert(1)</script>').map((s) => s.text).join(''), '<script>alert(1)</script>');
});

test('back-off, ids, initials', () => {
  assert.equal(backoffDelay(0, { random: () => 1 }), 500);
  assert.equal(backoffDelay(20, { random: () => 0 }), 7500);
  assert.ok(compareIds('10-0', '9-0') > 0);
  assert.ok(compareIds('1700000000000-2', '1700000000000-10') < 0);
  assert.match(uuid({ getRandomValues: (b) => b.fill(7) }), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(initials('Serena Bianchi'), 'SB');
});

test('the console imports the very same files, not a copy', () => {
  const widget = fileURLToPath(new URL('../../widget/src/shared/text.js', import.meta.url));
  const console = fileURLToPath(new URL('../../handoff/static/console/shared/text.js', import.meta.url));
  assert.equal(realpathSync(console), realpathSync(widget));
});
