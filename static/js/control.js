// The facilitator's control room: the lobby, exercises and their clock, announcements and
// questions, and the panel, kept current by the session's event stream.
//
// This file holds the model and applies the snapshot and events to it; the parts in control/
// draw it: header, lobby, exercise (with clock and groups), messages, and commands (every
// button press is a socket command, its refusal shown in the alert region). The panel's part
// is control-panel.js.
import {
  connectPanel, loadPanel, panelReducers, renderCounts, renderPanel,
} from "./control-panel.js";
import { Live, showStatus } from "./realtime.js";
import { admissionReducers, connectAdmissions, renderAdmissions } from "./control/admissions.js";
import { act, commandButton, connectCommands, showAlert } from "./control/commands.js";
import { connectExercises, followCurrent, keepShowing, renderExercises, tick } from "./control/exercise.js";
import { renderHeader } from "./control/header.js";
import { connectLobby, renderLobby } from "./control/lobby.js";
import { connectMessages, forgetDraft, renderAnnouncements, renderQuestions } from "./control/messages.js";
import { $, showPresence, swap, timeNode } from "./control/page.js";

const root = $("control");
const sessionId = root.dataset.sessionId;

// Everything the page shows, as of the last snapshot plus the events since.
const model = {
  ready: false,
  session: {},
  candidates: new Map(),
  online: new Set(),
  exercises: [],
  current: null,
  runs: {},
  questions: new Map(),
  announcements: [],
  outputs: new Map(),
  admissions: new Map(), // phones waiting to be let in, by request id
};

// ---- applying the snapshot and events ----

function load(snapshot) {
  model.session = snapshot.session;
  model.candidates = new Map(snapshot.candidates.map((c) => [c.id, c]));
  model.online = new Set(snapshot.candidates.filter((c) => c.online).map((c) => c.id));
  model.exercises = snapshot.exercises;
  model.current = snapshot.current_exercise_id;
  model.runs = snapshot.runs || {};
  model.questions = new Map(snapshot.questions.map((q) => [q.id, q]));
  model.announcements = snapshot.announcements;
  model.outputs = new Map(snapshot.outputs.map((o) => [`${o.exercise_id}:${o.group_id}`, o]));
  model.admissions = new Map((snapshot.admissions || []).map((a) => [a.id, a]));
  loadPanel(snapshot);
  model.ready = true;
  render(["header", "lobby", "exercises", "announce", "questions", "panel", "admissions"]);
}

function upsertCandidate(summary) {
  const before = model.candidates.get(summary.id) || {};
  model.candidates.set(summary.id, { ...before, ...summary });
}

function ensureRun(exerciseId) {
  if (!model.runs[exerciseId]) {
    const exercise = model.exercises.find((e) => e.id === exerciseId) || {};
    model.runs[exerciseId] = { id: exerciseId, title: exercise.title, status: "grouped", timer: null, groups: [] };
  }
  return model.runs[exerciseId];
}

function setRunStatus(exerciseId, status) {
  const exercise = model.exercises.find((e) => e.id === exerciseId);
  if (exercise) exercise.status = status;
  if (model.runs[exerciseId]) model.runs[exerciseId].status = status;
}

function clockChanged(data) {
  const run = ensureRun(data.exercise_id);
  run.timer = data.timer;
  setRunStatus(data.exercise_id, data.status);
  return ["exercises", "announce"];
}

