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
  };
}
