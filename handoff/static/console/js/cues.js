// Attention cues: the tab title, a short sound (after a user gesture) and the screen-reader announcer.

import { S } from './strings.js';
import { titleFor } from './logic.js';

export class Cues {
  /** @param {{doc: Document, win: Window, live: () => HTMLElement|null}} o */
  constructor({ doc, win, live }) {
    this.doc = doc;
    this.win = win;
    this.live = live;
    this.audio = null;
    this.unseen = 0;
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

  beep() {
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

  /** `n` more things need the agent's attention: title, sound, announcement. */
  cue(n, announcement) {
    this.unseen += n;
    this.doc.title = titleFor(this.unseen, S.appName);
    this.beep();
    this.announce(announcement);
  }

  clear() {
    if (!this.unseen) return;
    this.unseen = 0;
    this.doc.title = S.appName;
  }
}
