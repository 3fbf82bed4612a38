//! The edge: before any handler, a request's `Host` must name this site,
//! and the client behind it is identified once ([`app::client`]) for
//! every limit, the loopback-only endpoints and the request log.
//!
//! The Host check is what makes the loopback-only endpoints safe against
//! DNS rebinding: a page on `evil.example` whose name is made to resolve
//! to 127.0.0.1 sends `Host: evil.example`, and is turned away here.

use std::{net::SocketAddr, sync::Arc};

use app::client::{ClientInfo, TrustedProxies};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, StatusCode, Uri},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The names this site answers to, and the origins its pages have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteHosts {
    /// `host[:port]`, lower case, without the scheme's default port.
    authorities: Vec<String>,
    /// `scheme://host[:port]` of the same, for the `Origin` check.
    origins: Vec<String>,
}

impl SiteHosts {
    /// `PUBLIC_URL`'s host when it is set: behind a proxy, that is the only
    /// name clients use. Otherwise the address the server listens on and
    /// `localhost` at its port (a local run).
    pub fn new(public_url: Option<&str>, listening: SocketAddr) -> Result<Self, String> {
        let (scheme, authorities) = match public_url {
            Some(url) => {
                let uri: Uri = url
                    .parse()
                    .map_err(|_| format!("PUBLIC_URL {url:?} is not a URL"))?;
                let scheme = uri.scheme_str().map(str::to_ascii_lowercase);
                let (Some(scheme @ ("http" | "https")), Some(authority)) =
                    (scheme.as_deref(), uri.authority())
                else {
                    return Err(format!(
                        "PUBLIC_URL {url:?} must be http:// or https:// with a host name"
                    ));
                };
                (scheme.to_owned(), vec![authority.as_str().to_owned()])
            }
            None => {
                let port = listening.port();
                let mut names = vec![listening.to_string(), format!("localhost:{port}")];
                if listening.ip().is_unspecified() || listening.ip().is_loopback() {
                    names.extend([format!("127.0.0.1:{port}"), format!("[::1]:{port}")]);
                }
                ("http".to_owned(), names)
            }
        };
        let mut authorities: Vec<String> = authorities
            .iter()
            .map(|authority| normalise(authority, &scheme))
            .collect();
        authorities.dedup();
        let origins = authorities
            .iter()
            .map(|authority| format!("{scheme}://{authority}"))
            .collect();
        Ok(Self {
            authorities,
            origins,
        })
    }

    /// Whether a `Host` header (or HTTP/2 `:authority`) names this site.
    pub fn allows_host(&self, host: &str) -> bool {
        let scheme = self.scheme();
        let host = normalise(host, scheme);
        self.authorities.contains(&host)
    }

    /// Whether an `Origin` is one of this site's pages: scheme, host and
    /// port all equal.
    pub fn allows_origin(&self, origin: &str) -> bool {
        let Some((scheme, authority)) = origin.split_once("://") else {
            return false; // "null" (sandboxed frames, some redirects) or garbage
        };
        let scheme = scheme.to_ascii_lowercase();
        let candidate = format!("{scheme}://{}", normalise(authority, &scheme));
        self.origins.contains(&candidate)
    }

    fn scheme(&self) -> &str {
        self.origins
            .first()
            .and_then(|origin| origin.split_once("://"))
            .map_or("http", |(scheme, _)| scheme)
    }
}

/// Lower case, no trailing dot on the name, no default port.
fn normalise(authority: &str, scheme: &str) -> String {
    let authority = authority.trim().to_ascii_lowercase();
    let (host, port) = match authority.strip_prefix('[') {
        // An IPv6 literal: "[::1]" or "[::1]:3000".
        Some(rest) => match rest.split_once(']') {
            Some((address, tail)) => (format!("[{address}]"), tail.strip_prefix(':')),
            None => (authority.clone(), None),
        },
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (authority.clone(), None),
        },
    };
    let host = host.trim_end_matches('.');
    let default_port = if scheme == "https" { "443" } else { "80" };
    match port {
        Some(port) if port != default_port => format!("{host}:{port}"),
        _ => host.to_owned(),
    }
}

/// What the edge needs to decide.
#[derive(Clone, Debug)]
pub struct Edge {
    pub hosts: SiteHosts,
    pub trusted_proxies: TrustedProxies,
    pub ipv6_prefix: u8,
}

/// Refuses a request for another host name (421), then records who the
/// client is for everything behind. `/healthz` is exempt from the Host
/// check: load balancers probe instances by address, and it tells nothing.
pub async fn identify(
    State(edge): State<Arc<Edge>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()));
    let allowed = host
        .as_deref()
        .is_some_and(|host| edge.hosts.allows_host(host));
    if !allowed && request.uri().path() != "/healthz" {
        tracing::warn!(host = ?host, "refused a request for another host name");
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "This server does not answer for that host name.",
        )
            .into_response();
    }
    let client = ClientInfo::resolve(
        peer.ip(),
        request.headers(),
        &edge.trusted_proxies,
        edge.ipv6_prefix,
    );
    request.extensions_mut().insert(client);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> SiteHosts {
        SiteHosts::new(None, "127.0.0.1:3000".parse().unwrap()).unwrap()
    }

    fn public() -> SiteHosts {
        SiteHosts::new(
            Some("https://Threshold.example.org/"),
            "10.0.0.5:3000".parse().unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn a_local_run_answers_to_its_address_and_localhost() {
        let hosts = local();
        for host in [
            "127.0.0.1:3000",
            "localhost:3000",
            "LOCALHOST:3000",
            "[::1]:3000",
        ] {
            assert!(hosts.allows_host(host), "{host}");
        }
        for host in [
            "127.0.0.1:3001",
            "evil.example:3000",
            "evil.example",
            "127.0.0.1",
            "",
        ] {
            assert!(!hosts.allows_host(host), "{host}");
        }
    }

    #[test]
    fn behind_a_proxy_only_the_public_name_is_this_site() {
        let hosts = public();
        for host in [
            "threshold.example.org",
            "threshold.example.org:443",
            "threshold.example.org.",
        ] {
            assert!(hosts.allows_host(host), "{host}");
        }
        // The instance's own address is not a name clients use.
        for host in [
            "10.0.0.5:3000",
            "localhost:3000",
            "threshold.example.org:80",
        ] {
            assert!(!hosts.allows_host(host), "{host}");
        }
    }

    #[test]
    fn an_origin_must_match_scheme_host_and_port() {
        let hosts = local();
        assert!(hosts.allows_origin("http://127.0.0.1:3000"));
        assert!(hosts.allows_origin("http://localhost:3000"));
        for origin in [
            "https://127.0.0.1:3000",
            "ftp://127.0.0.1:3000",
            "http://127.0.0.1:3400",
            "http://evil.example",
            "null",
            "",
        ] {
            assert!(!hosts.allows_origin(origin), "{origin}");
        }
        let hosts = public();
        assert!(hosts.allows_origin("https://threshold.example.org"));
        assert!(hosts.allows_origin("https://threshold.example.org:443"));
        assert!(!hosts.allows_origin("http://threshold.example.org"));
        assert!(!hosts.allows_origin("https://10.0.0.5:3000"));
    }

    #[test]
    fn a_public_url_must_be_a_web_address() {
        let at = "127.0.0.1:3000".parse().unwrap();
        assert!(SiteHosts::new(Some("threshold.example.org"), at).is_err());
        assert!(SiteHosts::new(Some("ftp://threshold.example.org"), at).is_err());
        assert!(SiteHosts::new(Some("http://threshold.example.org:8080"), at).is_ok());
    }
}
