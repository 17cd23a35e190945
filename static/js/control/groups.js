// An exercise's groups in the control room: who is in which group with their role, presence,
// observation count and observers, moving people between groups, and who checked in too late
// to be grouped.
import { memberObservers, observationCount, observerTools } from "../control-panel.js";
import { el } from "../realtime.js";
import { act, isBusy, markBusy } from "./commands.js";
import { presenceDot } from "./page.js";

const NEW_GROUP = "__new__";

function moveSelect(exercise, person, groups, from) {
  const fieldId = `move-${exercise.id}-${person.id}`;
  const key = `move:${person.id}`;
  const select = el("select", { id: fieldId, className: "move-select", "data-key": fieldId, "data-busy-key": key },
    el("option", { value: "", text: from ? "Move to…" : "Add to…" }),
    ...groups.filter((g) => g !== from).map((g) => el("option", { value: g.id, text: g.name })),
    el("option", { value: NEW_GROUP, text: "New group" }));
  markBusy(select, isBusy(key));
  select.addEventListener("change", async () => {
    const target = select.value;
    if (!target) return;
    const name = target === NEW_GROUP ? "a new group" : (groups.find((g) => g.id === target) || {}).name;
    const ok = await act(key, "move_candidate", {
      exercise_id: exercise.id, candidate_id: person.id, group_id: target === NEW_GROUP ? null : target,
    }, `${person.name} moved to ${name}.`);
    if (!ok) select.value = "";
  });
  const label = el("label", { for: fieldId, className: "visually-hidden", text: from ? `Move ${person.name} to another group` : `Add ${person.name} to a group` });
  return [label, select];
}

/** The "Groups" part of an exercise's detail, drawn from the page's model. */
export function groupsBlock(exercise, run, model) {
  const wrap = el("div", { className: "groups-block" }, el("h4", { className: "subhead", text: "Groups" }));
  if (!run || !(run.groups || []).length) {
    wrap.append(el("p", { className: "muted", text: exercise.status === "not_started" ? "No groups yet. Form them when everyone has arrived." : "No groups." }));
    return wrap;
  }
  const editable = exercise.status !== "ended";
  const counted = exercise.status !== "grouped"; // observations start with the exercise
  wrap.append(observerTools(exercise, run));
  const grid = el("div", { className: "groups" });
  for (const group of run.groups) {
    const members = group.members.map((member) => el("li", { className: "member" },
      presenceDot(model.online, member.id),
      el("span", { className: "member-head" },
        el("span", { className: "member-name", dir: "auto", text: member.name }),
        counted ? observationCount(exercise.id, member.id) : null),
      member.role ? el("span", { className: "role", text: member.role }) : null,
      ...(editable ? moveSelect(exercise, member, run.groups, group) : []),
      ...memberObservers(exercise, run, member)));
    grid.append(el("div", { className: "group" },
      el("h5", { className: "group-name" }, group.name, el("span", { className: "muted", text: ` · ${group.members.length}` })),
      members.length ? el("ul", { className: "members" }, ...members) : el("p", { className: "muted", text: "Empty" })));
  }
  wrap.append(grid);
  if (editable) {
    const grouped = new Set(run.groups.flatMap((g) => g.members.map((m) => m.id)));
    const loose = [...model.candidates.values()].filter((c) => c.status === "checked_in" && !grouped.has(c.id));
    if (loose.length) {
      wrap.append(el("div", { className: "unassigned" },
        el("h5", { className: "group-name", text: "Not in a group" }),
        el("p", { className: "muted", text: "Checked in after the groups were formed." }),
        el("ul", { className: "members" }, ...loose.map((person) => el("li", { className: "member" },
          presenceDot(model.online, person.id),
          el("span", { className: "member-name", dir: "auto", text: person.name }),
          ...moveSelect(exercise, person, run.groups, null))))));
    }
  }
  return wrap;
}
