// The widget's CSS, injected once. Inside a shadow root the host page cannot leak in or be touched;
// without shadow DOM every selector is still under the "sportello-" prefix.
// Colours meet WCAG AA: #0b4f8a on white 8.6:1, white on #0b4f8a 8.6:1, #1f2933 on #eef2f6 13:1.

export const CSS = `
:host { all: initial; }
.sportello-root, .sportello-root * { box-sizing: border-box; }
.sportello-root {
  --sportello-brand: #0b4f8a;
  --sportello-brand-dark: #083a66;
  --sportello-text: #1f2933;
  --sportello-muted: #4b5563;
  --sportello-bg: #ffffff;
  --sportello-soft: #eef2f6;
  --sportello-agent: #f3ecff;
  --sportello-agent-accent: #5b2a9e;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 16px;
  line-height: 1.4;
  color: var(--sportello-text);
  position: fixed;
  right: 20px;
  bottom: 20px;
  z-index: 2147483000;
}
.sportello-root [hidden] { display: none !important; }
.sportello-sr-only {
  position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
.sportello-root button { font: inherit; cursor: pointer; }
.sportello-root :focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }

.sportello-launcher {
  position: relative; width: 60px; height: 60px; border-radius: 50%; border: 0;
  background: var(--sportello-brand); color: #fff; display: flex; align-items: center;
  justify-content: center; box-shadow: 0 4px 14px rgba(0,0,0,.25); margin-left: auto;
}
.sportello-launcher:hover { background: var(--sportello-brand-dark); }
.sportello-badge {
  position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px;
  border-radius: 11px; background: #b91c1c; color: #fff; font-size: 13px; font-weight: 700;
  display: flex; align-items: center; justify-content: center; border: 2px solid #fff;
}

.sportello-panel {
  width: 370px; height: min(600px, calc(100vh - 110px)); margin-bottom: 12px;
  background: var(--sportello-bg); border-radius: 14px; box-shadow: 0 10px 40px rgba(0,0,0,.28);
  display: flex; flex-direction: column; overflow: hidden;
}
.sportello-header {
  display: flex; align-items: center; gap: 10px; padding: 12px 12px 12px 14px;
  background: var(--sportello-brand); color: #fff;
}
.sportello-titles { flex: 1; min-width: 0; }
.sportello-title { margin: 0; font-size: 17px; font-weight: 700; color: #fff; }
.sportello-subtitle { margin: 2px 0 0; font-size: 13px; color: #fff; opacity: .95; }
.sportello-close {
  width: 44px; height: 44px; border: 0; border-radius: 50%; background: transparent; color: #fff;
  font-size: 26px; line-height: 1;
}
.sportello-close:hover { background: rgba(255,255,255,.15); }
.sportello-avatar {
  flex: none; width: 38px; height: 38px; border-radius: 50%; background: #fff;
  color: var(--sportello-brand); font-weight: 700; display: inline-flex; align-items: center;
  justify-content: center; font-size: 15px;
}
.sportello-avatar--agent { background: var(--sportello-agent); color: var(--sportello-agent-accent); }
.sportello-avatar--small { width: 24px; height: 24px; font-size: 11px; background: var(--sportello-agent); color: var(--sportello-agent-accent); }

.sportello-conn { padding: 8px 14px; background: #fff4d6; color: #6b4500; font-size: 14px; border-bottom: 1px solid #f0d48a; }
.sportello-root[data-connection="offline"] .sportello-conn { background: #fde2e2; color: #8a1111; border-color: #f5b5b5; }
.sportello-handoff { padding: 8px 14px; background: var(--sportello-soft); color: var(--sportello-text); font-size: 14px; border-bottom: 1px solid #d8dee6; }

.sportello-messages {
  list-style: none; margin: 0; padding: 12px; flex: 1; overflow-y: auto; display: flex;
  flex-direction: column; gap: 8px; background: #fafbfc;
}
.sportello-msg { display: flex; flex-direction: column; max-width: 85%; }
.sportello-msg-head { display: flex; align-items: center; gap: 6px; margin-bottom: 2px; }
.sportello-msg-author { font-size: 12px; color: var(--sportello-muted); font-weight: 600; }
.sportello-bubble {
  padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere;
  word-break: break-word;
}
.sportello-msg--customer { align-self: flex-end; align-items: flex-end; }
.sportello-msg--customer .sportello-bubble { background: var(--sportello-brand); color: #fff; border-bottom-right-radius: 4px; }
.sportello-msg--customer .sportello-link { color: #fff; }
.sportello-msg--bot { align-self: flex-start; }
.sportello-msg--bot .sportello-bubble { background: var(--sportello-soft); color: var(--sportello-text); border-bottom-left-radius: 4px; }
.sportello-msg--agent { align-self: flex-start; }
.sportello-msg--agent .sportello-bubble {
  background: var(--sportello-agent); color: var(--sportello-text); border-bottom-left-radius: 4px;
  border-left: 3px solid var(--sportello-agent-accent);
}
.sportello-msg--system {
  align-self: center; max-width: 95%; flex-direction: row; align-items: center; gap: 6px;
  font-size: 13px; color: var(--sportello-muted); text-align: center; font-style: italic;
}
.sportello-msg--error { color: #8a1111; }
.sportello-msg--pending .sportello-bubble { opacity: .8; }
.sportello-msg-status { font-size: 12px; color: var(--sportello-muted); margin-top: 2px; }
.sportello-msg--failed .sportello-bubble { background: #fde2e2; color: #8a1111; }
.sportello-msg--failed .sportello-msg-status { color: #8a1111; font-weight: 600; }
.sportello-link { color: var(--sportello-brand); text-decoration: underline; }

.sportello-typing { padding: 4px 14px; font-size: 13px; color: var(--sportello-muted); font-style: italic; }
.sportello-quick { display: flex; flex-wrap: wrap; gap: 8px; padding: 0 10px 10px; background: #fff; }
.sportello-quick-reply {
  border: 1.5px solid var(--sportello-brand); background: #fff; color: var(--sportello-brand);
  border-radius: 22px; padding: 8px 14px; font-size: 15px; min-height: 44px; /* a thumb's target */
}
.sportello-quick-reply:hover { background: var(--sportello-soft); }

.sportello-composer { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #d8dee6; background: #fff; }
.sportello-input {
  flex: 1; resize: none; font: inherit; font-size: 16px; padding: 9px 10px; border-radius: 10px;
  border: 1.5px solid #8a96a3; color: var(--sportello-text); background: #fff; max-height: 120px;
}
.sportello-send {
  border: 0; border-radius: 10px; padding: 0 16px; background: var(--sportello-brand); color: #fff;
  font-weight: 600; min-height: 44px;
}
.sportello-send:hover { background: var(--sportello-brand-dark); }

@media (max-width: 480px) {
  .sportello-root { right: 12px; bottom: 12px; }
  .sportello-root--open { inset: 0; right: 0; bottom: 0; }
  .sportello-root--open .sportello-panel {
    position: fixed; inset: 0; width: 100vw; height: 100%; max-height: none; margin: 0; border-radius: 0;
  }
  .sportello-root--open .sportello-launcher { display: none; }
}
@media (prefers-reduced-motion: no-preference) {
  .sportello-panel { animation: sportello-in .15s ease-out; }
  @keyframes sportello-in { from { opacity: 0; transform: translateY(8px); } to { opacity: 1; transform: none; } }
}
`;
