// The wash-up, on the projector and on the panel's tablets at once: one candidate at a time,
// in the facilitator's order. The facilitator's moves arrive as washup_moved; consensus
// scores, decisions and reopened ratings as events after which the changed parts are drawn
// again from the server (refresh.js). The facilitator's controls are in commands.js.
import { Live, showStatus } from "../realtime.js";
import { connectCommands } from "./commands.js";
import { connectRefresh, refresh } from "./refresh.js";
import { applyOrder, applyStage, currentOrder, showCandidate } from "./stage.js";
import { $, showAlert } from "./ui.js";

const root = $("washup");
const sessionId = root.dataset.sessionId;
const model = { current: root.dataset.current || null, stage: root.dataset.stage || "ratings", loaded: false };

/** Draw a wash-up state: the order, who is on screen, the evidence open or not. */
function applyWashup(washup) {
  if (!washup) return;
  applyOrder(washup.order);
  model.current = showCandidate(washup.current || model.current || currentOrder()[0]);
  model.stage = washup.stage || "ratings";
  applyStage(model.stage);
}

// Events after which some record on the page is out of date.
const REDRAW = new Set(["consensus_recorded", "decision_recorded", "rating_reopened", "rating_submitted"]);

function lost() {
  root.querySelector(".washup-grid")?.setAttribute("hidden", "");
  showAlert("You can no longer follow the wash-up here: a rating of yours is open again, or your access ended. Submit the ratings you owe, then reload this page.");
}

const live = new Live({
  sessionId,
  storageKey: `facilitator:washup:${sessionId}`,
  onSnapshot(snapshot) {
    applyWashup(snapshot.washup);
    // The page was drawn just now; after a reconnect, catch up on what changed meanwhile.
    if (model.loaded) refresh();
    model.loaded = true;
  },
  onEvent({ type, data }) {
    if (type === "washup_moved") applyWashup(data);
    else if (type === "session_state_changed") window.location.reload();
    else if (REDRAW.has(type)) refresh();
  },
  onStatus: (status) => showStatus($("connection"), status),
  onRefused: (error) => showAlert(`${error.message} Reload the page to sign in again.`),
});

connectRefresh(lost);
if (root.dataset.editable === "true") connectCommands(live, model, applyWashup);
