// The set-up page shows one part at a time (details, exercises, candidates, panel), chosen by
// the address's #anchor: the nav's links, a form's redirect back to where it was sent from, or
// a link from elsewhere (#panel). Without JavaScript every part shows, one after the other, and
// the nav's links jump between them.

const container = document.querySelector("[data-setup-sections]");
const sections = container ? [...container.querySelectorAll("[data-setup-section]")] : [];
const links = [...document.querySelectorAll("[data-setup-nav] a[href^='#']")];

/** The element the address points at, if it is on this page. */
function target() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  return id ? document.getElementById(id) : null;
}

function sectionOf(element) {
  return element ? element.closest("[data-setup-section]") : null;
}

function show(section) {
  for (const each of sections) each.hidden = each !== section;
  for (const link of links) {
    if (link.hash === `#${section.id}`) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
}

/** Open the part the address (or the note just left) belongs to; bring the note into view. */
function arrive(first) {
  const pointed = target();
  const noted = document.getElementById(container.dataset.active || "");
  const section = sectionOf(pointed) || (first ? noted || sections[0] : null);
  if (!section) return; // an anchor outside the parts (the state bar) leaves the open part alone
  show(section);
  // Hiding the other parts moved things: go again to what the address names, or, for a
  // whole part, to the top, where the state, the nav and the part's start are all in view.
  if (pointed && pointed !== section && section.contains(pointed)) pointed.scrollIntoView({ block: "start" });
  else if (first) window.scrollTo(0, 0);
  const note = first ? document.querySelector("[data-note]") : null;
  if (note) {
    // Focus carries screen readers to the result, which is where the user is looking.
    note.focus({ preventScroll: true });
    const box = note.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) note.scrollIntoView({ block: "nearest" });
  }
}

if (container && sections.length) {
  arrive(true);
  window.addEventListener("hashchange", () => arrive(false));
}
