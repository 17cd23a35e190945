// The candidate's phone: a local copy of the snapshot, changed by each event and drawn again.
// Every region is drawn idempotently (lists keyed by id), so a replayed event changes nothing.
import { Live, el, remaining, showStatus } from "./realtime.js";

const $ = (id) => document.getElementById(id);
const root = $("phone");
const sessionId = root.dataset.sessionId;
const storageKey = `fac:phone:${sessionId}`;

const KINDS = {
  group_discussion: "Group discussion",
  practical_task: "Practical task",
  case_study: "Case study",
  presentation: "Presentation",
  icebreaker: "Icebreaker",
};
const WRITABLE = new Set(["open", "live"]); // the session states in which candidates may send
const FINISHED = new Set(["ended", "review", "decided", "archived"]);
const FORMS = { ask_question: "question", share_portfolio: "portfolio", submit_group_output: "output" };
const VISIBLE_ANNOUNCEMENTS = 3;
const WARN_AT_S = 60;
const WAITING = "Waiting to send — saved on this phone; it will be sent when the connection is back.";

let state = null; // shaped like the server's candidate snapshot
let gone = false; // removed or signed out: the page stays as it is
let outputDirty = false; // the candidate is editing the group answer; do not overwrite it
const clock = { exerciseId: null, warned: false, over: false };
const drawn = {}; // what each region last showed, so unchanged regions are left alone

const live = new Live({
  sessionId,
  storageKey,
  onSnapshot(snapshot) {
    state = snapshot;
    render();
  },
  onEvent({ type, data }) {
    if (!state || gone) return;
    if (type in handlers) handlers[type](data);
    render();
  },
  onStatus(status) {
    if (gone) return;
    showStatus($("connection"), status);
    if (state) render();
  },
  onRefused(error) {
    if (error.code === "removed") showRemoved();
    // A failed resume on a live socket is retried by Live; only a refused connection is final.
    else if (live.status === "refused") showSignedOut(error.message);
  },
  onDelivered: delivered,
});
showStatus($("connection"), { status: live.status, unsent: live.outbox.length });

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
  exercise_extended: timerChanged,
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
};

// Drawing.

function render() {
  if (gone || !state) return;
  const session = state.session;
  $("session-title").textContent = session.title;
  const finished = FINISHED.has(session.state);
  const exercise = finished ? null : state.exercise;
  renderStage(exercise, finished);
  renderAnnouncements(finished);
  renderExercise(exercise);
  renderQuestions(finished);
  renderPortfolio(finished);
  tick();
}

/** Set a region's content only when it differs from what it shows, so live regions speak once. */
function once(key, value, draw) {
  if (drawn[key] === value) return;
  drawn[key] = value;
  draw();
}

function stageFor(exercise, finished) {
  const name = state.me.name;
  if (finished) {
    return {
      heading: "Thank you — what happens next",
      lines: [
        `That's the end of the session. Thank you for taking part, ${name}.`,
        "The hiring team will now review the session together and will be in touch with you about the outcome and next steps.",
        "You can close this page.",
      ],
    };
  }
  if (exercise && exercise.status === "ended") {
    return {
      heading: "Time's up — thank you",
      lines: [`“${exercise.title}” has finished. Please wait for the facilitator's next instructions.`],
    };
  }
  if (exercise) return null;
  if (state.session.state === "draft") {
    return { heading: `You're checked in, ${name}.`, lines: ["The session has not started yet. Keep this page open."] };
  }
  return {
    heading: `You're checked in, ${name}.`,
    lines: ["Waiting for the facilitator to start.", "Keep this page open. It updates by itself."],
  };
}

function renderStage(exercise, finished) {
  const stage = stageFor(exercise, finished);
  $("stage").hidden = !stage;
  $("stage").classList.toggle("phone-stage-done", finished);
  if (!stage) return;
  once("stage", JSON.stringify(stage), () => {
    $("stage-heading").textContent = stage.heading;
    $("stage-body").replaceChildren(
      ...stage.lines.map((line, i) => el("p", { text: line, className: i > 0 && !finished ? "phone-small" : null })),
    );
  });
}

