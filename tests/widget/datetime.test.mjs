// The one date/time format the widget and the console share (widget/src/shared/datetime.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDate, formatDateTime, formatTime, sameDay } from '../../widget/src/shared/datetime.js';
import * as consoleCopy from '../../handoff/static/console/shared/datetime.js';

// local times, so the assertions hold in any time zone
const at = (y, mo, d, h = 0, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime();
const NOW = at(2026, 11, 24, 18, 30);

test('a time of today is just hh:mm; any other day is dd/mm/yyyy, hh:mm', () => {
  assert.equal(formatDateTime(at(2026, 11, 24, 14, 5), NOW), '14:05');
  assert.equal(formatDateTime(at(2026, 11, 24, 0, 0), NOW), '00:00');
  assert.equal(formatDateTime(at(2026, 11, 23, 23, 59), NOW), '23/11/2026, 23:59');
  assert.equal(formatDateTime(at(2025, 1, 3, 9, 7), NOW), '03/01/2025, 09:07');
  assert.equal(formatDateTime(at(2026, 11, 25, 8, 0), NOW), '25/11/2026, 08:00', 'tomorrow (clock skew) is not "today"');
});

test('date and time alone, and nothing for no time', () => {
  assert.equal(formatDate(at(2026, 2, 1, 10)), '01/02/2026');
  assert.equal(formatTime(at(2026, 2, 1, 7, 3)), '07:03');
  assert.equal(formatTime(new Date(at(2026, 2, 1, 17, 45))), '17:45');
  for (const bad of [NaN, null, undefined, '2026-11-24', Infinity, new Date('nope')]) {
    assert.equal(formatDateTime(bad, NOW), '');
    assert.equal(formatDate(bad), '');
    assert.equal(formatTime(bad), '');
  }
});

test('same day compares the local calendar day', () => {
  assert.equal(sameDay(at(2026, 11, 24, 0, 1), at(2026, 11, 24, 23, 59)), true);
  assert.equal(sameDay(at(2026, 11, 24, 23, 59), at(2026, 11, 25, 0, 0)), false);
  assert.equal(sameDay(NaN, NOW), false);
});

test('the console uses the very same module', () => {
  assert.equal(consoleCopy.formatDateTime, formatDateTime);
});
