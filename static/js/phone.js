// The candidate's phone: a local copy of the snapshot, changed by each event and drawn again.
// Every region is drawn idempotently (lists keyed by id), so a replayed event changes nothing.
//
// This file holds the copy and applies events to it; the parts in phone/ draw it: stage,
// announcements, exercise (group, role, brief, answer), clock, questions (and portfolio),
// forms (the candidate's writes) and offline (the copy kept on the phone).
import { Live, el, showStatus } from "./realtime.js";
import { renderAnnouncements } from "./phone/announcements.js";
import { EXTENSION_NOTICE_S, connectClock, sayExtended, tickClock } from "./phone/clock.js";
import { $, setText, timeOf } from "./phone/dom.js";
import { renderExercise } from "./phone/exercise.js";
import { connectForms, delivered } from "./phone/forms.js";
import { forgetState, keepWorkingOffline, restoreState, saveState } from "./phone/offline.js";
import { renderPortfolio, renderQuestions } from "./phone/questions.js";
import { renderStage } from "./phone/stage.js";

const root = $("phone");
const sessionId = root.dataset.sessionId;
const storageKey = `fac:phone:${sessionId}`;

const FINISHED = new Set(["ended", "review", "decided", "archived"]);

let state = null; // shaped like the server's candidate snapshot
let heardAt = null; // server time the phone last heard from the server
let fromStorage = false; // showing the copy kept on this phone, not yet refreshed by the server
let extension = null; // time just added to the exercise: {exercise_id, minutes, until}
let gone = false; // removed or signed out: the page stays as it is
const answer = { dirty: false }; // the candidate is editing the group answer; do not overwrite it

connectClock(storageKey);

const live = new Live({
  sessionId,
  storageKey,
  onSnapshot(snapshot) {
    state = snapshot;
    fromStorage = false;
    heard();
    render();
  },
  onEvent({ type, data }) {
    if (!state || gone) return;
    if (fromStorage) return; // a kept copy is replaced by a snapshot, never patched
    if (type in handlers) handlers[type](data);
    heard();
    render();
  },
  onStatus(status) {
    if (gone) return;
    showConnection(status);
    if (state) render();
  },
  onRefused(error) {
    if (error.code === "removed") showRemoved();
    // A failed resume on a live socket is retried by Live; only a refused connection is final.
    else if (live.status === "refused") showSignedOut(error.message);
  },
  onDelivered: delivered,
});

function showConnection({ status, unsent }) {
  // A page loaded without a network says so at once, not "Connecting…" until a timeout.
  showStatus($("connection"), { status: status === "connecting" && !navigator.onLine ? "offline" : status, unsent });
}

function heard() {
  heardAt = live.now();
}

// Events: each changes the local snapshot the way the server changed its own.

function upsert(list, item) {
  const at = list.findIndex((other) => other.id === item.id);
  if (at === -1) list.push(item);
  else list[at] = item;
}

function timerChanged(data) {
  if (state.exercise && state.exercise.id === data.exercise_id) {
    state.exercise.status = data.status;
    state.exercise.timer = data.timer;
  }
}

const handlers = {
  exercise_started(data) {
    state.exercise = data;
    if (state.assignment && state.assignment.exercise_id !== data.id) state.assignment = null;
    if (state.output && state.output.exercise_id !== data.id) state.output = null;
  },
  group_assigned(data) {
    const before = state.assignment;
    const sameGroup = before && before.exercise_id === data.exercise_id && before.group.id === data.group.id;
    state.assignment = data;
    if (!sameGroup && before && state.exercise && state.exercise.id === data.exercise_id) {
      // Moved to another group mid-exercise: its latest answer is not in this event, so show
      // it as unknown and ask for a fresh snapshot once this event has been applied.
      state.output = undefined;
      if (typeof live.refresh === "function") setTimeout(() => live.refresh(), 0);
    }
  },
  exercise_paused: timerChanged,
  exercise_resumed: timerChanged,
  exercise_extended(data) {
    timerChanged(data);
    if (!state.exercise || state.exercise.id !== data.exercise_id || !data.minutes) return;
    // Two extensions in quick succession read as one: "+5 min" then "+2 min" shows "+7 min".
    const showing = extension && extension.exercise_id === data.exercise_id && live.now() < extension.until;
    const minutes = (showing ? extension.minutes : 0) + data.minutes;
    extension = { exercise_id: data.exercise_id, minutes, until: live.now() + EXTENSION_NOTICE_S };
    sayExtended(minutes);
  },
  exercise_ended: timerChanged,
  announcement_made(data) {
    upsert(state.announcements, data);
  },
  question_asked(data) {
    upsert(state.questions, data);
  },
  question_answered(data) {
    upsert(state.questions, data);
  },
  portfolio_shared(data) {
    if (data.candidate_id === state.me.id) state.me.portfolio_url = data.portfolio_url;
  },
  group_output_submitted(data) {
    const mine = state.assignment;
    if (!mine || mine.exercise_id !== data.exercise_id || mine.group.id !== data.group_id) return;
    if (state.output && state.output.group_id === data.group_id && state.output.version > data.version) return;
    state.output = data;
  },
  session_state_changed(data) {
    state.session.state = data.state;
  },
  candidate_removed(data) {
    if (data.candidate_id === state.me.id) showRemoved();
  },
  // Only the fact that a report is there reaches the phone; the report opens on its own page.
  feedback_released(data) {
    if (data.candidate_id === state.me.id) document.getElementById("feedback-ready").hidden = false;
  },
  feedback_withdrawn(data) {
    if (data.candidate_id === state.me.id) document.getElementById("feedback-ready").hidden = true;
  },
};

