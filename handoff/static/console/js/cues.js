// Attention cues: the tab title counts what waits for the agent's eyes (new conversations, customer
// messages not seen, low ratings), a short sound (after a user gesture, when the agent wants it)
// and the screen-reader announcer.

import { S } from './strings.js';
import { titleFor } from './logic.js';

export const SOUND_KEY = 'sportello-console:sound';

export class Cues {
  /** @param {{doc: Document, win: Window, live: () => HTMLElement|null}} o */
  constructor({ doc, win, live }) {
    this.doc = doc;
    this.win = win;
    this.live = live;
    this.audio = null;
    this.pending = new Map(); // key (conversation id) → {conversation: 0|1, message: n, rating: 0|1}
    this.lastKind = 'conversation';
    this.soundOn = readSound(win);
  }

  /** Browsers allow sound only after a user gesture: call this from one. */
  unlockAudio() {
    try {
      const Ctx = this.win.AudioContext || this.win.webkitAudioContext;
      if (Ctx && !this.audio) this.audio = new Ctx();
      if (this.audio && this.audio.state === 'suspended') this.audio.resume();
    } catch {
      this.audio = null;
    }
  }

  /** Sound on or off, remembered in this browser. */
  setSound(on) {
    this.soundOn = !!on;
    try {
      this.win.localStorage.setItem(SOUND_KEY, this.soundOn ? 'on' : 'off');
    } catch {
      /* private mode: for this page only */
    }
    if (this.soundOn) this.unlockAudio();
  }

  beep() {
    if (!this.soundOn) return;
    try {
      if (!this.audio) this.unlockAudio();
      const ctx = this.audio;
      if (!ctx) return;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.15, ctx.currentTime + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.25);
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.3);
    } catch {
      /* sound is a nicety */
    }
  }

  /** Screen readers hear `text` (the live region is emptied first so a repeat is read again). */
  announce(text) {
    const el = this.live();
    if (!el) return;
    el.textContent = '';
    el.textContent = text;
  }

  /**
   * Something about conversation `key` needs the agent: `kind` is 'conversation' (new), 'message'
   * (one more customer message), 'rating' (a low one) or 'overdue' (a ticket past its promised time). Title, sound, announcement.
   */
  cue(key, kind, announcement) {
    const k = String(key);
    const entry = this.pending.get(k) || { conversation: 0, message: 0, rating: 0, overdue: 0, at: 0 };
    entry.at = Date.now();
    if (kind === 'message') entry.message += 1;
    else entry[kind] = 1;
    this.pending.set(k, entry);
    this.lastKind = kind;
    this.renderTitle();
    this.beep();
    if (announcement) this.announce(announcement);
  }

  /** How many things the title counts. */
  get count() {
    let n = 0;
    for (const e of this.pending.values()) n += e.conversation + e.message + e.rating + (e.overdue || 0);
    return n;
  }

  /** The agent has looked at conversation `key` (all of it, or only `kinds` of it). */
  settle(key, kinds = ['conversation', 'message', 'rating', 'overdue']) {
    const k = String(key);
    const entry = this.pending.get(k);
    if (!entry) return;
    for (const kind of kinds) entry[kind] = 0;
    if (!entry.conversation && !entry.message && !entry.rating && !entry.overdue) this.pending.delete(k);
    this.renderTitle();
  }

  /**
   * Forget cues of conversations that are no longer waiting for anybody (`keep(key)` false), as
   * lists fetched from `since` (ms) show them: a cue that came later is kept.
   */
  prune(keep, since = Infinity) {
    let changed = false;
    for (const [k, e] of this.pending) {
      if (!e.rating && !e.overdue && e.at < since && !keep(k)) {
        this.pending.delete(k);
        changed = true;
      }
    }
    if (changed) this.renderTitle();
  }

  clear() {
    this.pending.clear();
    this.renderTitle();
  }

  /** What the title names: the latest kind of cue while some of it waits, else any that waits. */
  kindNow() {
    const waiting = (kind) => [...this.pending.values()].some((e) => e[kind] > 0);
    if (waiting(this.lastKind)) return this.lastKind;
    return ['overdue', 'rating', 'message', 'conversation'].find(waiting) || this.lastKind;
  }

  renderTitle() {
    this.doc.title = titleFor(this.count, S.appName, this.kindNow());
  }
}

function readSound(win) {
  try {
    return win.localStorage.getItem(SOUND_KEY) !== 'off';
  } catch {
    return true;
  }
}
