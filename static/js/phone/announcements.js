// The phone's announcements: those sent during the exercise on now come first, newest first;
// the ones from earlier in the day are folded away under "Earlier announcements".
import { el } from "../realtime.js";
import { $, setText, syncList, timeOf } from "./dom.js";

/**
 * Where a group announcement went, said truthfully: "to your group" only while the candidate
 * is still in that group of that exercise. A candidate who moved keeps it (it reached them,
 * and may say something they acted on), labelled with the group it went to.
 */
function sentTo(item, state) {
  if (!item.group_id) return "";
  const mine = state.assignment;
  const sameExercise = Boolean(mine) && mine.exercise_id === item.exercise_id;
  if (sameExercise && mine.group.id === item.group_id) return " · to your group";
  const group = item.group_name || "a group you were in";
  return sameExercise ? ` · to ${group}, your group before you moved` : ` · to ${group}`;
}

/** Show the announcements sent to this candidate; none once the session is over. */
export function renderAnnouncements(state, exercise, finished) {
  const current = exercise ? exercise.id : null;
  const items = [...state.announcements].sort((a, b) => b.sent_at - a.sent_at);
  const now = items.filter((item) => (item.exercise_id || null) === current);
  const earlier = items.filter((item) => (item.exercise_id || null) !== current);
  $("announcements").hidden = finished || items.length === 0;
  const build = () => el("li", { className: "phone-announcement" }, el("p", { className: "phone-announcement-text" }), el("p", { className: "phone-meta" }));
  const update = (node, item) => {
    setText(node.children[0], item.text);
    setText(node.children[1], `${timeOf(item.sent_at)}${sentTo(item, state)}`);
  };
  $("announcement-list").hidden = now.length === 0;
  $("announcements-none").hidden = now.length > 0;
  syncList($("announcement-list"), now, build, update);
  $("older-announcements").hidden = earlier.length === 0;
  setText($("older-announcements-count"), String(earlier.length));
  syncList($("older-announcement-list"), earlier, build, update);
}
