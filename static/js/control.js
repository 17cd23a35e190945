// The facilitator's control room: the lobby, exercises and their clock, announcements and
// questions, and the panel (control-panel.js), kept current by the session's event stream.
// Every button press is a socket command; its refusal is shown in the alert region and the
// button waits for the answer.
import {
  connectPanel, loadPanel, memberObservers, observationCount, observerTools, panelReducers, renderCounts, renderPanel,
} from "./control-panel.js";
import { Live, el, formatClock, remaining, showStatus } from "./realtime.js";

const root = document.getElementById("control");
const sessionId = root.dataset.sessionId;
const $ = (id) => document.getElementById(id);

const STATE_LABELS = {
  draft: "Draft", open: "Lobby open", live: "Live", ended: "Ended",
  review: "In review", decided: "Decided", archived: "Archived",
};
const RUN_LABELS = { not_started: "Not started", grouped: "Groups formed", running: "Running", paused: "Paused", ended: "Ended" };
const CANDIDATE_LABELS = { invited: "Invited", checked_in: "Checked in", removed: "Removed" };
const KIND_LABELS = {
  group_discussion: "Group discussion", practical_task: "Practical task", case_study: "Case study",
  presentation: "Presentation", icebreaker: "Icebreaker",
};
const ACTIVE = new Set(["running", "paused"]);
const WORKING = new Set(["open", "live"]); // session states in which the room can act
const NEW_GROUP = "__new__";

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
};
let chosen = null; // the exercise the facilitator picked; null follows the running or next one
let briefOpen = false;
const busy = new Set(); // keys of commands waiting for their acknowledgement
const drafts = new Map(); // question id -> answer being typed, kept across re-renders

// ---- time and text helpers ----

const toDate = (seconds) => new Date(seconds * 1000);
const isoOf = (seconds) => toDate(seconds).toISOString();
const clockTime = (seconds) => toDate(seconds).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function scheduledStart() {
  const iso = model.session.scheduled_start;
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(ms) ? null : ms / 1000;
}

function timeNode(seconds) {
  return el("time", { datetime: isoOf(seconds), text: clockTime(seconds) });
}

/** Replace a container's children, keeping keyboard focus on the element with the same key. */
function swap(container, nodes) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : null;
  container.replaceChildren(...nodes.filter(Boolean));
  if (key) {
    const again = container.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (again) again.focus();
  }
}

/** A green or grey dot for whether the candidate's phone is connected now. */
function presenceDot(candidateId) {
  const online = model.online.has(candidateId);
  const label = online ? "Phone online" : "Phone offline";
  return el("span", {
    className: "dot", "data-presence-for": candidateId, "data-online": String(online),
    role: "img", "aria-label": label, title: label,
  });
}

// ---- feedback ----

function showAlert(message) {
  const dismiss = el("button", { type: "button", className: "button button-small", text: "Dismiss" });
  dismiss.addEventListener("click", clearAlert);
  $("alerts").replaceChildren(el("p", { text: message }), dismiss);
}

function clearAlert() {
  $("alerts").replaceChildren();
}

let noticeTimer = null;
function notify(message) {
  $("notice").textContent = message;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { $("notice").textContent = ""; }, 6000);
}

// ---- commands ----

// A button waiting for its answer is aria-disabled rather than disabled, so keyboard focus
// stays on it (a disabled button drops focus); `act` ignores presses while it waits.
function markBusy(node, on) {
  if (node.tagName === "BUTTON") {
    if (on) node.setAttribute("aria-disabled", "true");
    else node.removeAttribute("aria-disabled");
  } else {
    node.disabled = on;
  }
  if (on) node.setAttribute("aria-busy", "true");
  else node.removeAttribute("aria-busy");
}

function setBusy(key, on) {
  for (const node of document.querySelectorAll(`[data-busy-key="${CSS.escape(key)}"]`)) markBusy(node, on);
}

/** Send one command; the controls sharing `key` stay disabled until the server answers.
 * A refusal is shown in the alert region and also handed to `refused`, if given. */
