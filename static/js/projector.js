// The big screen: how to join while no exercise runs, the clock and the groups while one does.
// It reads the facilitator's live feed but shows only what the whole room may see: titles,
// the clock, names in groups, and announcements made to everyone.
import { Live, el, formatClock, remaining, showStatus } from "./realtime.js";

const stage = document.getElementById("stage");
const sessionId = stage.dataset.sessionId;
const $ = (id) => document.getElementById(id);

const ACTIVE = new Set(["running", "paused"]);
const ANNOUNCEMENT_SHOWN_S = 120;
const MESSAGES = {
  draft: "Check-in opens shortly.",
  ended: "Thank you for taking part. The session has ended.",
};

const model = { ready: false, session: {}, candidates: new Map(), exercises: [], current: null, runs: {}, announcement: null };

// ---- names arriving: the newest check-ins, newest first; one arriving now slides in ----

const ARRIVALS_SHOWN = 12;
const arrivals = $("arrivals");

function arrival(candidate, fresh) {
  const item = el("li", { className: fresh ? "arrival arriving" : "arrival", dir: "auto", "data-id": candidate.id, text: candidate.name });
  item.addEventListener("animationend", () => item.classList.remove("arriving"), { once: true });
  return item;
}

/** Everyone already in, newest first, without movement (a reloaded projector). */
function showArrivals() {
  const present = [...model.candidates.values()]
    .filter((c) => c.status === "checked_in")
    .sort((a, b) => (b.checked_in_at || 0) - (a.checked_in_at || 0))
    .slice(0, ARRIVALS_SHOWN);
  arrivals.replaceChildren(...present.map((c) => arrival(c, false)));
}

function arrived(candidate) {
  arrivals.querySelector(`[data-id="${CSS.escape(candidate.id)}"]`)?.remove();
  arrivals.prepend(arrival(candidate, true));
  while (arrivals.children.length > ARRIVALS_SHOWN) arrivals.lastElementChild.remove();
}

function left(candidateId) {
  arrivals.querySelector(`[data-id="${CSS.escape(candidateId)}"]`)?.remove();
}

function person(c) {
  return { id: c.id, name: c.name, status: c.status, checked_in_at: c.checked_in_at };
}

function load(snapshot) {
  model.session = snapshot.session;
  model.candidates = new Map(snapshot.candidates.map((c) => [c.id, person(c)]));
  showArrivals();
  model.exercises = snapshot.exercises.map((e) => ({ id: e.id, title: e.title, status: e.status }));
  model.current = snapshot.current_exercise_id;
  model.runs = {};
  for (const [id, run] of Object.entries(snapshot.runs || {})) {
    model.runs[id] = { title: run.title, status: run.status, timer: run.timer, groups: publicGroups(run.groups) };
  }
  const everyone = snapshot.announcements.filter((a) => a.group_id == null);
  model.announcement = everyone.length ? everyone[everyone.length - 1] : null;
  model.ready = true;
  render();
}

/** Group names and members' names only: role titles stay off the big screen. */
function publicGroups(groups) {
  return (groups || []).map((g) => ({ id: g.id, name: g.name, members: g.members.map((m) => ({ id: m.id, name: m.name })) }));
}

function runFor(exerciseId) {
  if (!model.runs[exerciseId]) {
    const exercise = model.exercises.find((e) => e.id === exerciseId) || {};
    model.runs[exerciseId] = { title: exercise.title || "", status: "grouped", timer: null, groups: [] };
  }
  return model.runs[exerciseId];
}

function clockChanged(data) {
  const run = runFor(data.exercise_id);
  run.timer = data.timer;
  run.status = data.status;
}

