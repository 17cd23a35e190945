// The waiting page: ask every few seconds whether the facilitator has answered, and load the
// page again once they have (the server then sends the phone on, or says it was turned away).
const root = document.getElementById("waiting");
const status = document.getElementById("waiting-status");
const EVERY_MS = 2000;
const since = Date.now();

function waited() {
  const minutes = Math.floor((Date.now() - since) / 60000);
  if (minutes < 1) return "Asked just now. Still waiting…";
  return `Asked ${minutes} min ago. Still waiting…`;
}

// Only a changed sentence is written, so a screen reader is not told the same thing every time.
function say(text) {
  if (status.textContent !== text) status.textContent = text;
}

async function ask() {
  try {
    const response = await fetch(root.dataset.statusUrl, { credentials: "same-origin", cache: "no-store" });
    if (response.ok) {
      const answer = await response.json();
      if (answer.status !== "waiting") {
        window.location.assign(root.dataset.pageUrl);
        return;
      }
      say(waited());
    } else {
      say("The server did not answer. Trying again…");
    }
  } catch (err) {
    say("No connection. Trying again…");
  }
  setTimeout(ask, EVERY_MS);
}

setTimeout(ask, EVERY_MS);
