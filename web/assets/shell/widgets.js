// Widgets in the page header (for example a running timer). The shell gives
// each one its own element in the header slot (`data-testid="header-widgets"`,
// between the risk indicator and the signed-in user) and calls `mount` once
// the user is known. To add one, write its module and add an entry here:
//
//   import { timerWidget } from "../time/timer-widget.js";
//   export const HEADER_WIDGETS = [timerWidget];
//
// A widget is {id, mount(element, ctx), pages?, roles?}:
// - `element` is a `<div class="header-widget" data-widget="<id>">`; the
//   widget fills it (give its controls a data-testid).
// - `ctx` is the page context of `startPage` (user, notices, api calls go
//   through core/api.js as everywhere).
// - `pages` / `roles` (optional) limit where and for whom it shows.
// `mount` may return a promise; a widget that fails is logged and left
// empty, the page goes on.

import { timerWidget } from "./timer-widget.js";

export const HEADER_WIDGETS = [timerWidget];
