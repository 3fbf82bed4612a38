//! Who is asking: the client's address as every limit, the loopback-only
//! endpoints and the request log see it.
//!
//! Behind a reverse proxy the TCP peer is the proxy, and the client is in
//! `X-Forwarded-For`, a header anyone can send. So headers are believed
//! only from the proxies the operator names (`TRUSTED_PROXIES`): walking
//! the list from the right (each proxy appends the address it saw), the
//! first address that is not a trusted proxy is the client. Everything to
//! its left was written by the client and is ignored. Requests from any
//! other peer are keyed by the peer, whatever they say.
//!
//! The server's middleware decides this once per request
//! ([`ClientInfo::resolve`]) and puts the answer in the request's
//! extensions, where server functions read it.

use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

use axum::http::{header, HeaderMap};
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed (`TRUSTED_PROXIES`:
/// comma-separated addresses or CIDR blocks; none by default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not an IP address or CIDR block (e.g. 10.0.0.0/8, 127.0.0.1, ::1)")]
pub struct NotANetwork(pub String);

impl FromStr for TrustedProxies {
    type Err = NotANetwork;

    fn from_str(list: &str) -> Result<Self, NotANetwork> {
        list.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| NotANetwork(item.to_owned()))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl TrustedProxies {
    pub fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|network| network.contains(&address))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The client of one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's address (the peer's, unless a trusted proxy forwarded).
    pub address: IpAddr,
    /// What rate limits count against: an IPv4 address, or an IPv6
    /// address's network (`/64` by default: one subscriber's allocation,
    /// so a client cannot get fresh buckets by changing its interface id).
    pub key: String,
    /// The request came through a trusted proxy, so its `X-Request-Id` and
    /// `X-Forwarded-Proto` are the proxy's words and may be believed.
    pub via_trusted_proxy: bool,
    /// The client used HTTPS to reach the proxy (`X-Forwarded-Proto`, from a
    /// trusted proxy only).
    pub https: bool,
}

impl ClientInfo {
    /// Decides who the client is from the TCP peer and, only when the peer
    /// is a trusted proxy, its forwarding headers.
    pub fn resolve(
        peer: IpAddr,
        headers: &HeaderMap,
        trusted: &TrustedProxies,
        ipv6_prefix: u8,
    ) -> Self {
        let peer = canonical(peer);
        let via_trusted_proxy = trusted.trusts(peer);
        let (address, https) = if via_trusted_proxy {
            let chain = forwarded_for(headers);
            let address = chain
                .iter()
                .rev()
                .find(|hop| !trusted.trusts(**hop))
                // Every hop is one of ours: the left-most is the client.
                .or_else(|| chain.first())
                .copied()
                .unwrap_or(peer);
            (address, forwarded_https(headers))
        } else {
            (peer, false)
        };
        Self {
            address,
            key: rate_limit_key(address, ipv6_prefix),
            via_trusted_proxy,
            https,
        }
    }

    /// A request from this machine itself, not relayed for someone else.
    pub fn is_local(&self) -> bool {
        self.address.is_loopback()
    }
}

/// IPv4-mapped IPv6 (`::ffff:192.0.2.1`, how a dual-stack socket shows an
/// IPv4 peer) is the IPv4 address, so one client has one key.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

fn rate_limit_key(address: IpAddr, ipv6_prefix: u8) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let prefix = ipv6_prefix.min(128);
            let mask = u128::MAX.checked_shl(u32::from(128 - prefix)).unwrap_or(0);
            let network = Ipv6Addr::from(u128::from(v6) & mask);
            format!("{network}/{prefix}")
        }
    }
}

