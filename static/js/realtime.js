// The connection every live page shares: authenticate, resume from the last sequence id,
// apply each event once and in order, keep writes until the server acknowledges them,
// and count down against the server's clock.
import { io } from "/vendor/socket.io.esm.min.js";

const RETRY_MS = 3000;
// Refusals that mean "not now" rather than "no": the write stays in the outbox.
// outcome_unknown: storage broke mid-write; the same id again is safe and settles it.
// rate_limited: this connection sent too fast; too_many_connections (on connect): the
// device's old sockets have not yet timed out on the server.
const RETRY_LATER = new Set(["unavailable", "busy", "outcome_unknown", "rate_limited", "too_many_connections"]);
const STORAGE_RETRY_MS = 2000;

export class Live {
  /**
   * @param {object} options
   * @param {string} options.sessionId
   * @param {string} options.storageKey  where the outbox and last seq are kept on this device
   * @param {(snapshot: object) => void} options.onSnapshot
   * @param {(event: {type: string, seq: number, at: number, data: object}) => void} options.onEvent
   * @param {(state: {status: string, unsent: number}) => void} [options.onStatus]
   * @param {(error: {code: string, message: string}) => void} [options.onRefused]
   * @param {(item: {name: string, payload: object}, ack: object) => void} [options.onDelivered]
   *   called when the server acknowledges a write, also one resent from the outbox after a reload
   * @param {object} [options.auth]  extra connect auth (e.g. an API token)
   */
  constructor(options) {
    this.options = options;
    this.seq = 0; // newest sequence id applied
    this.floor = 0; // everything at or below this is already reflected
    this.seen = new Set();
    // Server time minus local time, in seconds; remembered so that a page reloaded while
    // offline still stamps writes on the server's clock.
    this.clockOffset = Number(localStorage.getItem(options.storageKey + ":clock")) || 0;
    this.status = "connecting";
    this.resuming = false;
    this.pending = [];
    this.outbox = this.loadOutbox();
    this.waiters = new Map(); // write id -> resolve() of the promise send() returned
    this.flushing = null;
    this.retryTimer = null;
    this.socket = io({
      auth: (cb) => cb({ session_id: options.sessionId, ...(options.auth || {}) }),
      transports: ["websocket", "polling"],
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket.on("connect", () => this.resume());
    this.socket.on("disconnect", (reason) => {
      this.setStatus(navigator.onLine ? "reconnecting" : "offline");
      // socket.io does not retry by itself after the server closed the socket.
      if (reason === "io server disconnect") this.socket.connect();
    });
    this.socket.io.on("reconnect_attempt", () => this.setStatus(navigator.onLine ? "reconnecting" : "offline"));
    this.socket.on("connect_error", (err) => {
      if (err && err.data && RETRY_LATER.has(err.data.code)) {
        // The server is there but its storage is not: refused for now, so try again.
        this.setStatus("reconnecting");
        setTimeout(() => {
          if (this.status !== "refused" && !this.socket.connected) this.socket.connect();
        }, STORAGE_RETRY_MS);
      } else if (err && err.data && err.data.code) {
        // The server refused us (removed, signed out): retrying will not help.
        this.setStatus("refused");
        this.socket.disconnect();
        if (options.onRefused) options.onRefused(err.data);
      } else {
        this.setStatus(navigator.onLine ? "reconnecting" : "offline");
      }
    });
    this.socket.onAny((name, envelope) => this.receive(envelope));
    window.addEventListener("online", () => {
      if (this.status === "refused") return;
      // The socket may have survived a short outage; then only the indicator is stale.
      if (this.socket.connected) this.setStatus(this.resuming ? "reconnecting" : "connected");
      else this.socket.connect();
    });
    window.addEventListener("offline", () => this.setStatus("offline"));
    // A phone waking from a locked screen may hold a dead socket; check at once.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && !this.socket.connected && this.status !== "refused") this.socket.connect();
    });
  }

  /** Seconds on the server's clock now. */
  now() {
    return Date.now() / 1000 + this.clockOffset;
  }

