//! The client address a request is limited by: the TCP peer, or — only when the peer is a configured trusted
//! proxy — the right-most address in `X-Forwarded-For` that is not itself a trusted proxy. Anyone can write
//! `X-Forwarded-For`; only the entries our own proxies appended can be believed, and they append on the right.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::HeaderMap;
use ipnet::IpNet;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// A comma- or space-separated list of CIDRs (`10.0.0.0/8`) or single addresses (`192.0.2.7`, `::1`).
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in list.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
            let net = match item.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => match item.parse::<IpAddr>() {
                    Ok(ip) => IpNet::from(ip),
                    Err(_) => {
                        return Err(format!(
                            "trusted_proxies: '{item}' is neither an address nor a CIDR such as 10.0.0.0/8"
                        ))
                    }
                },
            };
            nets.push(net.trunc());
        }
        Ok(Self(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The address to limit by, `None` when the listener gave no peer address.
    pub fn client_addr(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = canonical(peer?.ip());
        let forwarded = headers.get_all("x-forwarded-for");
        if !self.contains(peer) {
            if forwarded.iter().next().is_some() {
                warn_untrusted_forwarding(peer);
            }
            return Some(peer);
        }
        // Walk from the right: each entry was appended by the hop after it, starting with our trusted peer. The
        // first entry that is not a trusted proxy is the client; an unreadable entry ends the walk at the last
        // trusted hop, which is then the best address known.
        let mut client = peer;
        for value in forwarded.iter().rev() {
            let Ok(value) = value.to_str() else {
                return Some(client);
            };
            for entry in value.rsplit(',') {
                let Some(ip) = parse_entry(entry.trim()) else {
                    return Some(client);
                };
                client = canonical(ip);
                if !self.contains(client) {
                    return Some(client);
                }
            }
        }
        Some(client)
    }
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.1:4711`, `[2001:db8::1]:443`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// IPv4 clients of a dual-stack listener arrive as `::ffff:a.b.c.d`: they are the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The bucket an address spends from: an IPv4 address, or an IPv6 /64 — one subscriber's network, since anyone
/// with a /64 (the usual smallest IPv6 assignment) can use 2^64 addresses.
pub fn bucket_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & (u128::MAX << 64);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

static WARNED_UNTRUSTED: AtomicBool = AtomicBool::new(false);

/// Said once per process: behind a load balancer that is not configured as trusted, every client shares the
/// balancer's bucket, which an operator must hear about before the first busy hour.
fn warn_untrusted_forwarding(peer: IpAddr) {
    if !WARNED_UNTRUSTED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            peer = %peer,
            "X-Forwarded-For ignored: the peer is not a trusted proxy, so rate limits apply to the peer's address; \
             if it is your load balancer, add it to trusted_proxies"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn peer(s: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(s.parse().unwrap(), 40000))
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let t = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(
            t.client_addr(peer("198.51.100.7"), &headers(&["1.2.3.4"])),
            Some(ip("198.51.100.7"))
        );
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_addr(peer("127.0.0.1"), &headers(&["1.2.3.4"])),
            Some(ip("127.0.0.1"))
        );
        assert_eq!(none.client_addr(None, &headers(&[])), None);
    }

    #[test]
    fn through_trusted_proxies_the_right_most_untrusted_entry_is_the_client() {
        let t = TrustedProxies::parse("10.0.0.0/8, 192.0.2.1").unwrap();
        // The client wrote a fake entry; the trusted proxy appended the real address.
        let h = headers(&["6.6.6.6, 203.0.113.9"]);
        assert_eq!(t.client_addr(peer("10.1.2.3"), &h), Some(ip("203.0.113.9")));
        // Two trusted hops, entries split across two header lines.
        let h = headers(&["6.6.6.6, 203.0.113.9", "192.0.2.1"]);
        assert_eq!(t.client_addr(peer("10.1.2.3"), &h), Some(ip("203.0.113.9")));
        // Ports and IPv6 in brackets.
        let h = headers(&["[2001:db8::5]:443"]);
        assert_eq!(t.client_addr(peer("10.1.2.3"), &h), Some(ip("2001:db8::5")));
        let h = headers(&["203.0.113.9:51000"]);
        assert_eq!(t.client_addr(peer("10.1.2.3"), &h), Some(ip("203.0.113.9")));
        // No header: the proxy itself. Garbage after trusted hops: the last trusted hop.
        assert_eq!(
            t.client_addr(peer("10.1.2.3"), &headers(&[])),
            Some(ip("10.1.2.3"))
        );
        let h = headers(&["unknown, 192.0.2.1"]);
        assert_eq!(t.client_addr(peer("10.1.2.3"), &h), Some(ip("192.0.2.1")));
        // A dual-stack listener's mapped IPv4 peer is the IPv4 address for the trust check too.
        let h = headers(&["203.0.113.9"]);
        assert_eq!(
            t.client_addr(peer("::ffff:10.0.0.1"), &h),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64() {
        assert_eq!(bucket_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(bucket_key(ip("2001:db8:1:2:bbbb::9")), ip("2001:db8:1:2::"));
        assert_ne!(bucket_key(ip("2001:db8:1:3::1")), ip("2001:db8:1:2::"));
        assert_eq!(bucket_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(bucket_key(ip("192.0.2.1")), ip("192.0.2.1"));
    }

    #[test]
    fn proxy_lists_are_parsed_strictly() {
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert_eq!(TrustedProxies::parse("10.0.0.0/8,::1").unwrap().0.len(), 2);
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
    }
}
