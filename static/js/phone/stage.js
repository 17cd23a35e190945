// The phone's stage: what the candidate reads when no exercise is under way — checked in and
// waiting, time's up, or thank you at the end of the session.
import { el } from "../realtime.js";
import { $, once } from "./dom.js";

function stageFor(state, exercise, finished) {
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
      heading: "Thank you — this exercise has finished",
      lines: [`“${exercise.title}” is over. Please wait for the facilitator's next instructions.`],
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

/** Show the stage for the exercise shown (null for none), or hide it while one runs. */
export function renderStage(state, exercise, finished) {
  const stage = stageFor(state, exercise, finished);
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
