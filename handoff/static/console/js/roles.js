// Pure logic of the roles and of the supervisor's team page (no DOM, no network; unit-tested with
// node --test): who may see what, the team's table cells, the account forms' bodies, and the hub's
// refusals in Italian words (strings.js).

import { t } from './strings.js';

/** Every console account's role (docs/api.md, "Roles"). */
export const ROLES = ['agent', 'supervisor', 'editor'];
/** The roles that are routed conversations (and may be given one by a transfer or a reassignment). */
export const TAKES_CONVERSATIONS = ['agent', 'supervisor'];
export const PASSWORD_MIN = 8;
export const CAPACITY_MIN = 1;
export const CAPACITY_MAX = 50;
export const GENDERS = ['f', 'm'];

/** The account's role; an older hub (no `role`) or an unknown one reads as an agent's. */
export function roleOf(account) {
  const role = account && account.role;
  return ROLES.includes(role) ? role : 'agent';
}

export function isSupervisor(account) {
  return roleOf(account) === 'supervisor';
}

export function isEditor(account) {
  return roleOf(account) === 'editor';
}

/** Is it an account conversations can go to now or later (not an editor, not disabled)? */
export function takesConversations(account) {
  return !!account && TAKES_CONVERSATIONS.includes(roleOf(account)) && account.disabled !== true;
}

/** "Operatore", "Supervisore", "Redattore dei contenuti". */
export function roleLabel(role) {
  return t(`role_${ROLES.includes(role) ? role : 'agent'}`);
}

/** "In linea", "Assente", "Non in linea" (anything unknown: offline). */
export function presenceLabel(presence) {
  return t(`teamPresence_${['online', 'away'].includes(presence) ? presence : 'offline'}`);
}

/** A CSS-safe modifier for the presence pill. */
export function presenceKey(presence) {
  return ['online', 'away'].includes(presence) ? presence : 'offline';
}

/** "1 / 3" for accounts that take conversations; "—" for editors. */
export function loadText(account) {
  if (!account || !TAKES_CONVERSATIONS.includes(roleOf(account))) return t('teamNoLoad');
  const load = Number(account.load) || 0;
  return t('teamLoadValue', { load, capacity: account.capacity ?? '' });
}

/** "item_damaged, missing_parts"; "Tutti i problemi" for none (no skills = every problem). */
export function skillsText(skills) {
  const list = Array.isArray(skills) ? skills.filter(Boolean) : [];
  return list.length ? list.join(', ') : t('teamAllSkills');
}

/** "Item_damaged, missing parts ,," → ["item_damaged", "missing_parts"]: trimmed, lower-case, once each. */
export function parseSkills(text) {
  const out = [];
  for (const part of String(text ?? '').split(/[,;\n]/)) {
    const skill = part.trim().toLowerCase().replace(/\s+/g, '_');
    if (skill && !out.includes(skill)) out.push(skill);
  }
  return out;
}

/** A capacity typed in a field: an integer 1–50, else null. */
export function parseCapacity(text) {
  const s = String(text ?? '').trim();
  if (!/^\d+$/.test(s)) return null;
  const n = Number(s);
  return n >= CAPACITY_MIN && n <= CAPACITY_MAX ? n : null;
}

/** The team as the page lists it: supervisors, agents, editors; by name within each. */
export function sortTeam(accounts) {
  const rank = (a) => ['supervisor', 'agent', 'editor'].indexOf(roleOf(a));
  return [...(accounts || [])].sort(
    (a, b) => rank(a) - rank(b) || String(a.name || '').localeCompare(String(b.name || ''), 'it') || String(a.email || '').localeCompare(String(b.email || '')),
  );
}

/**
 * The body of POST /v1/supervisor/agents from the add form's fields, or {error: <strings key>} for
 * what the form can tell before asking the hub (the hub checks everything again).
 * @param {{email: string, name: string, password: string, role: string, skills: string, capacity: string, gender?: string}} f
 */
