// A panel member opened the wash-up before the review started: wait, and open it once it does.
import { Live, showStatus } from "../realtime.js";

const root = document.getElementById("washup-start");
const sessionId = root.dataset.sessionId;
const started = new Set(["review", "decided", "archived"]);

new Live({
  sessionId,
  storageKey: `facilitator:washup-wait:${sessionId}`,
  onSnapshot(snapshot) {
    if (snapshot.session && started.has(snapshot.session.state)) window.location.reload();
  },
  onEvent({ type, data }) {
    if (type === "session_state_changed" && started.has(data.state)) window.location.reload();
  },
  onStatus: (status) => showStatus(document.getElementById("connection"), status),
});
