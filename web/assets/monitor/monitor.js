// Live behavioural protection for a signed-in page: capture + websocket +
// risk indicator + the "confirm it's you" challenge dialog, wired together.
// The shell calls `startMonitoring` once per page.

import { api } from "../core/api.js";
import { backToSignIn, currentSession } from "../core/session.js";
import { BehaviorCapture } from "./capture.js";
import { ChallengeDialog } from "./challenge.js";
import { RiskIndicator } from "./risk-indicator.js";
import { BehaviorSocket } from "./ws.js";

/**
 * Starts capture and the behavioural websocket for this page.
 * `indicatorRoot` is the element with data-testid="risk-indicator".
 * `onSignOut` is called when the user chooses to sign out from the challenge.
 */
export function startMonitoring(indicatorRoot, onSignOut) {
  const session = currentSession();
  if (!session) return null;
  const indicator = new RiskIndicator(indicatorRoot);
  const capture = new BehaviorCapture();
  const challenge = new ChallengeDialog(onSignOut);
  challenge.onVerified = () => indicator.setNote("identity confirmed");

  const socket = new BehaviorSocket({
    // Read at every (re)connect: the token may have been replaced meanwhile.
    token: () => (currentSession() || session).token,
    path: session.wsUrl,
    capture,
    handlers: {
      onState: (s) => indicator.setConnection(s),
      onAuthOk: (msg) => indicator.setProfile(msg.profile),
      onProfile: (msg) => indicator.setProfileMessage(msg),
      onRisk: (msg) => indicator.addRisk(msg),
      onSent: (n) => indicator.setSent(n),
      onChallenge: (msg) => {
        indicator.setNote("");
        challenge.open(typeof msg.reason === "string" ? msg.reason : "");
      },
      onTerminated: (msg) => {
        const why = msg && typeof msg.reason === "string" ? msg.reason : "anomaly";
        backToSignIn("terminated", { why, ...challenge.noticed() });
      },
      onUnauthorized: async () => {
        // Ask the REST side why: a 401 there sends us to sign-in with the
        // right reason; if the token is still fine, the stream is just off.
        try {
          await api("GET", "/api/me");
          indicator.setNote("live protection unavailable");
        } catch {
          /* api() has already redirected, or the server is unreachable */
        }
      },
      onError: (msg) => {
        if (msg && msg.error) console.warn(`behaviour stream: ${msg.error}: ${msg.message || ""}`);
      },
    },
  });
  capture.start();
  socket.start();
  return { socket, capture, indicator, challenge };
}
