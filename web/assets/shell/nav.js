// The links of the main navigation in every page header. To add a page or
// a view to the navigation, add one entry here:
//
//   { id: "account", href: "/account/", label: "Account" }
//
// - `id` names the page (the `page` given to `startPage`) or view it leads
//   to: the link of the current page gets `aria-current="page"`; its
//   `data-testid` is `nav-<id>`.
// - `roles` (optional) lists the roles that see the link; without it every
//   signed-in user does. The role is the one `GET /api/me` answers.
// - `href` may also lead to a view of a page (`/dashboard/#/due`).

export const NAV_LINKS = [
  { id: "dashboard", href: "/dashboard/", label: "Workspace" },
  { id: "time", href: "/time/", label: "Time & money" },
  { id: "analyst", href: "/analyst/", label: "Analyst console", roles: ["analyst", "admin"] },
  { id: "due", href: "/dashboard/#/due", label: "Due" },
  { id: "account", href: "/account/", label: "Account" },
];
