// The phone's announcements: the newest few in view, the older ones folded away.
import { el } from "../realtime.js";
import { $, setText, syncList, timeOf } from "./dom.js";

const VISIBLE_ANNOUNCEMENTS = 3;

/** Show the announcements sent to this candidate, newest first; none once the session is over. */
export function renderAnnouncements(announcements, finished) {
  const items = [...announcements].sort((a, b) => b.sent_at - a.sent_at);
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
