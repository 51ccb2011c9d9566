// Every word of the widget's own interface lives here: Italian first, English second.
// The Italian is register-neutral (no tu, no Lei): the customer may be addressed either way by
// the assistant, and the interface must not contradict it.
// What the bot and the agents say comes from the hub (domain.yml), never from this file.
// Placeholders are written {name} and filled by format().

export const STRINGS = {
  it: {
    launcherLabel: 'Apri la chat di assistenza',
    launcherLabelUnread: 'Apri la chat di assistenza: {n} messaggi non letti',
    closeLabel: 'Chiudi la chat',
    panelTitle: 'Assistenza clienti',
    subtitleBot: "Risponde l'assistente virtuale",
    subtitleQueued: 'In attesa di un operatore',
    subtitleOffline: 'Pratica {ticket}: risposta appena possibile',
    subtitleOfflineNoTicket: 'Nessun operatore in linea: risposta appena possibile',
    messagesLabel: 'Messaggi della conversazione',
    inputLabel: 'Messaggio da inviare',
    inputPlaceholder: 'Messaggio…',
    send: 'Invia',
    you: 'Io',
    bot: 'Assistente virtuale',
    system: 'Avviso',
    // Italian past participles agree with the agent: the hub may send agent.gender ("f" | "m");
    // without it the neutral sentence is used.
    agentJoinedF: '{name} si è unita alla conversazione',
    agentJoinedM: '{name} si è unito alla conversazione',
    agentJoined: 'In contatto con {name}',
    agentWithYou: 'In conversazione con {name}',
    queued: 'In coda: posizione {n}, attesa stimata circa {m} min',
    queuedNoEta: 'In coda: posizione {n}',
    queuedShort: 'Ricerca di un operatore in corso…',
    resolved: 'La conversazione con l’operatore è stata chiusa',
    typing: '{name} sta scrivendo…',
    typingSomeone: 'Sta scrivendo…',
    connecting: 'Connessione in corso…',
    connected: 'Connesso',
    reconnecting: 'Connessione persa, riprovo…',
    offlineNetwork: 'Connessione assente: i messaggi verranno inviati appena torna',
    pending: 'In invio…',
    queuedForSend: 'In attesa di connessione',
    sent: 'Inviato',
    notSent: 'Non inviato',
    newMessageFrom: 'Nuovo messaggio da {name}: {text}',
    errorGeneric: 'Qualcosa non ha funzionato. Riprova tra poco.',
    errorTooLong: 'Il messaggio è troppo lungo.',
    errorRateLimited: 'Troppi messaggi in poco tempo: un momento, per favore.',
    errorStart: 'Non riesco a contattare l’assistenza. Riprovo…',
    linkExpired: 'Il link non è più valido: basta scrivere qui per riprendere da dove eravamo.',
    quickRepliesLabel: 'Risposte rapide',
    linkNewWindow: '(si apre in una nuova finestra)',
  },
  en: {
    launcherLabel: 'Open the support chat',
    launcherLabelUnread: 'Open the support chat: {n} unread messages',
    closeLabel: 'Close the chat',
    panelTitle: 'Customer support',
    subtitleBot: 'The virtual assistant is answering',
    subtitleQueued: 'Waiting for an agent',
    subtitleOffline: 'Case {ticket}: we will reply as soon as we can',
    subtitleOfflineNoTicket: 'No agent online: we will reply as soon as we can',
    messagesLabel: 'Conversation messages',
    inputLabel: 'Write a message',
    inputPlaceholder: 'Type your message here…',
    send: 'Send',
    you: 'You',
    bot: 'Virtual assistant',
    system: 'Notice',
    agentJoinedF: '{name} joined the conversation',
    agentJoinedM: '{name} joined the conversation',
    agentJoined: '{name} joined the conversation',
    agentWithYou: 'You are talking to {name}',
    queued: 'You are in the queue: position {n}, estimated wait about {m} min',
    queuedNoEta: 'You are in the queue: position {n}',
    queuedShort: 'We are connecting you to an agent…',
    resolved: 'The conversation with the agent has been closed',
    typing: '{name} is typing…',
    typingSomeone: 'Typing…',
    connecting: 'Connecting…',
    connected: 'Connected',
    reconnecting: 'Connection lost, retrying…',
    offlineNetwork: 'You are offline: messages will be sent as soon as the connection is back',
    pending: 'Sending…',
    queuedForSend: 'Waiting for connection',
    sent: 'Sent',
    notSent: 'Not sent',
    newMessageFrom: 'New message from {name}: {text}',
    errorGeneric: 'Something went wrong. Please try again shortly.',
    errorTooLong: 'The message is too long.',
    errorRateLimited: 'You are writing too fast: please wait a moment.',
    errorStart: 'Cannot reach support. Retrying…',
    linkExpired: 'This link is no longer valid: write to us here and we will pick up where we left off.',
    quickRepliesLabel: 'Quick replies',
    linkNewWindow: '(opens in a new window)',
  },
};

export const DEFAULT_LANG = 'it';

/**
 * Choose the interface language: the embed's data-lang wins, then the browser's preferred
 * languages in order; anything unsupported falls back to Italian.
 * @param {string|null|undefined} dataLang
 * @param {readonly string[]|string|null|undefined} browserLangs navigator.languages or navigator.language
 */
export function pickLang(dataLang, browserLangs) {
  const candidates = [];
  if (dataLang) candidates.push(dataLang);
  if (Array.isArray(browserLangs)) candidates.push(...browserLangs);
  else if (typeof browserLangs === 'string') candidates.push(browserLangs);
  for (const c of candidates) {
    const base = String(c).trim().toLowerCase().split(/[-_]/)[0];
    if (Object.prototype.hasOwnProperty.call(STRINGS, base)) return base;
  }
  return DEFAULT_LANG;
}

/**
 * Fill {placeholders}; unknown placeholders stay visible so a mistake is noticed, never "undefined".
 * @param {string} template
 * @param {Record<string, unknown>} [vars]
 */
export function format(template, vars = {}) {
  return String(template).replace(/\{(\w+)\}/g, (whole, key) =>
    Object.prototype.hasOwnProperty.call(vars, key) && vars[key] !== undefined && vars[key] !== null
      ? String(vars[key])
      : whole,
  );
}

/** A translator bound to one language: t('queued', {n: 2, m: 5}). Missing keys fall back to Italian. */
export function translator(lang) {
  const table = STRINGS[lang] || STRINGS[DEFAULT_LANG];
  return (key, vars) => {
    const template = table[key] ?? STRINGS[DEFAULT_LANG][key];
    if (template === undefined) throw new Error(`sportello: unknown string key "${key}"`);
    return format(template, vars);
  };
}
