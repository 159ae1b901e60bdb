//! The client of a request: its address — the peer, or with
//! `TRUSTED_PROXIES` the rightmost `X-Forwarded-For` hop that is not a
//! trusted proxy — and its `User-Agent`, made current for the request
//! ([`RequestOrigin::scope`]) so security events record them.

use crate::services::origin::RequestOrigin;
use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header,
    middleware::Next,
    web, Error,
};
use std::net::IpAddr;

/// One entry of `TRUSTED_PROXIES`: an address or a CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    addr: IpAddr,
    prefix: u8,
}

impl Block {
    /// Parses `10.0.0.1`, `10.0.0.0/8`, `::1` or `fd00::/8`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (
                a.trim().parse::<IpAddr>().ok()?,
                Some(p.trim().parse::<u8>().ok()?),
            ),
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { addr, prefix })
    }

    /// Whether `ip` is inside the block (IPv4-mapped IPv6 counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u128::from(u32::from(net)), 32, self.prefix)
                    == masked(u128::from(u32::from(ip)), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), 128, self.prefix)
                    == masked(u128::from(ip), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn masked(v: u128, bits: u8, prefix: u8) -> u128 {
    let drop = u32::from(bits.saturating_sub(prefix));
    v.checked_shr(drop).unwrap_or(0)
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<Block>);

impl TrustedProxies {
    /// Parses a comma-separated list; `Err` names the first bad entry.
    pub fn parse(list: Option<&str>) -> Result<Self, String> {
        let mut blocks = Vec::new();
        for entry in list.unwrap_or("").split(',').map(str::trim) {
            if entry.is_empty() {
                continue;
            }
            blocks.push(Block::parse(entry).ok_or_else(|| {
                format!("TRUSTED_PROXIES: {entry:?} is not an IP address or CIDR block")
            })?);
        }
        Ok(Self(blocks))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|b| b.contains(ip))
    }

    /// The client address: the peer unless it is trusted; then the
    /// `X-Forwarded-For` hops from the right, skipping trusted ones, the
    /// first untrusted (or unreadable: the hop before it) being the client.
    pub fn client(&self, peer: Option<IpAddr>, forwarded: &[&str]) -> Option<IpAddr> {
        let mut client = peer.map(canonical)?;
        if !self.trusts(client) {
            return Some(client);
        }
        for hop in forwarded.iter().rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = canonical(ip);
            if !self.trusts(client) {
                break;
            }
        }
        Some(client)
    }
}

/// The middleware (`App::wrap(from_fn(client_origin))`).
pub async fn client_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let origin = origin_of(&req);
    origin.scope(next.call(req)).await
}

fn origin_of(req: &ServiceRequest) -> RequestOrigin {
    let peer = req.peer_addr().map(|a| a.ip());
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let ip = match req.app_data::<web::Data<TrustedProxies>>() {
        Some(trusted) => trusted.client(peer, &forwarded),
        None => peer.map(canonical),
    };
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    RequestOrigin::new(ip.map(|ip| ip.to_string()), user_agent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn blocks_match_their_addresses() {
        let b = Block::parse("10.0.0.0/8").unwrap();
        assert!(b.contains(ip("10.2.3.4")));
        assert!(!b.contains(ip("11.0.0.1")));
        assert!(b.contains(ip("::ffff:10.1.1.1")));
        assert!(Block::parse("127.0.0.1").unwrap().contains(ip("127.0.0.1")));
        assert!(Block::parse("::1").unwrap().contains(ip("::1")));
        assert!(Block::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(Block::parse("10.0.0.0/33").is_none());
        assert!(Block::parse("nope").is_none());
    }

    #[test]
    fn forwarded_is_believed_only_from_trusted_peers() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(Some(ip("127.0.0.1")), &["1.2.3.4"]),
            Some(ip("127.0.0.1"))
        );
        let t = TrustedProxies::parse(Some("127.0.0.1, 10.0.0.0/8")).unwrap();
        assert_eq!(
            t.client(Some(ip("127.0.0.1")), &["1.2.3.4"]),
            Some(ip("1.2.3.4"))
        );
        // A client-supplied leftmost hop is not believed past an untrusted one.
        assert_eq!(
            t.client(Some(ip("127.0.0.1")), &["6.6.6.6", "5.5.5.5", "10.0.0.7"]),
            Some(ip("5.5.5.5"))
        );
        assert_eq!(
            t.client(Some(ip("9.9.9.9")), &["1.2.3.4"]),
            Some(ip("9.9.9.9"))
        );
        assert_eq!(
            t.client(Some(ip("127.0.0.1")), &["junk"]),
            Some(ip("127.0.0.1"))
        );
        assert!(TrustedProxies::parse(Some("1.2.3.4, bad")).is_err());
    }
}