export function newAccountBody(f) {
  const body = { email: String(f.email ?? '').trim(), name: String(f.name ?? '').trim(), password: String(f.password ?? '') };
  if (!body.email) return { error: 'err_email' };
  if (!body.name) return { error: 'err_name' };
  if (body.password.length < PASSWORD_MIN) return { error: 'err_password' };
  body.role = ROLES.includes(f.role) ? f.role : 'agent';
  body.skills = parseSkills(f.skills);
  if (String(f.capacity ?? '').trim() !== '') {
    const capacity = parseCapacity(f.capacity);
    if (capacity === null) return { error: 'err_capacity' };
    body.capacity = capacity;
  }
  if (GENDERS.includes(f.gender)) body.gender = f.gender;
  return { body };
}

/**
 * The body of POST /v1/supervisor/agents/{id} from the edit form: only what changed (skills,
 * capacity, role); {} when nothing did; {error} for a capacity that cannot be.
 */
export function editBody(account, f) {
  const body = {};
  const skills = parseSkills(f.skills);
  const before = Array.isArray(account.skills) ? account.skills : [];
  if (skills.join(',') !== before.join(',')) body.skills = skills;
  const capacity = parseCapacity(f.capacity);
  if (capacity === null) return { error: 'err_capacity' };
  if (capacity !== account.capacity) body.capacity = capacity;
  if (ROLES.includes(f.role) && f.role !== roleOf(account)) body.role = f.role;
  return { body };
}

/** A new password typed for an account: the body of POST …/password, or {error}. */
export function passwordBody(password) {
  const p = String(password ?? '');
  return p.length < PASSWORD_MIN ? { error: 'err_password' } : { body: { password: p } };
}

const BY_CODE = {
  invalid_skills: 'err_skills',
  invalid_capacity: 'err_capacity',
  invalid_password: 'err_password',
  agent_not_found: 'err_not_found',
  forbidden: 'err_forbidden',
  agent_offline: 'err_agent_offline',
  at_capacity: 'err_at_capacity',
  not_assigned: 'err_not_assigned',
  invalid_agent_id: 'err_invalid_agent_id',
  invalid_period: 'err_invalid_period',
  invalid_filter: 'err_invalid_filter',
};

// `invalid_agent` says why in its (English) message: the sentence is picked from it
const BY_MESSAGE = [
  [/already exists/i, 'err_email_taken'],
  [/^skill\b/i, 'err_skills'],
  [/e-?mail address/i, 'err_email'],
  [/display name/i, 'err_name'],
  [/capacity/i, 'err_capacity'],
  [/gender/i, 'err_gender'],
  [/password/i, 'err_password'],
  [/role/i, 'err_role'],
];

/** The strings key for a refusal of the hub (an ApiError: status, code, body.message). */
export function errorKey(err) {
  if (!err) return 'err_generic';
  const code = err.code || (err.body && err.body.error);
  if (code === 'invalid_agent') {
    if (err.status === 409) return 'err_self';
    const message = String((err.body && err.body.message) || '');
    const found = BY_MESSAGE.find(([re]) => re.test(message));
    return found ? found[1] : 'err_generic';
  }
  return BY_CODE[code] || 'err_generic';
}

/** The refusal in Italian. */
export function errorText(err) {
  return t(errorKey(err));
}

/**
 * Who a conversation held by `holderId` can be reassigned to: every account that takes
 * conversations, except its holder; `pickable` when in line or away with room (the hub refuses
 * offline colleagues and full ones).
 */
export function reassignTargets(accounts, holderId) {
  return sortTeam((accounts || []).filter((a) => takesConversations(a) && String(a.id) !== String(holderId))).map((a) => ({
    ...a,
    full: (Number(a.load) || 0) >= (Number(a.capacity) || 0),
    pickable: a.presence !== 'offline' && (Number(a.load) || 0) < (Number(a.capacity) || 0),
  }));
}
