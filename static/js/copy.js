// "Copy" buttons: <button type="button" data-copy="ID-of-an-input" hidden>Copy</button>
// copies that input's value (or the button's own data-copy-text) to the clipboard. A
// <span data-copy-label> inside the button holds the word that turns into "Copied".
// Buttons are rendered hidden and shown here, so a page without JavaScript shows no dead button;
// the readonly input beside them can still be selected and copied by hand.

const RESET_AFTER_MS = 2000;

let announcer = null;

/** A polite live region, so screen readers hear "Copied" too. */
function announce(message) {
  if (!announcer) {
    announcer = document.createElement("p");
    announcer.className = "visually-hidden";
    announcer.setAttribute("role", "status");
    announcer.setAttribute("aria-live", "polite");
    document.body.append(announcer);
  }
  announcer.textContent = "";
  // A fresh text node after clearing makes repeated identical messages audible.
  window.setTimeout(() => { announcer.textContent = message; }, 50);
}

/** Copy text to the clipboard; falls back to selecting a field where the Clipboard API is missing (plain http). */
export async function copyText(text, field = null) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Permission refused: try the older way below.
    }
  }
  const source = field || Object.assign(document.createElement("textarea"), { value: text, readOnly: true });
  const temporary = !field;
  if (temporary) {
    source.className = "visually-hidden";
    document.body.append(source);
  }
  source.focus();
  source.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  if (temporary) source.remove();
  return ok;
}

function sourceOf(button) {
  const id = button.dataset.copy;
  const field = id ? document.getElementById(id) : null;
  const text = button.dataset.copyText ?? (field ? field.value ?? field.textContent : "");
  return { field, text };
}

async function onClick(event) {
  const button = event.target.closest("button[data-copy], button[data-copy-text]");
  if (!button) return;
  event.preventDefault();
  const { field, text } = sourceOf(button);
  if (!text) return;
  const ok = await copyText(text, field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement ? field : null);
  // Only the visible word changes, so the button keeps its hidden context ("… link for Ada").
  const label = button.querySelector("[data-copy-label]") || button;
  const original = button.dataset.label || label.textContent;
  button.dataset.label = original;
  label.textContent = ok ? "Copied" : "Select and copy";
  announce(ok ? "Link copied to the clipboard." : "Could not copy automatically. The link is selected: press Ctrl+C or Cmd+C.");
  if (!ok && field) field.select();
  else button.focus();
  window.clearTimeout(Number(button.dataset.timer));
  button.dataset.timer = String(window.setTimeout(() => {
    label.textContent = original;
  }, RESET_AFTER_MS));
}

for (const button of document.querySelectorAll("button[data-copy], button[data-copy-text]")) {
  button.hidden = false;
}

// Selecting a readonly link on focus makes copying by hand one keystroke.
for (const input of document.querySelectorAll("input[readonly][data-select-on-focus]")) {
  input.addEventListener("focus", () => input.select());
}

document.addEventListener("click", onClick);