  /** Ask for a fresh snapshot (after a change that events describe only in part). */
  refresh() {
    this.seq = 0; // offline, the next connect then asks for a snapshot by itself
    if (this.resuming) this.refreshWanted = true; // replaying: take a snapshot once it is over
    if (this.resuming || !this.socket.connected) return Promise.resolve();
    return this.resume();
  }

  setStatus(status) {
    this.status = status;
    if (this.options.onStatus) this.options.onStatus({ status, unsent: this.outbox.length });
  }

  async resume() {
    this.resuming = true;
    this.pending = [];
    const sentAt = Date.now() / 1000;
    let ack;
    try {
      ack = await this.socket.timeout(10000).emitWithAck("resume", { last_seq: this.seq });
    } catch (err) {
      this.resuming = false;
      this.socket.disconnect().connect();
      return;
    }
    const receivedAt = Date.now() / 1000;
    if (!ack.ok) {
      this.resuming = false;
      if (ack.error && RETRY_LATER.has(ack.error.code)) {
        // Storage is away for a moment: stay as we are and ask again.
        this.setStatus("reconnecting");
        setTimeout(() => {
          if (this.socket.connected && !this.resuming) this.resume();
        }, STORAGE_RETRY_MS);
        return;
      }
      if (this.options.onRefused) this.options.onRefused(ack.error);
      return;
    }
    const result = ack.result;
    // The server stamped its time somewhere in the round trip; assume the middle.
    this.clockOffset = result.server_time - (sentAt + receivedAt) / 2;
    try {
      localStorage.setItem(this.options.storageKey + ":clock", String(this.clockOffset));
    } catch (err) {
      // Storage full or blocked: the offset is still right for this page.
    }
    if (result.snapshot) {
      this.seq = result.seq;
      this.floor = result.seq;
      this.seen = new Set();
      this.options.onSnapshot(result.snapshot);
    } else {
      for (const envelope of result.events) this.apply(envelope);
      this.seq = Math.max(this.seq, result.seq);
    }
    this.resuming = false;
    const queued = this.pending;
    this.pending = [];
    for (const envelope of queued) this.receive(envelope);
    this.setStatus("connected");
    this.flush();
    if (this.refreshWanted) {
      this.refreshWanted = false;
      this.refresh();
    }
  }

  receive(envelope) {
    if (!envelope || typeof envelope.seq !== "number") return;
    if (this.resuming) {
      this.pending.push(envelope);
      return;
    }
    this.apply(envelope);
  }

  apply(envelope) {
    // Sequence ids have gaps (events meant for others), and with several server processes
    // two pushes can overtake each other, so dedupe by id rather than by order.
    if (this.seen.has(envelope.seq) || envelope.seq <= this.floor) return;
    this.seen.add(envelope.seq);
    if (this.seen.size > 2000) {
      const oldest = Math.min(...this.seen);
      this.seen.delete(oldest);
      this.floor = Math.max(this.floor, oldest);
    }
    this.seq = Math.max(this.seq, envelope.seq);
    this.options.onEvent(envelope);
  }

  // Writes: each gets a client id and stays in the outbox until acknowledged.

  loadOutbox() {
    try {
      return JSON.parse(localStorage.getItem(this.options.storageKey + ":outbox") || "[]");
    } catch (err) {
      return [];
    }
  }

  saveOutbox() {
    localStorage.setItem(this.options.storageKey + ":outbox", JSON.stringify(this.outbox));
    if (this.options.onStatus) this.options.onStatus({ status: this.status, unsent: this.outbox.length });
  }

  /**
   * Send a command; resolves with the acknowledgement, or `{ok: false, queued: true}` when it
   * has to wait for the connection (it is kept and resent until one comes). Writes reach the
   * server in the order they were made, so an edit never overtakes the record it changes.
   * A `payload.id` given by the caller is kept (e.g. an observation's own id).
   */
  send(name, payload) {
    const item = { name, payload: { id: newId(), ...payload } };
    this.outbox.push(item);
    this.saveOutbox();
    if (!this.socket.connected) return Promise.resolve({ ok: false, queued: true });
    const answered = new Promise((resolve) => this.waiters.set(item.payload.id, resolve));
    this.flush();
    return answered;
  }