const reducers = {
  candidate_added(data) { model.candidates.set(data.id, person(data)); },
  candidate_checked_in(data) {
    model.candidates.set(data.id, person(data));
    if (data.status === "checked_in") arrived(data);
  },
  candidate_removed(data) {
    const candidate = model.candidates.get(data.candidate_id);
    if (candidate) candidate.status = "removed";
    left(data.candidate_id);
    // The server takes them out of every group without a groups_changed event.
    for (const run of Object.values(model.runs)) {
      for (const group of run.groups) group.members = group.members.filter((m) => m.id !== data.candidate_id);
    }
  },
  session_state_changed(data) { model.session.state = data.state; },
  session_updated(data) { model.session.title = data.title; },
  groups_changed(data) {
    const run = runFor(data.exercise_id);
    run.groups = publicGroups(data.groups);
    run.status = data.status;
  },
  exercise_started(data) {
    const run = runFor(data.id);
    Object.assign(run, { title: data.title, status: data.status, timer: data.timer });
    model.current = data.id;
  },
  exercise_paused: clockChanged,
  exercise_resumed: clockChanged,
  exercise_extended: clockChanged,
  exercise_ended: clockChanged,
  announcement_made(data) { if (data.group_id == null) model.announcement = data; },
};

function activeRun() {
  const run = model.current ? model.runs[model.current] : null;
  return run && ACTIVE.has(run.status) ? run : null;
}

function render() {
  const { state, title } = model.session;
  $("stage-title").textContent = title;
  document.title = `${title} · Facilitator`;
  const run = activeRun();
  let view = "join";
  if (run) view = "run";
  else if (state === "draft") view = "message";
  else if (!["open", "live"].includes(state)) view = "message";
  stage.dataset.view = view;
  $("join-view").hidden = view !== "join";
  $("run-view").hidden = view !== "run";
  $("message-view").hidden = view !== "message";
  // Only the lobby needs the address phones can reach; during an exercise it is noise.
  if ($("reach-notice")) $("reach-notice").hidden = view !== "join";

  if (view === "message") $("stage-message").textContent = MESSAGES[state] || MESSAGES.ended;
  if (view === "join") {
    const present = [...model.candidates.values()].filter((c) => c.status === "checked_in").length;
    $("checked-in").textContent = present === 1 ? "1 person has checked in" : `${present} people have checked in`;
  }
  if (view === "run") {
    $("run-title").textContent = run.title;
    const groups = run.groups.filter((g) => g.members.length);
    if (groups.length > 4) stage.dataset.manyGroups = "";
    else delete stage.dataset.manyGroups;
    $("stage-groups").replaceChildren(...groups.map((group) => el("section", { className: "stage-group", "aria-label": group.name },
      el("h3", { dir: "auto", text: group.name }),
      el("ul", {}, ...group.members.map((member) => el("li", { dir: "auto", text: member.name }))))));
  }
  tick();
}

function tick() {
  if (!model.ready) return;
  const run = activeRun();
  if (run && run.timer) {
    const left = remaining(run.timer, live.now());
    let state = "running";
    let caption = "";
    if (run.status === "paused") { state = "paused"; caption = "Paused"; }
    else if (left <= 0) { state = "over"; caption = "Time’s up"; }
    const text = formatClock(Math.max(0, left));
    if ($("big-clock").textContent !== text) $("big-clock").textContent = text;
    if ($("clock-caption").textContent !== caption) $("clock-caption").textContent = caption;
    stage.dataset.clock = state;
  }
  const note = model.announcement;
  const fresh = note && stage.dataset.view !== "message" && live.now() - note.sent_at < ANNOUNCEMENT_SHOWN_S;
  $("stage-announcement").hidden = !fresh;
  if (fresh && $("stage-announcement-text").textContent !== note.text) $("stage-announcement-text").textContent = note.text;
}

const fullscreen = $("fullscreen");
if (!document.fullscreenEnabled) fullscreen.hidden = true;
fullscreen.addEventListener("click", () => {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen().catch(() => {});
});
document.addEventListener("fullscreenchange", () => {
  fullscreen.textContent = document.fullscreenElement ? "Exit full screen" : "Full screen";
});

const live = new Live({
  sessionId,
  storageKey: `facilitator:projector:${sessionId}`,
  onSnapshot: load,
  onEvent: ({ type, data }) => {
    const reduce = reducers[type];
    if (!model.ready || !reduce) return;
    reduce(data);
    render();
  },
  onStatus: (status) => showStatus($("connection"), status),
});

setInterval(tick, 250);
