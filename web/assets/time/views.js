// The views of the time and money page (/time/), first match wins; the first
// one is also shown for an unknown route.

import { invoiceView } from "./invoice-view.js";
import { invoicesView } from "./invoices-view.js";
import { logView } from "./log-view.js";
import { reportView } from "./report-view.js";
import { weekView } from "./week-view.js";

export const VIEWS = [logView, weekView, reportView, invoicesView, invoiceView];