async function act(key, name, payload, success, refused = null) {
  if (busy.has(key)) return false;
  busy.add(key);
  setBusy(key, true);
  const ack = await live.command(name, payload);
  busy.delete(key);
  setBusy(key, false);
  if (!ack || !ack.ok) {
    const message = (ack && ack.error && ack.error.message) || "The server refused that. Try again.";
    showAlert(message);
    if (refused) refused(message);
    return false;
  }
  clearAlert();
  if (success) notify(success);
  return true;
}

/** A button wired to a command; `blocked` keeps it disabled for a reason other than waiting. */
function commandButton({ text, key, className = "button", blocked = false, label = null, onPress }) {
  const button = el("button", {
    type: "button", className, text, "data-key": key, "data-busy-key": key,
    "aria-label": label,
  });
  button.disabled = blocked;
  markBusy(button, busy.has(key));
  button.addEventListener("click", (event) => {
    if (busy.has(key)) event.preventDefault();
    else onPress(event);
  });
  return button;
}

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
  loadPanel(snapshot);
  model.ready = true;
  render(["header", "lobby", "exercises", "announce", "questions", "panel"]);
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
  session_state_changed(data) { model.session.state = data.state; return ["header", "exercises", "announce"]; },
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
    chosen = null;
    return ["exercises", "announce"];
  },
  exercise_paused: clockChanged,
  exercise_resumed: clockChanged,
  exercise_extended: clockChanged,
  exercise_ended(data) {
    // Stay on the finished exercise so its outputs can be read; "Next exercise" moves on.
    if (chosen === null) chosen = data.exercise_id;
    return clockChanged(data);
  },
  announcement_made(data) {
    if (!model.announcements.some((a) => a.id === data.id)) model.announcements.push(data);
    return ["announce"];
  },
  question_asked(data) { model.questions.set(data.id, data); return ["questions"]; },
  question_answered(data) { model.questions.set(data.id, data); drafts.delete(data.id); return ["questions"]; },
  group_output_submitted(data) { model.outputs.set(`${data.exercise_id}:${data.group_id}`, data); return ["exercises"]; },
};

function render(parts) {
  const todo = new Set(parts);
  if (todo.has("header")) renderHeader();
  if (todo.has("lobby")) renderLobby();
  if (todo.has("exercises")) renderExercises();
  else if (todo.has("presence")) renderPresenceDots();
  if (todo.has("announce")) renderAnnouncements();
  if (todo.has("questions")) renderQuestions();
  if (todo.has("panel")) renderPanel();
  if (todo.has("counts") && !todo.has("exercises")) renderCounts();
}

// ---- header ----

function renderHeader() {
  const { title, state } = model.session;
  $("session-title").textContent = title;
  document.title = `Control room · ${title} · Facilitator`;
  const badge = $("state-badge");
  badge.className = `badge badge-large badge-${state}`;
  badge.textContent = STATE_LABELS[state] || state;
  for (const form of document.querySelectorAll("form[data-state-form]")) {
    const target = form.dataset.stateForm;
    form.hidden = !((state === "draft" && target === "open") || (state === "open" && target === "live") || (state === "live" && target === "ended"));
  }
  const start = scheduledStart();
  $("scheduled-start").hidden = start === null;
  if (start !== null) {
    const node = $("scheduled-start-time");
    node.dateTime = isoOf(start);
    node.textContent = toDate(start).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  }
}

// ---- lobby ----

const LOBBY_ORDER = { checked_in: 0, invited: 1, removed: 2 };

function lobbyOrder(a, b) {
  return (LOBBY_ORDER[a.status] - LOBBY_ORDER[b.status])
    || ((a.checked_in_at || 0) - (b.checked_in_at || 0))
    || a.name.localeCompare(b.name);
}

