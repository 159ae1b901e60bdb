//! Webhooks: security events POSTed to a SIEM. Each matching event gets a
//! delivery row in the event's own transaction ([`enqueue_for`], called by
//! the one place events are written); [`spawn_worker`] claims due rows,
//! signs and sends them, and retries with backoff for 24 h. All state is
//! in the database, so deliveries survive restarts and several instances
//! share the queue.

use super::caller::Caller;
use super::core::Services;
use super::error::{ServiceError, ServiceResult};
pub use super::outbox::{enqueue_for, event_body};
use chrono::{Duration, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::json;
use sha2::Sha256;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use workspace_domain::{Capability, EventKind, Severity};
use workspace_persistence::webhooks::{self, DeliveryRow, Outcome, WebhookRow};
use workspace_persistence::Database;

/// How long deliveries are retried.
pub const RETRY_FOR_HOURS: i64 = 24;
/// Timeout of one attempt.
pub const ATTEMPT_TIMEOUT_SECONDS: u64 = 5;
/// Longest accepted URL.
pub const MAX_URL_CHARS: usize = 2000;

/// Whether an address is loopback, private, link-local or otherwise not a
/// public destination.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00
                || (seg[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Checks a webhook URL (http/https with a host) and resolves it; private
/// targets are refused unless `allow_private`. Returns the host and the
/// address to connect to (blocking: DNS).
pub fn resolve_target(url: &str, allow_private: bool) -> ServiceResult<(String, SocketAddr)> {
    let bad = |m: &str| ServiceError::invalid("url", m.to_owned());
    if url.chars().count() > MAX_URL_CHARS {
        return Err(bad("must be at most 2000 characters"));
    }
    let parsed = url::Url::parse(url).map_err(|_| bad("must be an absolute http(s) URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("must be an http or https URL"));
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| bad("must name a host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| bad("must have a port"))?;
    let addrs: Vec<SocketAddr> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|_| bad("host does not resolve"))?
        .collect();
    let first = *addrs.first().ok_or_else(|| bad("host does not resolve"))?;
    if !allow_private && addrs.iter().any(|a| is_private(a.ip())) {
        return Err(bad(
            "must not point to a loopback, private or link-local address (WEBHOOK_ALLOW_PRIVATE)",
        ));
    }
    Ok((host, first))
}

/// `WEBHOOK_ALLOW_PRIVATE`, as app data for the handlers.
#[derive(Debug, Clone, Copy)]
pub struct AllowPrivate(pub bool);

/// A new webhook.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    /// Target.
    pub url: String,
    /// Kinds to deliver (`None`: all).
    pub kinds: Option<Vec<EventKind>>,
    /// Lowest severity delivered.
    pub min_severity: Option<Severity>,
}

/// `POST /api/admin/webhooks` (admins): the stored webhook (with its
/// secret, shown only now).
pub async fn create(
    svc: &Services,
    caller: &Caller,
    new: NewWebhook,
    allow_private: bool,
) -> ServiceResult<WebhookRow> {
    caller.require(Capability::ManageWebhooks)?;
    let url = new.url.trim().to_owned();
    let checked = url.clone();
    svc.blocking(move || resolve_target(&checked, allow_private))
        .await??;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let kinds = new
        .kinds
        .map(|ks| json!(ks.iter().map(|k| k.as_str()).collect::<Vec<_>>()).to_string());
    svc.read(move |conn| {
        Ok(webhooks::create(
            conn,
            &url,
            kinds,
            new.min_severity.map(|s| s.as_str()),
            &secret,
        )?)
    })
    .await
}

/// `GET /api/admin/webhooks` (admins).
pub async fn list(svc: &Services, caller: &Caller) -> ServiceResult<Vec<WebhookRow>> {
    caller.require(Capability::ManageWebhooks)?;
    svc.read(|conn| Ok(webhooks::list(conn)?)).await
}

/// `DELETE /api/admin/webhooks/{id}` (admins); 404 unknown.
pub async fn delete(svc: &Services, caller: &Caller, id: i64) -> ServiceResult<()> {
    caller.require(Capability::ManageWebhooks)?;
    let found = svc
        .read(move |conn| Ok(webhooks::delete(conn, id)?))
        .await?;
    if found {
        Ok(())
    } else {
        Err(ServiceError::not_found("webhook"))
    }
}

/// `GET /api/admin/webhooks/{id}/deliveries` (admins): newest first.
pub async fn deliveries(
    svc: &Services,
    caller: &Caller,
    id: i64,
    limit: i64,
) -> ServiceResult<Vec<DeliveryRow>> {
    caller.require(Capability::ManageWebhooks)?;
    svc.read(move |conn| {
        if webhooks::get(conn, id)?.is_none() {
            return Err(ServiceError::not_found("webhook"));
        }
        Ok(webhooks::list_deliveries(conn, id, limit)?)
    })
    .await
}

/// How the worker runs.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// Deliver to private targets (`WEBHOOK_ALLOW_PRIVATE`).
    pub allow_private: bool,
    /// First retry delay; doubles per attempt, at most an hour
    /// (`WEBHOOK_RETRY_BASE_SECONDS`).
    pub retry_base_seconds: u64,
    /// How often due deliveries are looked for (`WEBHOOK_POLL_MILLIS`).
    pub poll_millis: u64,
}

/// The `t=…,v1=…` signature header of `body` at unix time `t`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        // HMAC accepts keys of any length; unreachable in practice.
        Err(_) => return format!("t={t},v1="),
    };
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// When to try again after `attempts` failed attempts, or `None` to give
/// up (past 24 h since queueing).
fn next_attempt(
    cfg: WorkerConfig,
    created_at: NaiveDateTime,
    attempts: i32,
    now: NaiveDateTime,
) -> Option<NaiveDateTime> {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let delay = cfg.retry_base_seconds.saturating_mul(1u64 << exp).min(3600);
    let at = now + Duration::seconds(i64::try_from(delay).unwrap_or(3600));
    (at <= created_at + Duration::hours(RETRY_FOR_HOURS)).then_some(at)
}

/// One attempt: `(status, error)`; 2xx is success.
async fn attempt(
    cfg: WorkerConfig,
    hook: &WebhookRow,
    d: &DeliveryRow,
) -> (Option<i32>, Option<String>, bool) {
    let url = hook.url.clone();
    let allow = cfg.allow_private;
    let target = tokio::task::spawn_blocking(move || resolve_target(&url, allow)).await;
    let (host, addr) = match target {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => return (None, Some(e.message.clone()), false),
        Err(e) => return (None, Some(e.to_string()), false),
    };
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(ATTEMPT_TIMEOUT_SECONDS))
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&host, addr)
        .build();
    let client = match client {
        Ok(c) => c,
        Err(e) => return (None, Some(e.to_string()), false),
    };
    let t = Utc::now().timestamp();
    let sent = client
        .post(&hook.url)
        .header("content-type", "application/json")
        .header("user-agent", "freelancer-workspace-webhook")
        .header("x-workspace-event", &d.kind)
        .header("x-workspace-delivery", &d.id)
        .header("x-workspace-signature", signature(&hook.secret, t, &d.body))
        .body(d.body.clone())
        .send()
        .await;
    match sent {
        Ok(resp) => {
            let status = resp.status();
            let code = i32::from(status.as_u16());
            if status.is_success() {
                (Some(code), None, true)
            } else {
                (Some(code), Some(format!("HTTP {code}")), false)
            }
        }
        Err(e) => {
            let msg = if e.is_timeout() {
                "timeout".to_owned()
            } else {
                "connection failed".to_owned()
            };
            (None, Some(msg), false)
        }
    }
}

