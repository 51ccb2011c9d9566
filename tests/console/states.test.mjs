// states.js: the console knows what a state means only from the hub (GET /v1/agent/me, hello).
import test from 'node:test';
import assert from 'node:assert/strict';
import { States } from '../../handoff/static/console/js/states.js';

const HUB = {
  holds_agent: ['assigned', 'on_hold'], // a state the hub added: the console needs no change
  waiting: ['queued', 'offline'],
  claimable: ['queued', 'offline'],
};

test('before the hub says, nothing is claimable or held', () => {
  const states = new States();
  assert.equal(states.known, false);
  assert.equal(states.canClaim({ status: 'queued' }), false);
  assert.equal(states.holds({ status: 'assigned' }), false);
});

test("the hub's rules decide, for any state name it sends", () => {
  const states = new States(HUB);
  assert.equal(states.known, true);
  assert.equal(states.holds({ status: 'on_hold' }), true);
  assert.equal(states.canClaim({ status: 'on_hold' }), false);
  assert.equal(states.canClaim({ status: 'offline' }), true);
  assert.equal(states.isWaiting({ status: 'assigned' }), false);
  assert.equal(states.holds(null), false);
});

test('a malformed answer changes nothing', () => {
  const states = new States(HUB);
  for (const bad of [null, 'assigned', { claimable: ['bot'] }, { holds_agent: 'assigned' }]) {
    assert.equal(states.set(bad), false);
  }
  assert.equal(states.holds({ status: 'on_hold' }), true);
});
