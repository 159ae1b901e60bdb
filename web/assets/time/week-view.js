// View "/week" and "/week/:date": hours per task and local day for the week
// (Monday to Sunday, the browser's time zone) that holds `date`. An entry
// counts on the day it started.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { addDays, dayLabel, fromLocal, localDate, utcDate, weekStart } from "../core/dates.js";
import { formatHours } from "../core/money.js";
import { loadFailure, taskLabel, work } from "./store.js";

class WeekView {
  constructor(ctx) {
    this.ctx = ctx;
    this.start = weekStart();
    this.request = 0;
    this.title = h("h2", { id: "week-title", text: "Week" });
    this.prev = h("a", { class: "button-link", "data-testid": "week-prev", text: "← Previous week" });
    this.next = h("a", { class: "button-link", "data-testid": "week-next", text: "Next week →" });
    this.now = h("a", { class: "button-link", "data-testid": "week-current", text: "This week" });
    this.table = h("table", { "data-testid": "week-table" });
    this.state = h("p", { class: "empty", "data-testid": "week-state" });
    this.el = h(
      "section",
      { class: "panel", "aria-labelledby": "week-title" },
      h("div", { class: "project-head" }, this.title, h("div", { class: "controls" }, this.prev, this.now, this.next)),
      h("div", { class: "table-wrap" }, this.table),
      this.state,
    );
  }

  async show(params) {
    const d = params.date ? fromLocal(params.date) : null;
    this.start = weekStart(d || new Date());
    const end = addDays(this.start, 6);
    this.title.textContent = `Week of ${dayLabel(this.start)} – ${dayLabel(end)}`;
    this.prev.href = this.ctx.router.href(`/week/${localDate(addDays(this.start, -7))}`);
    this.next.href = this.ctx.router.href(`/week/${localDate(addDays(this.start, 7))}`);
    this.now.href = this.ctx.router.href("/week");
    const req = ++this.request;
    this.state.textContent = "Loading…";
    this.table.replaceChildren();
    let w;
    let entries;
    try {
      w = await work();
      // One UTC day more on each side: a local day may start or end in it.
      const q = new URLSearchParams({
        from: utcDate(addDays(this.start, -1)),
        to: utcDate(addDays(this.start, 8)),
        limit: "500",
      });
      entries = await api("GET", `/api/time-entries?${q}`);
    } catch (err) {
      if (req !== this.request) return;
      this.state.textContent = loadFailure(err, "Time entries");
      return;
    }
    if (req !== this.request) return;
    this.render(w, Array.isArray(entries) ? entries : []);
  }

  render(w, entries) {
    const days = [...Array(7)].map((_, i) => addDays(this.start, i));
    const keys = days.map((d) => localDate(d));
    const rows = new Map();
    const dayTotals = keys.map(() => 0);
    for (const e of entries) {
      const i = keys.indexOf(localDate(new Date(e.started_at)));
      if (i < 0) continue;
      const secs = Number(e.seconds) || 0;
      if (!rows.has(e.task_id)) rows.set(e.task_id, { label: taskLabel(w, e.task_id, e.project_id), days: keys.map(() => 0) });
      rows.get(e.task_id).days[i] += secs;
      dayTotals[i] += secs;
    }
    const today = localDate();
    const cell = (secs, i, tag = "td") =>
      h(tag, { class: `num${keys[i] === today ? " today" : ""}`, text: secs ? formatHours(secs) : "" });
    const all = dayTotals.reduce((a, b) => a + b, 0);
    this.table.replaceChildren(
      h("caption", { class: "visually-hidden", text: "Hours per task and day" }),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col", text: "Task" }),
          days.map((d, i) => h("th", { scope: "col", class: `num${keys[i] === today ? " today" : ""}`, text: dayLabel(d) })),
          h("th", { scope: "col", class: "num", text: "Total (h)" }),
        ),
      ),
      h(
        "tbody",
        {},
        [...rows.values()]
          .sort((a, b) => a.label.localeCompare(b.label))
          .map((r) =>
            h(
              "tr",
              { "data-testid": "week-row" },
              h("th", { scope: "row", text: r.label }),
              r.days.map((s, i) => cell(s, i)),
              h("td", { class: "num strong", text: formatHours(r.days.reduce((a, b) => a + b, 0)) }),
            ),
          ),
      ),
      h(
        "tfoot",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "row", text: "Total (h)" }),
          dayTotals.map((s, i) => cell(s, i)),
          h("td", { class: "num strong", "data-testid": "week-total", text: formatHours(all) }),
        ),
      ),
    );
    this.state.textContent = rows.size ? "" : "No time recorded in this week.";
  }
}

let view = null;

export const weekView = {
  id: "week",
  routes: ["/week", "/week/:date"],
  title: "Week",
  element(ctx) {
    view = new WeekView(ctx);
    return view.el;
  },
  show(params) {
    return view.show(params);
  },
};
