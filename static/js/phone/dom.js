// Small tools every region of the phone draws with. Regions are drawn idempotently: text is
// set only when it changes and lists are keyed by id, so a replayed event changes nothing.

/** The page's element with this id. */
export const $ = (id) => document.getElementById(id);

/** What a write shows while it waits on the phone for the connection. */
export const WAITING = "Waiting to send — saved on this phone; it will be sent when the connection is back.";

const drawn = {}; // what each region last showed, so unchanged regions are left alone

/** Set a region's content only when it differs from what it shows, so live regions speak once. */
export function once(key, value, draw) {
  if (drawn[key] === value) return;
  drawn[key] = value;
  draw();
}

/** Make a list show `items` in order, reusing each item's node by id; only new nodes are added. */
export function syncList(list, items, build, update) {
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

/** Set a node's text, leaving it alone when it already shows that text. */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Put HTML that the server rendered from Markdown and sanitised in place. */
export function setRich(node, html) {
  node.innerHTML = html;
}

/** The local hour and minute of an instant given in seconds. */
export function timeOf(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** A form's one-line outcome; `tone` is "ok", "waiting", "problem" or "" for plain. */
export function feedback(where, text, tone = "") {
  const node = $(`${where}-feedback`);
  setText(node, text);
  node.dataset.tone = tone;
}