/** Make a list show `items` in order, reusing each item's node by id; only new nodes are added. */
function syncList(list, items, build, update) {
  const existing = new Map([...list.children].map((node) => [node.dataset.id, node]));
  items.forEach((item, index) => {
    let node = existing.get(item.id);
    if (!node) {
      node = build(item);
      node.dataset.id = item.id;
    }
    update(node, item);
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
  });
  const keep = new Set(items.map((item) => item.id));
  for (const node of [...list.children]) if (!keep.has(node.dataset.id)) node.remove();
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function timeOf(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function renderAnnouncements(finished) {
  const items = [...state.announcements].sort((a, b) => b.sent_at - a.sent_at);
  $("announcements").hidden = finished || items.length === 0;
  const build = () => el("li", { className: "phone-announcement" }, el("p", { className: "phone-announcement-text" }), el("p", { className: "phone-meta" }));
  const update = (node, item) => {
    setText(node.children[0], item.text);
    setText(node.children[1], `${timeOf(item.sent_at)}${item.group_id ? " · to your group" : ""}`);
  };
  syncList($("announcement-list"), items.slice(0, VISIBLE_ANNOUNCEMENTS), build, update);
  const older = items.slice(VISIBLE_ANNOUNCEMENTS);
  $("older-announcements").hidden = older.length === 0;
  syncList($("older-announcement-list"), older, build, update);
}

function renderExercise(exercise) {
  for (const id of ["exercise-head", "clock", "exercise"]) $(id).hidden = !exercise;
  if (!exercise) return;
  setText($("exercise-title"), exercise.title);
  setText($("exercise-kind"), KINDS[exercise.kind] || "Exercise");
  const mine = state.assignment && state.assignment.exercise_id === exercise.id ? state.assignment : null;
  renderTeam(mine);
  renderRole(mine ? mine.role : null);
  $("brief").hidden = !exercise.brief_html;
  // Sanitised on the server (Markdown rendered, then an allow-list): the only HTML set here.
  once("brief", exercise.brief_html, () => setRich($("brief-body"), exercise.brief_html));
  renderOutput(exercise, mine);
}

/** Put HTML that the server rendered from Markdown and sanitised in place. */
function setRich(node, html) {
  node.innerHTML = html;
}

function renderTeam(mine) {
  $("team").hidden = !mine;
  $("no-group").hidden = !!mine;
  if (!mine) return;
  const group = mine.group;
  once("team", JSON.stringify(group), () => {
    $("team-heading").textContent = `Your group: ${group.name}`;
    $("team-list").replaceChildren(
      ...group.members.map((member) => {
        const me = member.id === state.me.id;
        return el("li", { className: me ? "phone-me" : null }, member.name, me ? " " : null, me ? el("span", { className: "phone-you", text: "you" }) : null);
      }),
    );
  });
}

function renderRole(role) {
  $("role").hidden = !role;
  if (!role) return;
  setText($("role-title"), role.title);
  // Sanitised server HTML, like the brief.
  once("role", role.body_html, () => setRich($("role-body"), role.body_html));
}

function pending(name) {
  return live.outbox.filter((item) => item.name === name).map((item) => item.payload);
}

function renderOutput(exercise, mine) {
  const shown = Boolean(exercise.output_prompt && mine);
  $("output").hidden = !shown;
  if (!shown) return;
  setText($("output-prompt"), exercise.output_prompt);
  const output = state.output;
  once("output", JSON.stringify(output === undefined ? "unknown" : output), () => {
    if (!output) {
      const text = output === undefined
        ? "You have moved to another group. Its latest answer will show here after its next submission."
        : "Nobody in your group has submitted yet.";
      $("output-latest").replaceChildren(el("p", { className: "phone-muted", text }));
      return;
    }
    const who = output.submitted_by === state.me.id ? "you" : output.submitted_by_name;
    $("output-latest").replaceChildren(
      el("p", { className: "phone-meta", text: `Latest: version ${output.version}, submitted by ${who} at ${timeOf(output.submitted_at)}` }),
      el("p", { className: "phone-latest-text", text: output.text }),
    );
  });
  once("output-exercise", exercise.id, () => {
    // A new exercise starts with an empty answer box.
    $("output-text").value = "";
    outputDirty = false;
    feedback("output", "");
  });
  const open = exercise.status === "running" || exercise.status === "paused";
  $("output-form").hidden = !open;
  if (open && !outputDirty && output) {
    if ($("output-text").value !== output.text) $("output-text").value = output.text;
  }
  const waiting = pending("submit_group_output").some((p) => p.exercise_id === exercise.id);
  if (waiting) feedback("output", WAITING, "waiting");
}

function renderQuestions(finished) {
  const writable = WRITABLE.has(state.session.state);
  $("questions").hidden = finished || !writable;
  const known = new Set(state.questions.map((q) => q.id));
  const waiting = pending("ask_question").filter((p) => !known.has(p.id)).reverse();
  const asked = [...state.questions].sort((a, b) => b.asked_at - a.asked_at);
  const items = [...waiting.map((p) => ({ id: p.id, text: p.text, waiting: true })), ...asked];
  $("my-questions").hidden = items.length === 0;
  syncList(
    $("question-list"),
    items,
    () => el("li", { className: "phone-question" }, el("p", { className: "phone-question-text" }), el("p", { className: "phone-meta" }), el("p", { className: "phone-answer" })),
    (node, q) => {
      const [text, status, answer] = node.children;
      setText(text, q.text);
      let label = "Waiting to send";
      if (!q.waiting) label = q.answered_at ? `Answered at ${timeOf(q.answered_at)}` : `Sent at ${timeOf(q.asked_at)} · waiting for an answer`;
      setText(status, label);
      node.dataset.state = q.waiting ? "waiting" : q.answered_at ? "answered" : "sent";
      answer.hidden = !q.answer;
      setText(answer, q.answer || "");
    },
  );
}

function renderPortfolio(finished) {
  $("portfolio").hidden = finished || !WRITABLE.has(state.session.state);
  const waiting = pending("share_portfolio").at(-1);
  const url = waiting ? waiting.url : state.me.portfolio_url;
  const current = $("portfolio-current");
  current.hidden = !url;
  once("portfolio", JSON.stringify([url, Boolean(waiting)]), () => {
    if (!url) return current.replaceChildren();
    const link = /^https?:\/\//i.test(url)
      ? el("a", { href: url, rel: "noopener noreferrer nofollow", target: "_blank", text: url })
      : el("span", { text: url });
    current.replaceChildren(waiting ? "Waiting to send: " : "You shared: ", link);
  });
}

// The countdown runs on the server's clock: an end instant while running, the rest while paused.

function twoDigits(n) {
  return String(n).padStart(2, "0");
}

function clockText(seconds) {
  const total = Math.max(0, Math.ceil(seconds));
  return `${twoDigits(Math.floor(total / 60))}:${twoDigits(total % 60)}`;
}

function say(text) {
  $("clock-alert").textContent = text;
}

function buzz() {
  // Browsers refuse to vibrate a page the person has not touched yet.
  const touched = !navigator.userActivation || navigator.userActivation.hasBeenActive;
  if (navigator.vibrate && touched) navigator.vibrate([200, 100, 200]);
}

function tick() {
  const exercise = !gone && state && !FINISHED.has(state.session.state) ? state.exercise : null;
  if (!exercise || !exercise.timer) return;
  if (clock.exerciseId !== exercise.id) Object.assign(clock, { exerciseId: exercise.id, warned: false, over: false });
  let text;
  let label = "Time left";
  let mode = "";
  if (exercise.status === "ended") {
    text = "Time's up";
    label = "Finished";
    mode = "over";
  } else {
    const left = remaining(exercise.timer, live.now());
    if (left > WARN_AT_S + 15) clock.warned = false; // extended: warn again when it comes round
    if (left > 0) clock.over = false;
    if (left <= 0) {
      text = "Time's up";
      label = "Waiting for the facilitator";
      mode = "over";
      if (!clock.over) {
        clock.over = true;
        say("Time's up");
        buzz();
      }
    } else {
      text = clockText(left);
      if (left <= WARN_AT_S) {
        mode = "warning";
        if (!clock.warned) {
          clock.warned = true;
          say("One minute left");
          buzz();
        }
      }
    }
    if (exercise.status === "paused") {
      label = "Paused";
      mode = `${mode} paused`.trim();
    }
  }
  setText($("countdown"), text);
  setText($("clock-label"), label);
  const box = $("clock");
  box.classList.toggle("phone-clock-warning", mode.includes("warning"));
  box.classList.toggle("phone-clock-over", mode.includes("over"));
  box.classList.toggle("phone-clock-paused", mode.includes("paused"));
  box.classList.toggle("phone-clock-ended", exercise.status === "ended");
}

setInterval(tick, 250);

// Writes: kept on the phone until the server answers, shown as "waiting to send" meanwhile.

/** A form's one-line outcome; `tone` is "ok", "waiting", "problem" or "" for plain. */
function feedback(where, text, tone = "") {
  const node = $(`${where}-feedback`);
  setText(node, text);
  node.dataset.tone = tone;
}

async function submit(name, payload) {
  const where = FORMS[name];
  feedback(where, "Sending…");
  const ack = await live.send(name, payload);
  if (ack.queued) feedback(where, WAITING, "waiting");
  if (state) render();
}

function delivered(item, ack) {
  const where = FORMS[item.name];
  if (!where || gone) return;
  if (ack.ok) {
    const done = { question: "Question sent to the panel.", portfolio: "Link shared with the panel.", output: "Submitted for your group." };
    feedback(where, done[where], "ok");
    if (where === "output") outputDirty = false;
  } else {
    feedback(where, (ack.error && ack.error.message) || "That did not work. Please try again.", "problem");
    // Give back what was typed, so a refusal loses nothing.
    const box = $({ question: "question-text", portfolio: "portfolio-url", output: "output-text" }[where]);
    if (!box.value.trim()) box.value = item.payload.text || item.payload.url || "";
    if (where === "output") outputDirty = true;
  }
  if (state) render();
}

$("question-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const box = $("question-text");
  const text = box.value.trim();
  if (!text) return feedback("question", "Type your question first.", "problem");
  box.value = "";
  submit("ask_question", { text });
});

$("portfolio-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const box = $("portfolio-url");
  let url = box.value.trim();
  if (url && !/^[a-z][a-z0-9+.-]*:/i.test(url) && url.includes(".")) url = `https://${url}`;
  if (!isWebAddress(url)) return feedback("portfolio", "Give a full web address that starts with https://", "problem");
  box.value = "";
  submit("share_portfolio", { url });
});

function isWebAddress(text) {
  if (/\s/.test(text) || text.length > 500) return false;
  try {
    const url = new URL(text);
    return (url.protocol === "https:" || url.protocol === "http:") && Boolean(url.hostname);
  } catch (err) {
    return false;
  }
}

$("output-text").addEventListener("input", () => { outputDirty = true; });

$("output-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const exercise = state && state.exercise;
  const text = $("output-text").value;
  if (!exercise || !text.trim()) return feedback("output", "Write your group's answer first.", "problem");
  submit("submit_group_output", { exercise_id: exercise.id, text });
});

// When the session is over for this phone.

function replacePage(...children) {
  gone = true;
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