function punctuality(candidate, start, now) {
  if (start === null) return null;
  if (candidate.checked_in_at != null) {
    const late = candidate.checked_in_at - start;
    if (late <= 0) return null;
    return el("span", { className: "badge badge-warning", text: `${Math.ceil(late / 60)} min late` });
  }
  if (candidate.status === "invited" && now > start) {
    return el("span", { className: "badge badge-negative", text: "Not yet arrived", title: `${Math.floor((now - start) / 60)} min since the start` });
  }
  return null;
}

function portfolioLink(url) {
  if (!url || !/^https?:\/\//i.test(url)) return el("span", { className: "muted", text: "—" });
  let host = url;
  try { host = new URL(url).host; } catch (err) { /* shown as given */ }
  const link = el("a", { href: url, rel: "noopener noreferrer", target: "_blank", className: "portfolio-link" });
  link.textContent = host;
  link.title = url;
  return link;
}

function removeButton(candidate) {
  return commandButton({
    text: "Remove", key: `remove:${candidate.id}`, className: "button button-small button-danger",
    label: `Remove ${candidate.name}`,
    onPress: () => {
      if (!window.confirm(`Remove ${candidate.name} from this session? They lose access at once and cannot rejoin.`)) return;
      act(`remove:${candidate.id}`, "remove_candidate", { candidate_id: candidate.id }, `${candidate.name} was removed.`);
    },
  });
}

function candidateRow(candidate, start, now) {
  return el("tr", { "data-status": candidate.status },
    el("th", { scope: "row" },
      el("span", { className: "person" },
        candidate.status === "checked_in" ? presenceDot(candidate.id) : el("span", { className: "dot dot-none", "aria-hidden": "true" }),
        el("span", { className: "person-name", text: candidate.name })),
      candidate.walk_in ? el("span", { className: "badge badge-walk-in", text: "Walk-in" }) : null),
    el("td", {}, el("div", { className: "arrival" },
      el("span", { className: `badge badge-${candidate.status.replace("_", "-")}`, text: CANDIDATE_LABELS[candidate.status] || candidate.status }),
      candidate.checked_in_at != null ? el("span", { className: "arrival-time" }, "at ", timeNode(candidate.checked_in_at)) : null,
      punctuality(candidate, start, now))),
    el("td", {}, portfolioLink(candidate.portfolio_url)),
    el("td", { className: "row-actions" }, candidate.status !== "removed" ? removeButton(candidate) : null));
}

function renderLobby() {
  const start = scheduledStart();
  const now = live.now();
  const people = [...model.candidates.values()].sort(lobbyOrder);
  swap($("roster-body"), people.map((c) => candidateRow(c, start, now)));
  $("roster-empty").hidden = people.length > 0;
  $("roster-wrap").hidden = people.length === 0;

  const present = people.filter((c) => c.status === "checked_in");
  const expected = people.filter((c) => c.status !== "removed").length;
  const online = present.filter((c) => model.online.has(c.id)).length;
  swap($("lobby-counts"), [
    el("span", { className: "count" }, el("strong", { text: String(present.length) }), " checked in"),
    el("span", { className: "count" }, el("strong", { text: String(expected) }), " expected"),
    el("span", { className: "count" }, el("strong", { text: String(online) }), " online"),
  ]);

  const locked = Boolean(model.session.lobby_locked);
  const status = $("lobby-lock-status");
  status.dataset.locked = String(locked);
  status.textContent = locked
    ? "Lobby locked: walk-ins are turned away; invited candidates can still join."
    : "Lobby unlocked: anyone with the join code can check in.";
  const toggle = $("lobby-lock");
  toggle.textContent = locked ? "Unlock lobby" : "Lock lobby";
  toggle.disabled = !["draft", "open", "live"].includes(model.session.state);
  markBusy(toggle, busy.has("lock"));
}

// ---- exercises ----

function focusedExercise() {
  const list = model.exercises;
  if (chosen && list.some((e) => e.id === chosen)) return list.find((e) => e.id === chosen);
  return list.find((e) => ACTIVE.has(e.status))
    || list.find((e) => e.status === "grouped")
    || list.find((e) => e.status === "not_started")
    || list[list.length - 1]
    || null;
}

function activeExercise() {
  return model.exercises.find((e) => ACTIVE.has(e.status)) || null;
}

function renderExercises() {
  const focus = focusedExercise();
  const items = model.exercises.map((exercise, index) => {
    const pick = el("button", {
      type: "button", className: "exercise-pick", "data-key": `pick:${exercise.id}`,
      "aria-current": focus && focus.id === exercise.id ? "true" : null,
    },
    el("span", { className: "exercise-number", text: String(index + 1) }),
    el("span", { className: "exercise-name", text: exercise.title }),
    el("span", { className: "exercise-sub", text: `${KIND_LABELS[exercise.kind] || exercise.kind} · ${exercise.duration_minutes} min` }),
    el("span", { className: `badge run-badge run-${exercise.status}`, text: RUN_LABELS[exercise.status] || exercise.status }));
    pick.addEventListener("click", () => { chosen = exercise.id; renderExercises(); });
    return el("li", {}, pick);
  });
  swap($("exercise-list"), items.length ? items : [el("li", { className: "empty", text: "This session has no exercises yet." })]);
  swap($("exercise-detail"), focus ? exerciseDetail(focus) : []);
  tick();
}

function exerciseDetail(exercise) {
  const run = model.runs[exercise.id] || null;
  const facts = [
    KIND_LABELS[exercise.kind] || exercise.kind,
    `${exercise.duration_minutes} min`,
    `groups of ${exercise.group_size}`,
    exercise.has_output ? "group output" : null,
  ].filter(Boolean).join(" · ");
  const nodes = [
    el("div", { className: "detail-head" },
      el("h3", { text: exercise.title }),
      el("span", { className: `badge run-badge run-${exercise.status}`, text: RUN_LABELS[exercise.status] || exercise.status })),
    el("p", { className: "muted", text: facts }),
  ];
  if (run && run.timer && exercise.status !== "grouped") nodes.push(clockBlock(exercise));
  nodes.push(...controls(exercise));
  if (run && run.brief_html) nodes.push(briefBlock(run.brief_html));
  nodes.push(groupsBlock(exercise, run));
  if (exercise.has_output && run && exercise.status !== "grouped") nodes.push(outputsBlock(exercise, run));
  return nodes;
}

function clockBlock(exercise) {
  return el("div", { className: "clock-block", id: "clock-block", "data-exercise-id": exercise.id },
    el("p", { className: "clock", id: "clock", role: "timer", "aria-label": "Time left" }),
    el("p", { className: "clock-state", id: "clock-state" }));
}

function briefBlock(html) {
  const body = el("div", { className: "brief" });
  body.innerHTML = html; // sanitised on the server (Markdown rendered and cleaned)
  const details = el("details", { className: "brief-details" }, el("summary", { text: "Brief" }), body);
  details.open = briefOpen;
  details.addEventListener("toggle", () => { briefOpen = details.open; });
  return details;
}

function controls(exercise) {
  const { state } = model.session;
  const id = exercise.id;
  const row = el("div", { className: "button-row" });
  const hints = [];
  if (exercise.status === "not_started" || exercise.status === "grouped") {
    const regroup = exercise.status === "grouped";
    row.append(commandButton({
      text: regroup ? "Re-form groups" : "Form groups", key: `form:${id}`, blocked: !WORKING.has(state),
      onPress: () => {
        if (regroup && !window.confirm("Form new groups? Moves made by hand will be lost.")) return;
        act(`form:${id}`, "form_groups", { exercise_id: id }, "Groups formed.");
      },
    }));
    const other = activeExercise();
    row.append(commandButton({
      text: "Start exercise", key: `start:${id}`, className: "button button-primary", blocked: state !== "live" || other !== null,
      onPress: () => act(`start:${id}`, "start_exercise", { exercise_id: id }, `“${exercise.title}” started.`),
    }));
    if (state === "draft") hints.push("Open the lobby to form groups, and go live to start.");
    else if (state === "open") hints.push("Go live to start this exercise.");
    else if (state !== "live") hints.push("The session is over; exercises can no longer run.");
    if (other) hints.push(`“${other.title}” is still running; end it before starting another.`);
    if (!regroup && state === "live") hints.push("Starting forms groups automatically if you have not.");
  } else if (ACTIVE.has(exercise.status)) {
    if (exercise.status === "running") {
      row.append(commandButton({ text: "Pause", key: `clock:${id}`, onPress: () => act(`clock:${id}`, "pause_exercise", { exercise_id: id }, "Paused.") }));
    } else {
      row.append(commandButton({ text: "Resume", key: `clock:${id}`, className: "button button-primary", onPress: () => act(`clock:${id}`, "resume_exercise", { exercise_id: id }, "Resumed.") }));
    }
    for (const minutes of [1, 5]) {
      row.append(commandButton({
        text: `+${minutes} min`, key: `extend:${id}:${minutes}`, label: `Extend by ${plural(minutes, "minute")}`,
        onPress: () => act(`extend:${id}:${minutes}`, "extend_exercise", { exercise_id: id, minutes }, `Extended by ${plural(minutes, "minute")}.`),
      }));
    }
    row.append(commandButton({
      text: "End exercise", key: `end:${id}`, className: "button button-danger",
      onPress: () => {
        if (!window.confirm(`End “${exercise.title}” now? It cannot be restarted.`)) return;
        act(`end:${id}`, "end_exercise", { exercise_id: id }, `“${exercise.title}” ended.`);
      },
    }));
  } else if (exercise.status === "ended") {
    const next = model.exercises.find((e) => e.status === "not_started" || e.status === "grouped");
    if (next) {
      const button = el("button", { type: "button", className: "button button-primary", text: `Next: ${next.title}`, "data-key": `next:${next.id}` });
      button.addEventListener("click", () => { chosen = next.id; renderExercises(); });
      row.append(button);
    } else {
      hints.push("Every exercise has run.");
    }
  }
  return [row.childElementCount ? row : null, ...hints.map((text) => el("p", { className: "hint", text }))];
}


function renderPresenceDots() {
  for (const dot of document.querySelectorAll("[data-presence-for]")) {
    const online = model.online.has(dot.dataset.presenceFor);
    dot.dataset.online = String(online);
    const label = online ? "Phone online" : "Phone offline";
    dot.setAttribute("aria-label", label);
    dot.title = label;
  }
}

function moveSelect(exercise, person, groups, from) {
  const fieldId = `move-${exercise.id}-${person.id}`;
  const key = `move:${person.id}`;
  const select = el("select", { id: fieldId, className: "move-select", "data-key": fieldId, "data-busy-key": key },
    el("option", { value: "", text: from ? "Move to…" : "Add to…" }),
    ...groups.filter((g) => g !== from).map((g) => el("option", { value: g.id, text: g.name })),
    el("option", { value: NEW_GROUP, text: "New group" }));
  markBusy(select, busy.has(key));
  select.addEventListener("change", async () => {
    const target = select.value;
    if (!target) return;
    const name = target === NEW_GROUP ? "a new group" : (groups.find((g) => g.id === target) || {}).name;
    const ok = await act(key, "move_candidate", {
      exercise_id: exercise.id, candidate_id: person.id, group_id: target === NEW_GROUP ? null : target,
    }, `${person.name} moved to ${name}.`);
    if (!ok) select.value = "";
  });
  const label = el("label", { for: fieldId, className: "visually-hidden", text: from ? `Move ${person.name} to another group` : `Add ${person.name} to a group` });
  return [label, select];
}

function groupsBlock(exercise, run) {
  const wrap = el("div", { className: "groups-block" }, el("h4", { className: "subhead", text: "Groups" }));
  if (!run || !(run.groups || []).length) {
    wrap.append(el("p", { className: "muted", text: exercise.status === "not_started" ? "No groups yet. Form them when everyone has arrived." : "No groups." }));
    return wrap;
  }
  const editable = exercise.status !== "ended";
  const counted = exercise.status !== "grouped"; // observations start with the exercise
  wrap.append(observerTools(exercise, run));
  const grid = el("div", { className: "groups" });
  for (const group of run.groups) {
    const members = group.members.map((member) => el("li", { className: "member" },
      presenceDot(member.id),
      el("span", { className: "member-head" },
        el("span", { className: "member-name", text: member.name }),
        counted ? observationCount(exercise.id, member.id) : null),
      member.role ? el("span", { className: "role", text: member.role }) : null,
      ...(editable ? moveSelect(exercise, member, run.groups, group) : []),
      ...memberObservers(exercise, run, member)));
    grid.append(el("div", { className: "group" },
      el("h5", { className: "group-name" }, group.name, el("span", { className: "muted", text: ` · ${group.members.length}` })),
      members.length ? el("ul", { className: "members" }, ...members) : el("p", { className: "muted", text: "Empty" })));
  }
  wrap.append(grid);
  if (editable) {
    const grouped = new Set(run.groups.flatMap((g) => g.members.map((m) => m.id)));
    const loose = [...model.candidates.values()].filter((c) => c.status === "checked_in" && !grouped.has(c.id));
    if (loose.length) {
      wrap.append(el("div", { className: "unassigned" },
        el("h5", { className: "group-name", text: "Not in a group" }),
        el("p", { className: "muted", text: "Checked in after the groups were formed." }),
        el("ul", { className: "members" }, ...loose.map((person) => el("li", { className: "member" },
          presenceDot(person.id),
          el("span", { className: "member-name", text: person.name }),
          ...moveSelect(exercise, person, run.groups, null))))));
    }
  }
  return wrap;
}

function outputsBlock(exercise, run) {
  const names = new Map((run.groups || []).map((g) => [g.id, g.name]));
  const outputs = [...model.outputs.values()].filter((o) => o.exercise_id === exercise.id);
  const wrap = el("div", { className: "outputs-block" }, el("h4", { className: "subhead", text: "Group outputs" }));
  for (const output of outputs.sort((a, b) => (names.get(a.group_id) || a.group_id).localeCompare(names.get(b.group_id) || b.group_id))) {
    wrap.append(el("article", { className: "output" },
      el("h5", { className: "group-name", text: names.get(output.group_id) || `Group ${output.group_id}` }),
      el("p", { className: "output-meta" },
        `Version ${output.version} · ${output.submitted_by_name || "a member"} · `, timeNode(output.submitted_at)),
      el("p", { className: "output-text", text: output.text })));
  }
  const waiting = (run.groups || []).filter((g) => !model.outputs.has(`${exercise.id}:${g.id}`)).map((g) => g.name);
  if (waiting.length) wrap.append(el("p", { className: "muted", text: `No output yet from ${waiting.join(", ")}.` }));
  return wrap;
}

/** Redraw the clock from the server's end instant; runs several times a second. */
function tick() {
  const block = $("clock-block");
  if (!block) return;
  const exercise = model.exercises.find((e) => e.id === block.dataset.exerciseId);
  const run = model.runs[block.dataset.exerciseId];
  if (!exercise || !run || !run.timer) return;
  const left = remaining(run.timer, live.now());
  let state = "running";
  let label = "Running";
  if (exercise.status === "ended") { state = "ended"; label = left > 0 ? "Ended early" : "Ended"; }
  else if (exercise.status === "paused") { state = "paused"; label = "Paused"; }
  else if (left <= 0) { state = "over"; label = "Time’s up"; }
  const text = formatClock(left);
  const clock = $("clock");
  if (clock.textContent !== text) clock.textContent = text;
  block.dataset.state = state;
  const detail = `${label} · ${formatClock(run.timer.duration_s)} in all`;
  if ($("clock-state").textContent !== detail) $("clock-state").textContent = detail;
}

// ---- announcements ----

function currentGroups() {
  const run = model.current ? model.runs[model.current] : null;
  return run && ACTIVE.has(run.status) ? run.groups || [] : [];
}

function groupName(groupId) {
  const run = model.current ? model.runs[model.current] : null;
  const group = run ? (run.groups || []).find((g) => g.id === groupId) : null;
  return group ? group.name : "one group";
}

function renderAnnouncements() {
  const select = $("announce-target");
  const keep = select.value;
  const groups = currentGroups();
  select.replaceChildren(el("option", { value: "", text: "Everyone" }),
    ...groups.map((g) => el("option", { value: g.id, text: `${g.name} only` })));
  select.value = groups.some((g) => g.id === keep) ? keep : "";

  const send = $("announce-send");
  send.disabled = !WORKING.has(model.session.state);
  markBusy(send, busy.has("announce"));
  $("announce-hint").hidden = !send.disabled;

  const items = [...model.announcements].sort((a, b) => b.sent_at - a.sent_at).map((item) => el("li", { className: "announcement" },
    el("p", { className: "announcement-text", text: item.text }),
    el("p", { className: "muted" }, item.group_id ? `To ${groupName(item.group_id)} · ` : "To everyone · ", timeNode(item.sent_at))));
  swap($("announcement-list"), items);
}

$("announce-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const field = $("announce-text");
  const text = field.value.trim();
  if (!text) {
    showAlert("Write the announcement first.");
    field.focus();
    return;
  }
  const target = $("announce-target").value;
  const ok = await act("announce", "announce", { text, group_id: target || null },
    target ? `Sent to ${groupName(target)}.` : "Sent to everyone.");
  if (ok) field.value = "";
});

