// The pack's "Print or save as PDF" button: shown only when scripts run (the browser's own
// print command works without it).

for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