/// The hops of `X-Forwarded-For` (every instance of the header, in order),
/// or, without it, the `for=` parameters of `Forwarded` (RFC 7239). A hop
/// that is not an address (`unknown`, an obfuscated name, garbage) ends the
/// chain there: nothing to its left can be placed.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let x_forwarded: Vec<&str> = all_values(headers, "x-forwarded-for")
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let hops: Vec<&str> = if x_forwarded.is_empty() {
        all_values(headers, header::FORWARDED.as_str())
            .flat_map(|value| value.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (name, value) = pair.trim().split_once('=')?;
                    name.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| value.trim().trim_matches('"'))
                })
            })
            .collect()
    } else {
        x_forwarded
    };
    let mut parsed = Vec::new();
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(address) => parsed.push(canonical(address)),
            None => break,
        }
    }
    parsed.reverse();
    parsed
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(address) = hop.parse() {
        return Some(address);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (host, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse().ok()
}

/// The scheme the client used, as the nearest proxy saw it.
fn forwarded_https(headers: &HeaderMap) -> bool {
    let proto = all_values(headers, "x-forwarded-proto")
        .flat_map(|value| value.split(','))
        .last()
        .map(str::trim);
    let proto = proto.or_else(|| {
        all_values(headers, header::FORWARDED.as_str())
            .flat_map(|value| value.split(','))
            .last()
            .and_then(|element| {
                element.split(';').find_map(|pair| {
                    let (name, value) = pair.trim().split_once('=')?;
                    name.trim()
                        .eq_ignore_ascii_case("proto")
                        .then(|| value.trim().trim_matches('"'))
                })
            })
    });
    proto.is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

fn all_values<'a>(headers: &'a HeaderMap, name: &str) -> impl Iterator<Item = &'a str> {
    headers
        .get_all(name)
        .into_iter()
        .filter_map(|value| value.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn nginx() -> TrustedProxies {
        "127.0.0.1, 10.0.0.0/8".parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let forged = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=203.0.113.10"),
            ("x-forwarded-proto", "https"),
            ("x-request-id", "mine"),
        ]);
        let client = ClientInfo::resolve(ip("198.51.100.7"), &forged, &nginx(), 64);
        assert_eq!(client.address, ip("198.51.100.7"));
        assert_eq!(client.key, "198.51.100.7");
        assert!(!client.via_trusted_proxy);
        assert!(!client.https);
        // With no proxies configured, even loopback's headers are ignored.
        let local = ClientInfo::resolve(ip("127.0.0.1"), &forged, &TrustedProxies::default(), 64);
        assert_eq!(local.address, ip("127.0.0.1"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
        // The client sent its own X-Forwarded-For ("1.2.3.4"); nginx
        // appended the address it saw; an internal balancer appended its own.
        let chain = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7, 10.1.2.3")]);
        let client = ClientInfo::resolve(ip("127.0.0.1"), &chain, &nginx(), 64);
        assert_eq!(client.address, ip("198.51.100.7"));
        assert!(client.via_trusted_proxy);
        // Several header lines are one list, in order.
        let split = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "198.51.100.8"),
        ]);
        let client = ClientInfo::resolve(ip("10.0.0.2"), &split, &nginx(), 64);
        assert_eq!(client.address, ip("198.51.100.8"));
    }

    #[test]
    fn forwarded_is_read_when_x_forwarded_for_is_absent() {
        let rfc = headers(&[(
            "forwarded",
            "for=1.2.3.4, for=\"[2001:db8:cafe::17]:4711\";proto=https",
        )]);
        let client = ClientInfo::resolve(ip("127.0.0.1"), &rfc, &nginx(), 64);
        assert_eq!(client.address, ip("2001:db8:cafe::17"));
        assert!(client.https);
    }

    #[test]
    fn garbage_in_the_chain_stops_the_walk_at_the_last_address_we_can_place() {
        let odd = headers(&[("x-forwarded-for", "198.51.100.7, unknown, 10.0.0.9")]);
        // "unknown" cannot be the client's bucket: the walk stops, and every
        // hop it placed is ours, so the left-most of them is used.
        let client = ClientInfo::resolve(ip("127.0.0.1"), &odd, &nginx(), 64);
        assert_eq!(client.address, ip("10.0.0.9"));
        let none = headers(&[("x-forwarded-for", "not an address")]);
        let client = ClientInfo::resolve(ip("127.0.0.1"), &none, &nginx(), 64);
        assert_eq!(client.address, ip("127.0.0.1"));
    }

    #[test]
    fn ports_and_mapped_addresses_are_one_client() {
        let ported = headers(&[("x-forwarded-for", "198.51.100.7:5123")]);
        let client = ClientInfo::resolve(ip("127.0.0.1"), &ported, &nginx(), 64);
        assert_eq!(client.key, "198.51.100.7");
        let mapped =
            ClientInfo::resolve(ip("::ffff:198.51.100.7"), &HeaderMap::new(), &nginx(), 64);
        assert_eq!(mapped.key, "198.51.100.7");
        // A dual-stack socket shows the trusted proxy as mapped too.
        let via_mapped = ClientInfo::resolve(ip("::ffff:127.0.0.1"), &ported, &nginx(), 64);
        assert_eq!(via_mapped.key, "198.51.100.7");
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_network() {
        let a = ClientInfo::resolve(ip("2001:db8:1:2:aaaa::1"), &HeaderMap::new(), &nginx(), 64);
        let b = ClientInfo::resolve(ip("2001:db8:1:2:ffff::9"), &HeaderMap::new(), &nginx(), 64);
        let other = ClientInfo::resolve(ip("2001:db8:1:3::1"), &HeaderMap::new(), &nginx(), 64);
        assert_eq!(a.key, "2001:db8:1:2::/64");
        assert_eq!(a.key, b.key);
        assert_ne!(a.key, other.key);
        let wide = ClientInfo::resolve(ip("2001:db8:1:3::1"), &HeaderMap::new(), &nginx(), 48);
        assert_eq!(wide.key, "2001:db8:1::/48");
        let exact = ClientInfo::resolve(ip("2001:db8::1"), &HeaderMap::new(), &nginx(), 128);
        assert_eq!(exact.key, "2001:db8::1/128");
    }

    #[test]
    fn https_is_believed_from_trusted_proxies_only() {
        let proto = headers(&[("x-forwarded-proto", "https")]);
        assert!(ClientInfo::resolve(ip("127.0.0.1"), &proto, &nginx(), 64).https);
        assert!(!ClientInfo::resolve(ip("192.0.2.1"), &proto, &nginx(), 64).https);
        let http = headers(&[("x-forwarded-proto", "http")]);
        assert!(!ClientInfo::resolve(ip("127.0.0.1"), &http, &nginx(), 64).https);
    }

    #[test]
    fn the_trusted_list_is_parsed_strictly() {
        assert!("".parse::<TrustedProxies>().unwrap().is_empty());
        assert_eq!(
            " 127.0.0.1 , ::1,10.0.0.0/8 "
                .parse::<TrustedProxies>()
                .unwrap()
                .0
                .len(),
            3
        );
        assert_eq!(
            "127.0.0.1, nginx".parse::<TrustedProxies>(),
            Err(NotANetwork("nginx".into()))
        );
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
    }
}
