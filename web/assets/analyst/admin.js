// Administration (admins only): change a user's role, reset a user's
// behaviour profile, train the global model now.

import { api, ApiError } from "../core/api.js";
import { byId as $ } from "../core/dom.js";
import { fieldError } from "../core/forms.js";
import { failed } from "./access.js";

export class AdminPanel {
  /** `onChanged()` after a change the events list should show. */
  constructor(ctx, { onChanged }) {
    this.ctx = ctx;
    this.onChanged = onChanged;
    this.panel = $("admin-panel");
    this.form = $("role-form");
    this.username = $("role-username");
    this.role = $("role-role");
    this.error = $("role-error");
    this.resetButton = $("profile-reset");
    this.trainButton = $("train-global");
    this.form.addEventListener("submit", (e) => this.changeRole(e));
    this.resetButton.addEventListener("click", () => this.resetProfile());
    this.trainButton.addEventListener("click", () => this.train());
    this.showFor(ctx.user);
    ctx.onUser((user) => this.showFor(user));
  }

  showFor(user) {
    this.panel.hidden = !(user && user.role === "admin");
  }

  /** The username typed in, or null after asking for one with `ask`. */
  target(ask) {
    this.error.textContent = "";
    const username = this.username.value.trim();
    return username || fieldError(this.error, this.username, ask);
  }

  failed(err, username, fallback) {
    if (err instanceof ApiError && err.status === 404) {
      this.error.textContent = `There is no user named “${username}”.`;
      return;
    }
    failed(err, fallback, this.error);
  }

  async changeRole(e) {
    e.preventDefault();
    const username = this.target("Enter the username whose role should change.");
    if (!username) return;
    try {
      const res = await api("POST", `/api/admin/users/${encodeURIComponent(username)}/role`, { role: this.role.value });
      this.ctx.notices.info(
        `${res && res.username ? res.username : username} now has the role “${res && res.role ? res.role : this.role.value}”.`,
      );
      this.onChanged();
    } catch (err) {
      this.failed(err, username, "Could not change the role.");
    }
  }

  async resetProfile() {
    const username = this.target("Enter the username whose behaviour profile should be reset.");
    if (!username) return;
    try {
      await api("POST", `/api/admin/users/${encodeURIComponent(username)}/profile/reset`);
      this.ctx.notices.info(`The behaviour profile of ${username} was reset; the next sessions learn it afresh.`);
    } catch (err) {
      this.failed(err, username, "Could not reset the profile.");
    }
  }

  async train() {
    this.trainButton.disabled = true;
    try {
      await api("POST", "/api/admin/train-global");
      this.ctx.notices.info(
        "Training of the global model started; a global_model_trained event follows when it is done.",
      );
    } catch (err) {
      failed(err, "Could not start training.");
    } finally {
      this.trainButton.disabled = false;
    }
  }
}
