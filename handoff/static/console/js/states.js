// The hub's vocabulary of conversation states and what each means (GET /v1/agent/me and the
// socket's hello frame carry `states`, from handoff/states.py): which a colleague may claim, which
// hold their agent, which wait for a person. The console names no state itself: a state the hub
// adds is handled by what the hub says it means.

const list = (x) => (Array.isArray(x) ? x.map(String) : []);

export class States {
  constructor(states) {
    this.claimable = [];
    this.holdsAgent = [];
    this.waiting = [];
    this.known = false;
    this.set(states);
  }

  /** Take the hub's `states`; false (and nothing changed) when it is missing or malformed. */
  set(states) {
    if (!states || typeof states !== 'object' || !Array.isArray(states.holds_agent)) return false;
    this.claimable = list(states.claimable);
    this.holdsAgent = list(states.holds_agent);
    this.waiting = list(states.waiting);
    this.known = true;
    return true;
  }

  /** May an agent claim this conversation (queued, a ticket…)? */
  canClaim(conv) {
    return !!conv && this.claimable.includes(String(conv.status));
  }

  /** Does its agent hold it (it counts in their load; they write in it)? */
  holds(conv) {
    return !!conv && this.holdsAgent.includes(String(conv.status));
  }

  /** Is it waiting for a person? */
  isWaiting(conv) {
    return !!conv && this.waiting.includes(String(conv.status));
  }
}
