// Whole-source checks: no HTML parsing sinks anywhere, no interface words outside strings.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sources = [
  ...readdirSync(`${root}widget/src`).map((f) => `widget/src/${f}`),
  'widget/sportello.js',
  ...readdirSync(`${root}handoff/static/console/js`).map((f) => `handoff/static/console/js/${f}`),
].filter((f) => f.endsWith('.js'));

const strip = (src) => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

test('no innerHTML / outerHTML / insertAdjacentHTML / document.write / eval in widget or console', () => {
  assert.ok(sources.length >= 10, 'the scan found the sources');
  for (const f of sources) {
    const src = strip(readFileSync(root + f, 'utf8'));
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function']) {
      assert.ok(!src.includes(sink), `${f} uses ${sink}`);
    }
  }
});

test('widget modules other than strings.js contain no Italian interface text', () => {
  for (const f of sources.filter((x) => x.startsWith('widget/') && !x.endsWith('strings.js'))) {
    const src = strip(readFileSync(root + f, 'utf8'));
    const hits = [...src.matchAll(/(['"`])([^'"`\n]*\b(?:il|la|di|che|non|per|una|sono|sei|ciao)\b[^'"`\n]*)\1/gi)]
      .map((m) => m[2])
      .filter((s) => !/^[\w.\-/:]+$/.test(s));
    assert.deepEqual(hits, [], `${f} contains interface text`);
  }
});
