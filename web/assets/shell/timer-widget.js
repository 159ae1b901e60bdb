// The timer in the page header (a header widget, see widgets.js): the task
// and the elapsed time of the running timer with **Stop**, or **Start timer**
// with a task picker. The running timer is read from `GET /api/timer` when
// the page starts (so it survives a reload), again when the tab comes back
// into view, and after every start and stop (timer.js).

import { errorText } from "../core/api.js";
import { h, loadStylesheet } from "../core/dom.js";
import { formatClock } from "../core/money.js";
import { fetchWork, taskOptions } from "../core/work.js";
import { elapsedSeconds, onTimer, refreshTimer, runningEntry, startTimer, stopTimer } from "./timer.js";

const TICK_MS = 1000;

class TimerWidget {
  constructor(root, ctx) {
    this.ctx = ctx;
    this.root = root;
    this.work = null;
    this.titles = new Map();
    this.label = h("span", { class: "timer-task", "data-testid": "timer-task" });
    this.elapsed = h("span", { class: "timer-elapsed", "data-testid": "timer-elapsed", role: "timer", "aria-live": "off" });
    this.stop = h("button", { type: "button", class: "danger", "data-testid": "timer-stop", text: "Stop" });
    this.open = h("button", {
      type: "button",
      "data-testid": "timer-open",
      "aria-expanded": "false",
      "aria-controls": "timer-picker",
      text: "▶ Start timer",
    });
    this.select = h("select", { id: "timer-task-select", "data-testid": "timer-task-select" });
    this.note = h("input", { id: "timer-note", maxlength: "1000", "data-testid": "timer-note", placeholder: "What are you doing?" });
    this.error = h("p", { class: "form-error", role: "alert", "data-testid": "timer-error" });
    this.form = h(
      "form",
      { class: "timer-picker", id: "timer-picker", hidden: true, novalidate: true, "aria-label": "Start the timer" },
      h("label", { for: "timer-task-select", text: "Task" }),
      this.select,
      h("label", { for: "timer-note", text: "Note (optional)" }),
      this.note,
      this.error,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", class: "primary", "data-testid": "timer-start", text: "Start" }),
        h("button", { type: "button", "data-testid": "timer-cancel", text: "Cancel", onclick: () => this.closePicker() }),
      ),
    );
    this.status = h("span", { class: "visually-hidden", role: "status" });
    this.box = h(
      "div",
      { class: "timer", "data-testid": "timer", "data-running": "false" },
      h("span", { class: "timer-dot", "aria-hidden": "true" }),
      this.label,
      this.elapsed,
      this.stop,
      this.open,
      this.status,
    );
    root.replaceChildren(this.box, this.form);

    this.stop.addEventListener("click", () => this.doStop());
    this.open.addEventListener("click", () => (this.form.hidden ? this.openPicker() : this.closePicker()));
    this.form.addEventListener("submit", (e) => this.doStart(e));
    this.form.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.closePicker();
    });
    // A click anywhere else closes the picker.
    document.addEventListener("click", (e) => {
      if (!this.form.hidden && !this.root.contains(e.target)) this.closePicker();
    });
    onTimer((entry, error) => this.render(entry, error));
    this.ticker = window.setInterval(() => this.tick(), TICK_MS);
    ctx.onLeave(() => window.clearInterval(this.ticker));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.load();
    });
  }

  async load() {
    try {
      await refreshTimer();
    } catch {
      /* shown by render() */
    }
  }

  async titleOf(entry) {
    if (this.titles.has(entry.task_id)) return this.titles.get(entry.task_id);
    let task = this.work && this.work.taskById.get(entry.task_id);
    if (!task) {
      try {
        // A task started elsewhere (another tab, the dashboard): read the tasks again.
        this.work = await fetchWork();
        task = this.work.taskById.get(entry.task_id);
      } catch {
        task = null;
      }
    }
    const title = task ? task.title : `Task #${entry.task_id}`;
    if (task) this.titles.set(entry.task_id, title);
    return title;
  }

  render(entry, error) {
    const running = Boolean(entry);
    this.box.dataset.running = running ? "true" : "false";
    this.box.dataset.state = error ? "error" : running ? "running" : "idle";
    this.stop.hidden = !running;
    this.elapsed.hidden = !running;
    this.open.hidden = running;
    if (error) {
      this.label.textContent = error.status === 404 ? "Timer unavailable" : "Timer: no answer";
      this.label.title = errorText(error, "The timer could not be read.");
      this.open.hidden = true;
      return;
    }
    this.label.title = "";
    if (!running) {
      this.label.textContent = "No timer";
      this.elapsed.textContent = "";
      return;
    }
    this.closePicker();
    this.label.textContent = `Task #${entry.task_id}`;
    this.titleOf(entry).then((title) => {
      if (runningEntry() === entry) {
        this.label.textContent = title;
        this.stop.setAttribute("aria-label", `Stop the timer on ${title}`);
      }
    });
    this.tick();
  }

  tick() {
    if (runningEntry()) this.elapsed.textContent = formatClock(elapsedSeconds());
  }

  async openPicker() {
    this.form.hidden = false;
    this.open.setAttribute("aria-expanded", "true");
    this.error.textContent = "";
    this.select.replaceChildren(h("option", { value: "" }, "Loading tasks…"));
    this.select.focus();
    try {
      this.work = await fetchWork();
      const opts = taskOptions(this.work);
      this.select.replaceChildren(...opts);
      if (opts.length === 1) this.error.textContent = "No tasks yet: add one to a project first.";
    } catch (err) {
      this.select.replaceChildren(h("option", { value: "" }, "—"));
      this.error.textContent = errorText(err, "Could not load your tasks.");
    }
  }

  closePicker() {
    if (this.form.hidden) return;
    this.form.hidden = true;
    this.open.setAttribute("aria-expanded", "false");
  }

  async doStart(e) {
    e.preventDefault();
    this.error.textContent = "";
    const id = Number(this.select.value);
    if (!this.select.value || !Number.isSafeInteger(id)) {
      this.error.textContent = "Choose a task.";
      this.select.focus();
      return;
    }
    const btn = e.submitter || this.form.querySelector("button[type=submit]");
    btn.disabled = true;
    try {
      await startTimer(id, this.note.value.trim());
      this.note.value = "";
      const title = this.select.selectedOptions[0] ? this.select.selectedOptions[0].textContent : "";
      this.status.textContent = `Timer started${title ? ` on ${title}` : ""}.`;
      this.stop.focus();
    } catch (err) {
      this.error.textContent = errorText(err, "Could not start the timer.");
    } finally {
      btn.disabled = false;
    }
  }

  async doStop() {
    this.stop.disabled = true;
    try {
      const stopped = await stopTimer();
      const secs = stopped && typeof stopped.seconds === "number" ? ` after ${formatClock(stopped.seconds)}` : "";
      this.status.textContent = `Timer stopped${secs}.`;
      this.ctx.notices.info(`Timer stopped${secs}.`);
      this.open.focus();
    } catch (err) {
      this.ctx.notices.failed(err, "Could not stop the timer.");
      this.load();
    } finally {
      this.stop.disabled = false;
    }
  }
}

export const timerWidget = {
  id: "timer",
  async mount(el, ctx) {
    loadStylesheet(new URL("./timer.css", import.meta.url));
    const w = new TimerWidget(el, ctx);
    await w.load();
  },
};
