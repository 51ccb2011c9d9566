// The hub's agent HTTP API. Every call carries the bearer token; a 401 calls onUnauthorized()
// (back to the login screen) and rejects.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.message || body.error)) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.code = body && body.error; // the hub's stable error code
  }
}

/**
 * @param {{base?: string, fetchFn?: typeof fetch, getToken: () => string|null,
 *          onUnauthorized?: () => void}} o
 */
export function createApi({ base = '', fetchFn = globalThis.fetch.bind(globalThis), getToken, onUnauthorized = () => {} }) {
  async function call(method, path, body, { auth = true } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const token = auth ? getToken() : null;
    if (auth && token) headers.Authorization = `Bearer ${token}`;
    const res = await fetchFn(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    const text = await res.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (res.status === 401 && auth) onUnauthorized();
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }
  const id = (v) => encodeURIComponent(String(v));
  return {
    call,
    login: (email, password) => call('POST', '/v1/agent/login', { email, password }, { auth: false }),
    conversations: (status) => call('GET', `/v1/agent/conversations?status=${encodeURIComponent(status)}`),
    conversation: (cid) => call('GET', `/v1/agent/conversations/${id(cid)}`),
    /** A conversation action (claim, resolve…): POST /v1/agent/conversations/{id}/{name}. */
    act: (cid, name, body = {}) => call('POST', `/v1/agent/conversations/${id(cid)}/${encodeURIComponent(name)}`, body),
    message: (cid, text, clientId) =>
      call('POST', `/v1/agent/conversations/${id(cid)}/messages`, { text, client_id: clientId }),
    note: (cid, text) => call('POST', `/v1/agent/conversations/${id(cid)}/notes`, { text }),
    /** `note` for the colleague (internal), `reason` for the customer: each only when given. */
    transfer: (cid, agentId, note, reason) => {
      const body = { agent_id: agentId };
      if (note) body.note = note;
      if (reason) body.reason = reason;
      return call('POST', `/v1/agent/conversations/${id(cid)}/transfer`, body);
    },
    /** You have read the conversation up to now (its unread count restarts at 0). */
    read: (cid) => call('POST', `/v1/agent/conversations/${id(cid)}/read`, {}),
    me: () => call('GET', '/v1/agent/me'),
    presence: (status) => call('POST', '/v1/agent/presence', { status }),
    agents: () => call('GET', '/v1/agent/agents'),
    // in the register of conversation `cid` when given (Lei for a formal customer)
    canned: (cid) => call('GET', cid ? `/v1/agent/canned?conversation_id=${id(cid)}` : '/v1/agent/canned'),
    /** Sign this token out on the hub (its open sockets close too). */
    logout: () => call('POST', '/v1/agent/logout', {}),
    /** Everyone's conversations with an agent (supervisors read the whole team's). */
    allAssigned: () => call('GET', '/v1/agent/conversations?status=assigned&scope=all'),
    // ---- supervisors (docs/api.md, "Supervisor protocol")
    team: () => call('GET', '/v1/supervisor/agents'),
    addAccount: (body) => call('POST', '/v1/supervisor/agents', body),
    /** Any of {name, skills, capacity, role, gender, disabled}. */
    updateAccount: (aid, body) => call('POST', `/v1/supervisor/agents/${id(aid)}`, body),
    setPassword: (aid, password) => call('POST', `/v1/supervisor/agents/${id(aid)}/password`, { password }),
    /** `reason` (the customer reads it) only when given. */
    reassign: (cid, agentId, reason) => {
      const body = { agent_id: agentId };
      if (reason) body.reason = reason;
      return call('POST', `/v1/supervisor/conversations/${id(cid)}/reassign`, body);
    },
    // ---- reports (docs/api.md, "Reports"): `query` is figures.js's reportQuery()
    summary: (query) => call('GET', `/v1/reports/summary?${query}`),
    reportConversations: (query) => call('GET', `/v1/reports/conversations?${query}`),
    /** The CSV as a Blob (a link cannot carry the token), with the hub's Content-Disposition. */
    csv: async (query) => {
      const token = getToken();
      const res = await fetchFn(`${base}/v1/reports/conversations.csv?${query}`, {
        method: 'GET',
        headers: token ? { Accept: 'text/csv', Authorization: `Bearer ${token}` } : { Accept: 'text/csv' },
      });
      if (res.status === 401) onUnauthorized();
      if (!res.ok) {
        let data = null;
        try {
          data = JSON.parse(await res.text());
        } catch {
          data = null;
        }
        throw new ApiError(res.status, data);
      }
      const blob = typeof res.blob === 'function' ? await res.blob() : new Blob([await res.text()], { type: 'text/csv' });
      const disposition = res.headers && typeof res.headers.get === 'function' ? res.headers.get('Content-Disposition') : null;
      return { blob, disposition };
    },
  };
}
