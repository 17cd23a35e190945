// The observer's tablet. While an exercise runs: one tap (or key) records a behaviour seen in
// a candidate, stamped on the server's clock, shown at once and kept on the device until the
// server acknowledges it. After it ends: each assigned candidate is rated per competency on
// the anchored 1-5 scale, with evidence, independently of the rest of the panel.
//
// This file connects the parts in observe/: state (the model and its copy on the device),
// screen (the bar and which screen shows), capture and timeline, rating and compare, offline.
import { Live } from "./realtime.js";
import { clearSelection, connectCapture, observationDelivered } from "./observe/capture.js";
import { followUpChanged, loadFollowUps, watchFollowUps } from "./observe/followups.js";
import { keepWorkingOffline } from "./observe/offline.js";
import { guardSignOut } from "./observe/signout.js";
import { connectRating, ratingDelivered } from "./observe/rating.js";
import { changed, render, startScreen, statusChanged } from "./observe/screen.js";
import { applyEvent, connectState, load, reportProblem, restore } from "./observe/state.js";
import { connectTimeline } from "./observe/timeline.js";
import { $, showAlert } from "./observe/ui.js";

const root = $("observe");
const sessionId = root.dataset.sessionId;
const me = root.dataset.viewerId;
const storageKey = `fac-observe:${sessionId}:${me}`;

const live = new Live({
  sessionId,
  storageKey,
  // Facilitators on the panel observe as observers here, with an observer's view.
  auth: { role: "observer" },
  onSnapshot(snapshot) {
    load(snapshot);
    loadFollowUps(snapshot);
    changed();
  },
  onEvent(envelope) {
    if (applyEvent(envelope) || followUpChanged(envelope)) changed();
  },
  onStatus: statusChanged,
  onDelivered(item, ack) {
    if (item.name === "rate_candidate") ratingDelivered(item, ack);
    else observationDelivered(item, ack);
    changed();
  },
  onRefused(error) {
    if (live.status === "refused") {
      reportProblem(`${error.message} Sign in again to keep recording; nothing you recorded on this device is lost.`);
      render();
    } else {
      showAlert(error.message);
    }
  },
});

connectState({ me, storageKey, live, onExerciseStarted: clearSelection });
connectCapture({ live, render, changed });
connectTimeline({ live, render, changed });
connectRating({ live, me, storageKey, render });
startScreen(live);
watchFollowUps(storageKey);

// Show what this device kept at once; the connection, still opening, fills in the rest.
restore();
statusChanged({ status: navigator.onLine ? live.status : "offline", unsent: live.outbox.length });
render();

keepWorkingOffline();
guardSignOut({ live, storageKey });
