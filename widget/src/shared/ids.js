// Ids shared by the widget and the agent console: ordering the hub's event ids, client message ids.

/**
 * Compare two hub event ids. Redis stream ids look like "1700000000000-3" (milliseconds-sequence);
 * plain integers are accepted too. Returns <0, 0 or >0.
 */
export function compareIds(a, b) {
  const pa = parseId(a);
  const pb = parseId(b);
  if (pa && pb) {
    if (pa[0] !== pb[0]) return pa[0] < pb[0] ? -1 : 1;
    if (pa[1] !== pb[1]) return pa[1] < pb[1] ? -1 : 1;
    return 0;
  }
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function parseId(id) {
  const m = /^(\d+)(?:-(\d+))?$/.exec(String(id));
  if (!m) return null;
  return [BigInt(m[1]), BigInt(m[2] || '0')];
}

/** crypto.randomUUID() where available (secure contexts), otherwise an RFC 4122 v4 from getRandomValues. */
export function uuid(cryptoObj = globalThis.crypto) {
  if (cryptoObj && typeof cryptoObj.randomUUID === 'function') return cryptoObj.randomUUID();
  const b = new Uint8Array(16);
  if (cryptoObj && typeof cryptoObj.getRandomValues === 'function') cryptoObj.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Delay before reconnect attempt number `attempt` (0-based): exponential, capped, "equal jitter"
 * (half fixed, half random) so many clients do not reconnect in lock-step after a hub restart.
 */
export function backoffDelay(attempt, { base = 500, cap = 15000, random = Math.random } = {}) {
  const n = Math.max(0, Math.floor(attempt));
  const exp = Math.min(cap, base * 2 ** Math.min(n, 30));
  return Math.round(exp / 2 + random() * (exp / 2));
}
