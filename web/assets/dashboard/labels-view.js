// View "/labels": the label manager — the caller's labels as coloured chips,
// create (name + colour), rename / recolour, delete. `GET/POST /api/labels`,
// `PATCH/DELETE /api/labels/{id}`.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fieldError, whileSubmitting } from "../core/forms.js";
import { showFailure } from "../shell/notices.js";
import { fetchLabels, labelChip, labelStore } from "./labels.js";

const PALETTE = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#17becf", "#e377c2", "#8c564b"];

let ui = null;

function row(label, ctx) {
  const name = h("input", { value: label.name, maxlength: "50", "aria-label": `Name of label ${label.name}`, "data-testid": "label-edit-name" });
  const color = h("input", { type: "color", value: label.color, "aria-label": `Colour of label ${label.name}`, "data-testid": "label-edit-color" });
  const save = h("button", { type: "button", class: "small", "data-testid": "label-save", text: "Save" });
  const del = h("button", { type: "button", class: "danger small", "data-testid": "label-delete", text: "Delete" });
  const err = h("p", { class: "form-error", role: "alert" });
  save.addEventListener("click", async () => {
    err.textContent = "";
    const body = {};
    const n = name.value.trim();
    if (!n) {
      err.textContent = "A label needs a name.";
      name.focus();
      return;
    }
    if (n !== label.name) body.name = n;
    if (color.value.toLowerCase() !== label.color.toLowerCase()) body.color = color.value;
    if (!Object.keys(body).length) return;
    save.disabled = true;
    try {
      await api("PATCH", `/api/labels/${label.id}`, body);
      ctx.notices.info(`Label “${n}” saved.`);
      await refresh(ctx);
    } catch (e) {
      save.disabled = false;
      showFailure(err, e, "Could not save the label.");
    }
  });
  del.addEventListener("click", async () => {
    if (del.dataset.armed !== "true") {
      del.dataset.armed = "true";
      del.textContent = "Click again: tasks lose this label";
      return;
    }
    del.disabled = true;
    try {
      await api("DELETE", `/api/labels/${label.id}`);
      ctx.notices.info(`Label “${label.name}” deleted.`);
      await refresh(ctx);
    } catch (e) {
      del.disabled = false;
      showFailure(err, e, "Could not delete the label.");
    }
  });
  return h(
    "li",
    { "data-testid": "label-item", "data-label-id": String(label.id) },
    h("div", { class: "label-row" }, labelChip(label), name, color, save, del),
    err,
  );
}

async function refresh(ctx) {
  ui.state.hidden = false;
  ui.state.className = "empty loading";
  ui.state.textContent = "Loading labels…";
  await fetchLabels();
  if (labelStore.error) {
    ui.state.className = "empty";
    ui.state.textContent = `The labels could not be loaded: ${labelStore.error.message}`;
    ui.list.replaceChildren();
    return;
  }
  ui.list.replaceChildren(...labelStore.labels.map((l) => row(l, ctx)));
  ui.state.className = "empty";
  ui.state.textContent = labelStore.labels.length ? "" : "No labels yet. Create one above.";
  ui.state.hidden = Boolean(labelStore.labels.length);
}

export const labelsView = {
  id: "labels",
  routes: ["/labels"],
  title: "Labels",
  element(ctx) {
    const name = h("input", { id: "label-name", maxlength: "50", required: true, "data-testid": "label-name" });
    const color = h("input", { id: "label-color", type: "color", value: PALETTE[0], "data-testid": "label-color" });
    const error = h("p", { class: "form-error", role: "alert" });
    const form = h(
      "form",
      { class: "inline-form", novalidate: true, "data-testid": "label-form" },
      h("div", {}, h("label", { for: "label-name", text: "New label" }), name),
      h("div", {}, h("label", { for: "label-color", text: "Colour" }), color),
      h("div", { class: "wide" }, error, h("button", { type: "submit", class: "primary", "data-testid": "label-create", text: "Create label" })),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.textContent = "";
      const n = name.value.trim();
      if (!n) return fieldError(error, name, "Enter a label name.");
      await whileSubmitting(form, e, async () => {
        try {
          const l = await api("POST", "/api/labels", { name: n, color: color.value });
          name.value = "";
          color.value = PALETTE[(labelStore.labels.length + 1) % PALETTE.length];
          ctx.notices.info(`Label “${l.name}” created.`);
          await refresh(ctx);
          name.focus();
        } catch (err) {
          showFailure(error, err, "Could not create the label.");
        }
      });
      return null;
    });
    ui = {
      list: h("ul", { class: "item-list", "data-testid": "label-list", "aria-label": "Your labels" }),
      state: h("p", { class: "empty" }),
    };
    return h(
      "section",
      { class: "panel", "aria-labelledby": "labels-title", "data-testid": "labels-view" },
      h("a", { href: "#/", text: "← Back to the workspace" }),
      h("h2", { id: "labels-title", text: "Labels" }),
      h("p", { class: "muted", text: "Labels are yours: mark tasks of any project with them and filter by them." }),
      form,
      ui.list,
      ui.state,
    );
  },
  show(params, ctx) {
    return refresh(ctx);
  },
};
