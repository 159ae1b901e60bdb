// The views of the account page (/account/).

import { accountView } from "./account-view.js";

export const VIEWS = [accountView];