/// One pass: claims due deliveries and attempts each.
async fn run_once(db: &Database, cfg: WorkerConfig) -> ServiceResult<()> {
    let db2 = db.clone();
    let claimed = tokio::task::spawn_blocking(move || {
        db2.run(
            |conn| -> ServiceResult<Vec<(DeliveryRow, Option<WebhookRow>)>> {
                let rows = webhooks::claim_due(conn, 20, Duration::seconds(60))?;
                let mut out = Vec::new();
                for r in rows {
                    let hook = webhooks::get(conn, r.webhook_id)?;
                    out.push((r, hook));
                }
                Ok(out)
            },
        )
    })
    .await??;
    for (d, hook) in claimed {
        let Some(hook) = hook else { continue };
        let (status, error, ok) = attempt(cfg, &hook, &d).await;
        let now = workspace_persistence::now_utc();
        let outcome = if ok {
            Outcome::Delivered
        } else {
            match next_attempt(cfg, d.created_at, d.attempts + 1, now) {
                Some(at) => Outcome::Retry(at),
                None => Outcome::Failed,
            }
        };
        if !ok {
            log::warn!(
                "webhook {} delivery {} attempt {} failed: {}",
                hook.id,
                d.id,
                d.attempts + 1,
                error.as_deref().unwrap_or("")
            );
        }
        let db2 = db.clone();
        let id = d.id.clone();
        tokio::task::spawn_blocking(move || {
            db2.run(|conn| -> ServiceResult<()> {
                Ok(webhooks::record_attempt(
                    conn,
                    &id,
                    status,
                    error.as_deref(),
                    outcome,
                )?)
            })
        })
        .await??;
    }
    Ok(())
}

/// Starts the delivery worker on the current (actix) runtime.
pub fn spawn_worker(db: Database, cfg: WorkerConfig) {
    actix_rt::spawn(async move {
        let mut tick =
            tokio::time::interval(std::time::Duration::from_millis(cfg.poll_millis.max(10)));
        loop {
            tick.tick().await;
            if let Err(e) = run_once(&db, cfg).await {
                log::warn!("webhook worker: {e}");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.0.1",
            "169.254.1.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
            "0.0.0.0",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "2606:4700::1111"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn signature_is_hmac_of_t_dot_body() {
        let s = signature("key", 1, "{}");
        assert!(s.starts_with("t=1,v1="));
        assert_eq!(s.len(), "t=1,v1=".len() + 64);
    }
}