// Drawing.

/** Writes of this kind still waiting on the phone to be sent. */
const pending = (name) => live.outbox.filter((item) => item.name === name).map((item) => item.payload);
const now = () => live.now();

function render() {
  renderOffline();
  if (gone || !state) return;
  const session = state.session;
  $("session-title").textContent = session.title;
  const finished = FINISHED.has(session.state);
  const exercise = finished ? null : state.exercise;
  renderStage(state, exercise, finished);
  renderAnnouncements(state, exercise, finished);
  renderExercise(state, exercise, { answer, pending });
  renderQuestions(state, finished, pending);
  renderPortfolio(state, finished, pending);
  tick();
  keepSoon();
}

function tick() {
  tickClock(!gone && state && !FINISHED.has(state.session.state) ? state.exercise : null, now, extension);
}

setInterval(tick, 250);

/** Say so when the phone cannot reach the server and shows what it last received. */
function renderOffline() {
  const banner = $("offline");
  const status = live.status === "connecting" && !navigator.onLine ? "offline" : live.status;
  const show = !gone && Boolean(state) && (status === "offline" || (fromStorage && status !== "connected"));
  banner.hidden = !show;
  if (!show) return;
  // With a network but no answer from the server, "offline" would send them to check their Wi-Fi.
  setText($("offline-heading"), status === "offline" ? "You're offline" : "Can't reach the session right now");
  const when = heardAt ? ` at ${timeOf(heardAt)}` : "";
  setText($("offline-text"), `This is what your phone last received${when}. It updates by itself when the connection is back; what you send meanwhile waits on this phone.`);
}

// The copy kept on the phone, for a reload without a connection.

let keepTimer = null;
function keepSoon() {
  clearTimeout(keepTimer);
  keepTimer = setTimeout(keep, 300);
}

function keep() {
  clearTimeout(keepTimer);
  if (state && !gone) saveState(storageKey, state, heardAt);
}

window.addEventListener("pagehide", keep);

const kept = restoreState(storageKey, root.dataset.candidateId);
if (kept && !state) {
  state = kept.state;
  heardAt = kept.heard_at;
  fromStorage = true;
}
showConnection({ status: live.status, unsent: live.outbox.length });
render();
keepWorkingOffline();

connectForms({ live, answer, isGone: () => gone, currentExercise: () => state && state.exercise, render });

// When the session is over for this phone.

function replacePage(...children) {
  gone = true;
  forgetState(storageKey);
  $("offline").hidden = true;
  live.socket.disconnect();
  root.replaceChildren(el("section", { className: "phone-stage phone-stage-gone", role: "alert" }, ...children));
  const indicator = $("connection");
  indicator.dataset.status = "refused";
  indicator.textContent = "Signed out";
}

function showRemoved() {
  if (gone) return;
  // Writes that can never be delivered should not linger on the phone.
  localStorage.removeItem(`${storageKey}:outbox`);
  replacePage(
    el("h2", { text: "You have been removed from this session" }),
    el("p", { text: "If you think this is a mistake, speak to the facilitator in the room." }),
  );
}

function showSignedOut(message) {
  if (gone) return;
  replacePage(
    el("h2", { text: "This phone is no longer checked in" }),
    el("p", { text: message || "Join the session again to continue." }),
    el("p", {}, el("a", { href: "/join", className: "phone-button phone-button-secondary", text: "Join again" })),
  );
}
