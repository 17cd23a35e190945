// Dates in the viewer's own time zone. The server stores and renders UTC; this module
//  - rewrites <time datetime="…UTC ISO…" data-local> (and [data-epoch] seconds) as local text,
//  - fills <input type="datetime-local" data-utc="…"> with the local wall-clock time,
//  - adds the browser's UTC offset (tz_offset) to forms on submit, so the server can turn
//    the local time back into UTC. Without JavaScript the page still shows UTC times and the
//    form submits tz_offset=0, which the server reads as UTC.

const STYLES = {
  datetime: { dateStyle: "medium", timeStyle: "short" },
  date: { dateStyle: "medium" },
  time: { timeStyle: "short" },
  long: { dateStyle: "full", timeStyle: "short" },
};

/** The viewer's IANA time zone name, e.g. "Europe/London" (empty if unknown). */
export function timeZoneName() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

/** A Date as local text in one of the STYLES ("datetime", "date", "time", "long"). */
export function formatLocal(date, style = "datetime") {
  return new Intl.DateTimeFormat(undefined, STYLES[style] || STYLES.datetime).format(date);
}

/** A Date as the value a datetime-local input expects: "YYYY-MM-DDTHH:MM" in local time. */
export function toLocalInputValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Minutes behind UTC at the given local wall-clock value (DST-aware), as getTimezoneOffset(). */
export function offsetFor(localValue) {
  const when = localValue ? new Date(localValue) : new Date();
  return Number.isNaN(when.getTime()) ? new Date().getTimezoneOffset() : when.getTimezoneOffset();
}

function valid(date) {
  return date instanceof Date && !Number.isNaN(date.getTime());
}

/** Rewrite one element's text (and title) as local time. */
function localise(node, date) {
  if (!valid(date)) return;
  const style = node.dataset.local || node.dataset.localStyle || "datetime";
  node.textContent = formatLocal(date, style);
  const zone = timeZoneName();
  node.title = formatLocal(date, "long") + (zone ? ` (${zone})` : "");
  if (node.tagName === "TIME" && !node.getAttribute("datetime")) node.setAttribute("datetime", date.toISOString());
}

/** Convert every marked element under `root` (call again after inserting new ones). */
export function localiseAll(root = document) {
  for (const node of root.querySelectorAll("time[data-local][datetime]")) {
    localise(node, new Date(node.getAttribute("datetime")));
  }
  for (const node of root.querySelectorAll("[data-epoch]")) {
    const seconds = Number.parseFloat(node.dataset.epoch);
    if (Number.isFinite(seconds)) localise(node, new Date(seconds * 1000));
  }
  for (const input of root.querySelectorAll('input[type="datetime-local"][data-utc]')) {
    const date = new Date(input.dataset.utc);
    if (valid(date)) input.value = toLocalInputValue(date);
    delete input.dataset.utc;
  }
  for (const node of root.querySelectorAll("[data-timezone-name]")) {
    const zone = timeZoneName();
    if (zone) node.textContent = zone;
  }
}

/** Before a form with a datetime-local field is sent, record the browser's UTC offset. */
function rememberOffset(event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const field = form.querySelector('input[type="datetime-local"]');
  if (!field) return;
  let offset = form.querySelector('input[name="tz_offset"]');
  if (!offset) {
    offset = document.createElement("input");
    offset.type = "hidden";
    offset.name = "tz_offset";
    form.append(offset);
  }
  offset.value = String(offsetFor(field.value));
}

localiseAll();
document.addEventListener("submit", rememberOffset, true);