// Each returns the parts of the page to draw again.
const reducers = {
  candidate_added(data) { upsertCandidate(data); return ["lobby"]; },
  candidate_checked_in(data) { upsertCandidate(data); return ["lobby", "exercises"]; },
  candidate_presence_changed(data) {
    if (data.online) model.online.add(data.candidate_id);
    else model.online.delete(data.candidate_id);
    return ["lobby", "presence"];
  },
  candidate_removed(data) {
    const candidate = model.candidates.get(data.candidate_id);
    if (candidate) candidate.status = "removed";
    // The server takes them out of every group without a groups_changed event.
    for (const run of Object.values(model.runs)) {
      for (const group of run.groups || []) group.members = group.members.filter((m) => m.id !== data.candidate_id);
    }
    return ["lobby", "exercises"];
  },
  portfolio_shared(data) {
    const candidate = model.candidates.get(data.candidate_id);
    if (candidate) candidate.portfolio_url = data.portfolio_url;
    return ["lobby"];
  },
  lobby_lock_changed(data) { model.session.lobby_locked = data.locked; return ["lobby"]; },
  session_state_changed(data) { model.session.state = data.state; return ["header", "lobby", "exercises", "announce"]; },
  session_updated(data) {
    model.session.title = data.title;
    // Exercises may have been added or edited: ask for the whole picture again.
    live.refresh();
    return ["header"];
  },
  groups_changed(data) {
    const run = ensureRun(data.exercise_id);
    run.groups = data.groups;
    setRunStatus(data.exercise_id, data.status);
    return ["exercises", "announce"];
  },
  exercise_started(data) {
    model.runs[data.id] = { ...(model.runs[data.id] || { groups: [] }), ...data };
    model.current = data.id;
    setRunStatus(data.id, data.status);
    followCurrent();
    return ["exercises", "announce"];
  },
  exercise_paused: clockChanged,
  exercise_resumed: clockChanged,
  exercise_extended: clockChanged,
  exercise_ended(data) {
    // Stay on the finished exercise so its outputs can be read; "Next exercise" moves on.
    keepShowing(data.exercise_id);
    return clockChanged(data);
  },
  announcement_made(data) {
    if (!model.announcements.some((a) => a.id === data.id)) model.announcements.push(data);
    return ["announce"];
  },
  question_asked(data) { model.questions.set(data.id, data); return ["questions"]; },
  question_answered(data) { model.questions.set(data.id, data); forgetDraft(data.id); return ["questions"]; },
  group_output_submitted(data) { model.outputs.set(`${data.exercise_id}:${data.group_id}`, data); return ["exercises"]; },
  ...admissionReducers,
};

function render(parts) {
  const todo = new Set(parts);
  if (todo.has("header")) renderHeader(model.session);
  if (todo.has("lobby")) renderLobby();
  if (todo.has("exercises")) renderExercises();
  else if (todo.has("presence")) showPresence(model.online);
  if (todo.has("announce")) renderAnnouncements();
  if (todo.has("questions")) renderQuestions();
  if (todo.has("admissions")) renderAdmissions();
  if (todo.has("panel")) renderPanel();
  if (todo.has("counts") && !todo.has("exercises")) renderCounts();
}

// ---- wiring ----

const live = new Live({
  sessionId,
  storageKey: `facilitator:control:${sessionId}`,
  onSnapshot: load,
  onEvent: (envelope) => {
    if (!model.ready) return;
    const { type, data } = envelope;
    // The panel's reducer first: it may need the run as it was before this event.
    const parts = panelReducers[type] ? panelReducers[type](data, envelope) : [];
    if (reducers[type]) parts.push(...(reducers[type](data) || []));
    if (parts.length) render(parts);
  },
  onStatus: (status) => showStatus($("connection"), status),
  onRefused: (error) => showAlert(`${error.message} Reload the page to sign in again.`),
});
const now = () => live.now();

connectCommands(live);
connectLobby({ model, now });
connectAdmissions({ model, now });
connectExercises({ model, now });
connectMessages({ model });
connectPanel({ model, act, commandButton, swap, render, timeNode, ensureRun, refresh: () => live.refresh(), now });

setInterval(tick, 250);
// "Not yet arrived" depends on the time, not only on events.
setInterval(() => { if (model.ready) renderLobby(); }, 30000);
// A request nobody answered drops out of the queue when it expires.
setInterval(() => { if (model.ready) renderAdmissions(); }, 30000);