  /** Send a command that is pointless to retry later (a facilitator's button press). */
  async command(name, payload) {
    return this.request(name, { id: newId(), ...payload });
  }

  /** Ask the server something (a read, no id, never retried); resolves with the acknowledgement. */
  async request(name, payload) {
    if (!this.socket.connected) return { ok: false, error: { code: "offline", message: "Not connected. Try again when the connection is back." } };
    try {
      return await this.socket.timeout(10000).emitWithAck(name, payload);
    } catch (err) {
      return { ok: false, error: { code: "timeout", message: "No answer from the server. Try again." } };
    }
  }

  async deliver(item) {
    if (!this.socket.connected) return { ok: false, queued: true };
    let ack;
    try {
      ack = await this.socket.timeout(10000).emitWithAck(item.name, item.payload);
    } catch (err) {
      return { ok: false, queued: true };
    }
    // The server could not decide this time (storage busy or unreachable): keep it and retry.
    if (!ack.ok && ack.error && RETRY_LATER.has(ack.error.code)) {
      return { ok: false, queued: true, retryAfter: Number(ack.error.retry_after) || 0 };
    }
    // Acknowledged, accepted or refused: either way the server has decided; stop resending.
    const waiting = this.outbox.some((other) => other.payload.id === item.payload.id);
    this.outbox = this.outbox.filter((other) => other.payload.id !== item.payload.id);
    this.saveOutbox();
    // A write sent twice (by send() and by a flush) is reported once.
    if (waiting && this.options.onDelivered) this.options.onDelivered(item, ack);
    this.settle(item.payload.id, ack);
    return ack;
  }

  settle(id, ack) {
    const resolve = this.waiters.get(id);
    this.waiters.delete(id);
    if (resolve) resolve(ack);
  }

  /** Deliver the outbox one write at a time, oldest first; one flush runs at a time. */
  flush() {
    if (this.flushing) return this.flushing;
    clearTimeout(this.retryTimer);
    this.flushing = (async () => {
      // Yield once, so `this.flushing` is set before the end of a flush with nothing to send
      // clears it (otherwise it would keep a finished promise and no write would go again).
      await null;
      const unanswered = new Set(); // timed out this round: try the rest, these again later
      let pause = 0; // the server asked this connection to slow down: nothing more this round
      while (this.socket.connected && !this.resuming) {
        const item = this.outbox.find((other) => !unanswered.has(other.payload.id));
        if (!item) break;
        const ack = await this.deliver(item);
        if (ack.queued) unanswered.add(item.payload.id);
        if (ack.retryAfter) {
          pause = ack.retryAfter * 1000;
          break;
        }
      }
      this.flushing = null;
      for (const item of this.outbox) this.settle(item.payload.id, { ok: false, queued: true });
      // A write the server did not answer is retried without waiting for a reconnect.
      if (this.outbox.length && this.socket.connected && !this.resuming) {
        this.retryTimer = setTimeout(() => this.flush(), Math.max(RETRY_MS, pause));
      }
    })();
    return this.flushing;
  }
}

export function newId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Minutes and seconds, with a sign once time has run out. */
export function formatClock(seconds) {
  const total = Math.abs(Math.round(seconds));
  const over = seconds < 0 && total > 0; // never "-0:00"
  const text = `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
  return over ? `-${text}` : text;
}

/** Remaining seconds of a timer payload at server time `now`. */
export function remaining(timer, now) {
  if (!timer) return null;
  if (timer.ends_at != null) return timer.ends_at - now;
  return timer.remaining_s != null ? timer.remaining_s : timer.duration_s;
}

/** Make an element with text content (never HTML) and attributes. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

/** Show the connection state in the page's indicator. */
export function showStatus(node, { status, unsent }) {
  const labels = { connecting: "Connecting…", connected: "Connected", reconnecting: "Reconnecting…", offline: "Offline", refused: "Signed out" };
  node.dataset.status = status;
  node.textContent = labels[status] || status;
  if (unsent) node.textContent += ` · ${unsent} unsent`;
}