// ---- questions ----

function renderQuestions() {
  const all = [...model.questions.values()];
  const open = all.filter((q) => q.answered_at == null).sort((a, b) => a.asked_at - b.asked_at);
  const done = all.filter((q) => q.answered_at != null).sort((a, b) => b.answered_at - a.answered_at);
  swap($("question-list"), [...open, ...done].map(questionItem));
  $("questions-empty").hidden = all.length > 0;
  $("questions-count").textContent = open.length ? `${open.length} waiting` : "";
}

function questionItem(question) {
  const answered = question.answered_at != null;
  const item = el("li", { className: "question", "data-answered": String(answered) },
    el("p", { className: "question-meta" },
      el("strong", { text: question.candidate_name || "A candidate" }), " · ", timeNode(question.asked_at)),
    el("p", { className: "question-text", text: question.text }));
  if (answered) {
    item.append(el("p", { className: "answer" },
      el("span", { className: "badge badge-positive", text: "Answered" }), " ",
      question.answer ? el("span", { text: question.answer }) : el("span", { className: "muted", text: "(answered in person)" })));
    return item;
  }
  const fieldId = `answer-${question.id}`;
  const key = `answer:${question.id}`;
  const input = el("input", { type: "text", id: fieldId, maxlength: "1000", "data-key": fieldId, autocomplete: "off" });
  input.value = drafts.get(question.id) || "";
  input.addEventListener("input", () => drafts.set(question.id, input.value));
  // A submit button: the form's submit handler sends the command (Enter in the field works too).
  const button = commandButton({ text: "Mark answered", key, className: "button button-small button-primary", onPress: () => {} });
  button.type = "submit";
  const form = el("form", { className: "answer-form" },
    el("label", { for: fieldId, text: "Answer (optional, the candidate sees it)" }), input, button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = input.value.trim();
    const ok = await act(key, "answer_question", { question_id: question.id, answer: answer || null }, "Marked answered.");
    if (ok) drafts.delete(question.id);
  });
  item.append(form);
  return item;
}

// ---- wiring ----

$("lobby-lock").addEventListener("click", () => {
  const locking = !model.session.lobby_locked;
  act("lock", "lock_lobby", { locked: locking }, locking ? "Lobby locked." : "Lobby unlocked.");
});

connectPanel({ model, act, commandButton, swap, render, timeNode, ensureRun, refresh: () => live.refresh(), now: () => live.now() });

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

setInterval(tick, 250);
// "Not yet arrived" depends on the time, not only on events.
setInterval(() => { if (model.ready) renderLobby(); }, 30000);
