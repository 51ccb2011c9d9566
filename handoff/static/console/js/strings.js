// Every word of the agent console's interface (Italian). Canned replies and anything the customer
// reads come from the hub (domain.yml), never from here. Placeholders: {name}.

export const S = {
  appName: 'Sportello — Console operatori',
  // login
  loginTitle: 'Accedi alla console',
  email: 'E-mail',
  password: 'Password',
  login: 'Accedi',
  loggingIn: 'Accesso in corso…',
  loginFailed: 'E-mail o password non corrette.',
  loginError: 'Accesso non riuscito: riprova tra poco.',
  sessionExpired: 'La sessione è scaduta: accedi di nuovo.',
  logout: 'Esci',
  // presence
  presenceLabel: 'Disponibilità',
  online: 'Disponibile',
  away: 'Assente',
  presenceFailed: 'Non è stato possibile cambiare la disponibilità.',
  // connection
  live: 'Aggiornamenti in tempo reale attivi',
  reconnecting: 'Connessione persa, riprovo…',
  connecting: 'Connessione…',
  // lists
  listsLabel: 'Conversazioni',
  queue: 'In coda',
  mine: 'Le mie',
  resolved: 'Risolte',
  offline: 'Ticket',
  emptyQueue: 'Nessun cliente in attesa.',
  emptyMine: 'Nessuna conversazione assegnata a te.',
  emptyResolved: 'Nessuna conversazione risolta.',
  emptyOffline: 'Nessun ticket aperto.',
  waiting: 'in attesa da {time}',
  priorityHigh: 'Priorità alta',
  position: '{n}° in coda',
  customer: 'Cliente',
  unknownCustomer: 'Cliente senza nome',
  loadFailed: 'Caricamento non riuscito.',
  // time
  now: 'meno di un minuto',
  minutes: '{m} min',
  hoursMinutes: '{h} h {m} min',
  // conversation
  selectConversation: 'Seleziona una conversazione dalla lista.',
  status_bot: 'Con il bot',
  status_queued: 'In coda',
  status_assigned: 'Assegnata',
  status_resolved: 'Risolta',
  status_offline: 'Ticket aperto',
  assignedTo: 'Assegnata a {name}',
  ticket: 'Ticket {id}',
  claim: 'Prendi in carico',
  claimDone: 'Conversazione presa in carico.',
  claimFailed: 'Non è stato possibile prendere in carico la conversazione (forse l’ha già presa un collega).',
  resolve: 'Risolvi',
  resolveConfirm: 'Conferma: risolvi',
  resolveDone: 'Conversazione risolta.',
  resolveFailed: 'Non è stato possibile risolvere la conversazione.',
  unseenMessage: 'Il cliente ha appena scritto: leggi il messaggio prima di risolvere.',
  transfer: 'Trasferisci',
  transferTo: 'Trasferisci a',
  transferNote: 'Nota per il collega (facoltativa)',
  transferSend: 'Conferma trasferimento',
  transferCancel: 'Annulla',
  transferOk: 'Conversazione trasferita a {name}.',
  transferFailed: 'Trasferimento non riuscito.',
  noAgents: 'Nessun altro operatore disponibile.',
  agentOption: '{name} ({status})',
  agentFull: 'al completo',
  presence_online: 'Disponibile',
  presence_away: 'Assente',
  presence_offline: 'Non in linea',
  // case card
  caseCard: 'Scheda del caso',
  dontAskAgain: 'Non chiedere di nuovo: {items}',
  dontAsk_order_number: 'numero d’ordine',
  dontAsk_problem_type: 'problema',
  dontAsk_email: 'e-mail',
  dontAsk_customer_name: 'nome',
  dontAsk_description: 'descrizione',
  problem: 'Problema',
  orderNumber: 'Ordine',
  email: 'E-mail',
  mood: 'Umore',
  toCheck: 'Da verificare',
  register: 'Dai del',
  register_formal: 'Lei (il cliente scrive in modo formale)',
  register_informal: 'tu (il cliente dà del tu)',
  customerName: 'Nome',
  description: 'Descrizione',
  customerWords: 'Le parole del cliente',
  botTried: 'Cosa ha già fatto il bot',
  reason: 'Motivo del passaggio',
  reason_request_human: 'Il cliente ha chiesto una persona',
  reason_frustration: 'Cliente frustrato',
  reason_fallback: 'Il bot non ha capito',
  reason_problem: 'Problema da gestire',
  reason_ticket_followup: 'Seguito di un ticket',
  reason_bot_unavailable: 'Bot non disponibile',
  order: 'Ordine',
  history: 'Storico del cliente',
  noHistory: 'Primo contatto: nessuna conversazione precedente.',
  notes: 'Note interne',
  // order fields
  order_number: 'Numero',
  order_status: 'Stato',
  order_item: 'Articolo',
  order_items: 'Articoli',
  order_customer_name: 'Cliente',
  order_email: 'E-mail',
  order_total: 'Totale',
  order_delivered_at: 'Consegnato il',
  order_delivery_date: 'Consegna',
  order_ordered_at: 'Ordinato il',
  order_carrier: 'Corriere',
  order_tracking: 'Tracking',
  order_address: 'Indirizzo',
  order_product: 'Articolo',
  order_tracking_url: 'Tracciamento',
  order_delivery_change_allowed: 'Consegna modificabile',
  order_note: 'Nota',
  orderStatus_delivered: 'Consegnato',
  orderStatus_in_transit: 'In viaggio',
  orderStatus_preparing: 'In preparazione',
  orderStatus_cancelled: 'Annullato',
  yes: 'sì',
  no: 'no',
  // transcript
  transcript: 'Conversazione',
  from_customer: 'Cliente',
  from_bot: 'Bot',
  from_agent: 'Operatore',
  from_system: 'Sistema',
  internalNote: 'Nota interna di {name}',
  internalNoteAnon: 'Nota interna',
  handoffEvent_queued: 'Messa in coda',
  handoffEvent_assigned: 'Assegnata a {name}',
  handoffEvent_offline: 'Nessun operatore disponibile: ticket {ticket}',
  resolvedEvent: 'Conversazione risolta',
  customerTyping: 'Il cliente sta scrivendo…',
  buttonsOffered: 'Pulsanti proposti: {list}',
  // composer
  reply: 'Risposta al cliente',
  replyPlaceholder: 'Scrivi la risposta al cliente…',
  send: 'Invia',
  sending: 'Invio…',
  sendFailed: 'Messaggio non inviato: riprova.',
  noteMode: 'Nota interna (il cliente non la vede)',
  notePlaceholder: 'Scrivi una nota interna per i colleghi…',
  saveNote: 'Salva nota',
  noteFailed: 'Nota non salvata: riprova.',
  canned: 'Risposte pronte',
  cannedPick: 'Inserisci una risposta pronta…',
  cannedNone: 'Nessuna risposta pronta disponibile',
  notAssignedToYou: 'Per rispondere prendi in carico la conversazione.',
  // cues
  newConversationTitle: '({n}) Nuova conversazione',
  newConversationAnnounce: 'Nuova conversazione in coda',
};

/** Fill {placeholders}; unknown ones stay visible. */
export function format(template, vars = {}) {
  return String(template).replace(/\{(\w+)\}/g, (whole, key) =>
    Object.prototype.hasOwnProperty.call(vars, key) && vars[key] != null ? String(vars[key]) : whole,
  );
}

/** t('waiting', {time}) — throws on an unknown key so a typo is caught by the tests. */
export function t(key, vars) {
  const template = S[key];
  if (template === undefined) throw new Error(`console: unknown string key "${key}"`);
  return format(template, vars);
}

/** A label for a value from an open set (problem types, moods): known → translated, else as is. */
export function label(prefix, value) {
  if (value == null || value === '') return '';
  const key = `${prefix}_${value}`;
  return Object.prototype.hasOwnProperty.call(S, key) ? S[key] : String(value).replace(/_/g, ' ');
}
