// The lobby: who is expected, who has arrived (and how late), whose phone is online, their
// portfolio links, removing someone, and locking the lobby to everyone without a personal link.
import { el } from "../realtime.js";
import { act, commandButton, isBusy, markBusy } from "./commands.js";
import { $, presenceDot, scheduledStart, swap, timeNode } from "./page.js";

const CANDIDATE_LABELS = { invited: "Invited", checked_in: "Checked in", removed: "Removed" };
const LOBBY_ORDER = { checked_in: 0, invited: 1, removed: 2 };

let model = null;
let now = null;

/** Take the page's model and the server clock, and wire the lobby lock. */
export function connectLobby(hooks) {
  ({ model, now } = hooks);
  $("lobby-lock").addEventListener("click", () => {
    const locking = !model.session.lobby_locked;
    act("lock", "lock_lobby", { locked: locking }, locking ? "Lobby locked." : "Lobby unlocked.");
  });
}

function lobbyOrder(a, b) {
  return (LOBBY_ORDER[a.status] - LOBBY_ORDER[b.status])
    || ((a.checked_in_at || 0) - (b.checked_in_at || 0))
    || a.name.localeCompare(b.name);
}

function punctuality(candidate, start, at) {
  if (start === null) return null;
  if (candidate.checked_in_at != null) {
    const late = candidate.checked_in_at - start;
    if (late <= 0) return null;
    return el("span", { className: "badge badge-warning", text: `${Math.ceil(late / 60)} min late` });
  }
  if (candidate.status === "invited" && at > start) {
    return el("span", { className: "badge badge-negative", text: "Not yet arrived", title: `${Math.floor((at - start) / 60)} min since the start` });
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

// Once the session has ended the lobby is over: nobody to lock out or remove.
const joinable = () => ["draft", "open", "live"].includes(model.session.state);

/** The candidate's summary page: their evidence, ratings and the review, for the facilitator. */
const summaryUrl = (candidate) =>
  `/sessions/${encodeURIComponent(model.session.id)}/candidates/${encodeURIComponent(candidate.id)}/summary`;

function candidateRow(candidate, start, at) {
  return el("tr", { "data-status": candidate.status },
    el("th", { scope: "row" },
      el("span", { className: "person" },
        candidate.status === "checked_in" ? presenceDot(model.online, candidate.id) : el("span", { className: "dot dot-none", "aria-hidden": "true" }),
        candidate.status === "checked_in"
          ? el("a", { className: "person-name", dir: "auto", href: summaryUrl(candidate), text: candidate.name })
          : el("span", { className: "person-name", dir: "auto", text: candidate.name })),
      candidate.walk_in ? el("span", { className: "badge badge-walk-in", text: "Walk-in" }) : null),
    el("td", {}, el("div", { className: "arrival" },
      el("span", { className: `badge badge-${candidate.status.replace("_", "-")}`, text: CANDIDATE_LABELS[candidate.status] || candidate.status }),
      candidate.checked_in_at != null ? el("span", { className: "arrival-time" }, "at ", timeNode(candidate.checked_in_at)) : null,
      punctuality(candidate, start, at))),
    el("td", {}, portfolioLink(candidate.portfolio_url)),
    el("td", { className: "row-actions" }, candidate.status !== "removed" && joinable() ? removeButton(candidate) : null));
}

/** Draw the roster, the arrival counts and the lobby lock. */
export function renderLobby() {
  const start = scheduledStart(model.session);
  const at = now();
  const people = [...model.candidates.values()].sort(lobbyOrder);
  swap($("roster-body"), people.map((c) => candidateRow(c, start, at)));
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
    ? "Lobby locked: only personal links get in; anyone typing a name, even one on the roster, is turned away."
    : "Lobby unlocked: anyone with the join code can check in.";
  const toggle = $("lobby-lock");
  toggle.textContent = locked ? "Unlock lobby" : "Lock lobby";
  toggle.disabled = !["draft", "open", "live"].includes(model.session.state);
  markBusy(toggle, isBusy("lock"));
}
