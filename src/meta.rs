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

/// The HTTP status, headers and request id of a response.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseMeta {
    status: u16,
    headers: HeaderMap,
    request_id: Option<String>,
}

impl ResponseMeta {
    /// Metadata from a status and headers.
    pub fn new(status: u16, headers: HeaderMap) -> Self {
        let request_id = request_id_of(&headers);
        ResponseMeta {
            status,
            headers,
            request_id,
        }
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
