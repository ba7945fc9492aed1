//! HTTP metadata kept beside a successful answer.

use http::HeaderMap;

/// Headers that carry a request id, in the order they are looked up.
const REQUEST_ID_HEADERS: [&str; 4] = [
    "x-request-id",
    "request-id",
    "x-requesty-request-id",
    "x-amzn-requestid",
];

/// The first request-id header present.
pub(crate) fn request_id_of(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|h| headers.get(*h))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// At most `max` bytes of `s`, cut at a character boundary.
pub(crate) fn snippet(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// One try of one target by the local router.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Attempt {
    /// `provider/model` (with `@region` if any).
    pub target: String,
    /// The HTTP status of a failed try, if it had one.
    pub status: Option<u16>,
    /// The error's class (`timeout`, `connect`, `api`, `stream`, …), `None` on success.
    pub error: Option<String>,
    /// How long the try took (to the answer, or to the first chunk of a stream).
    pub latency: std::time::Duration,
}

/// The HTTP status, headers and request id of a response, and — in local
/// mode — which provider served it and every attempt the router made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseMeta {
    status: u16,
    headers: HeaderMap,
    request_id: Option<String>,
    served_by: Option<String>,
    attempts: Vec<Attempt>,
    cache_hit: bool,
}

impl ResponseMeta {
    /// Metadata from a status and headers.
    pub fn new(status: u16, headers: HeaderMap) -> Self {
        let request_id = request_id_of(&headers);
        ResponseMeta {
            status,
            headers,
            request_id,
            ..ResponseMeta::default()
        }
    }

    /// Metadata from an HTTP answer's status and headers, with the header
    /// values copied out of the connection's buffer (see [`detached`]).
    pub(crate) fn from_response(status: u16, headers: &HeaderMap) -> Self {
        ResponseMeta::new(status, detached(headers))
    }

    /// `provider/model` that served the answer (local mode).
    pub fn served_by(&self) -> Option<&str> {
        self.served_by.as_deref()
    }

    /// Every attempt the local router made, in order (empty in remote mode).
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// Whether the local router answered from its cache.
    pub fn cache_hit(&self) -> bool {
        self.cache_hit
    }

    #[cfg_attr(not(feature = "router"), allow(dead_code))]
    pub(crate) fn set_route(&mut self, served_by: Option<String>, attempts: Vec<Attempt>) {
        self.served_by = served_by;
        self.attempts = attempts;
    }

    #[cfg_attr(not(feature = "router"), allow(dead_code))]
    pub(crate) fn set_cache_hit(&mut self, hit: bool) {
        self.cache_hit = hit;
    }

    /// The HTTP status (0 when the answer did not come over HTTP).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers (rate limits and the like).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The request id the server gave.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

/// A copy of `headers` whose values share one small allocation of their own.
///
/// hyper parses header values as views into the connection's read buffer:
/// keeping them (in an answer's metadata, for the life of a stream or of a
/// stored completion) would keep that whole buffer (8 KiB or more) alive and
/// make the connection allocate a new one for its next read.
pub(crate) fn detached(headers: &HeaderMap) -> HeaderMap {
    let total: usize = headers.values().map(|v| v.len()).sum();
    let mut buf = Vec::with_capacity(total);
    for v in headers.values() {
        buf.extend_from_slice(v.as_bytes());
    }
    let buf = bytes::Bytes::from(buf);
    let mut out = HeaderMap::with_capacity(headers.len());
    let mut at = 0;
    for (name, v) in headers {
        let end = at + v.len();
        let mut value =
            http::HeaderValue::from_maybe_shared(buf.slice(at..end)).unwrap_or_else(|_| v.clone());
        value.set_sensitive(v.is_sensitive());
        out.append(name.clone(), value);
        at = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn detached_headers_keep_every_value_in_order_and_own_their_bytes() {
        let shared = bytes::Bytes::from_static(b"req_123abcsecret");
        let mut h = HeaderMap::new();
        h.insert(
            "x-request-id",
            HeaderValue::from_maybe_shared(shared.slice(0..7)).unwrap(),
        );
        h.append("set-cookie", HeaderValue::from_static("a=1"));
        h.append("set-cookie", HeaderValue::from_static("b=2"));
        let mut secret = HeaderValue::from_maybe_shared(shared.slice(10..16)).unwrap();
        secret.set_sensitive(true);
        h.insert("x-token", secret);
        h.insert("x-empty", HeaderValue::from_static(""));

        let d = detached(&h);
        assert_eq!(d, h);
        let cookies: Vec<_> = d.get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        assert!(d["x-token"].is_sensitive());
        assert!(!d["x-request-id"].is_sensitive());
        // Not views into the source buffer.
        let src = shared.as_ptr_range();
        for v in d.values().filter(|v| !v.is_empty()) {
            assert!(
                !src.contains(&v.as_bytes().as_ptr()),
                "{v:?} still points into the source"
            );
        }
        let meta = ResponseMeta::from_response(200, &h);
        assert_eq!(meta.request_id(), Some("req_123"));
    }
}
