//! Error answers in the hosted router's shape,
//! `{"error":{"origin":"router"|"provider","message":…}}`, with its status codes.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::error::{ApiError, Error, ErrorKind, Origin};

/// An error answer.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub status: u16,
    /// `router` or `provider`.
    pub origin: &'static str,
    pub message: String,
    pub param: Option<String>,
    pub code: Option<String>,
    /// Seconds, for 429.
    pub retry_after: Option<String>,
}

impl Failure {
    pub(crate) fn router(status: u16, message: impl Into<String>) -> Self {
        Failure {
            status,
            origin: "router",
            message: message.into(),
            param: None,
            code: None,
            retry_after: None,
        }
    }

    pub(crate) fn param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    /// OpenAI's error `type` for the status.
    fn error_type(&self) -> &'static str {
        match self.status {
            400 | 404 | 413 | 422 => "invalid_request_error",
            401 => "authentication_error",
            403 => "permission_error",
            412 => "insufficient_quota",
            429 => "rate_limit_error",
            503 => "timeout_error",
            _ => "api_error",
        }
    }

    /// The `{"error": …}` object.
    pub(crate) fn body(&self) -> Value {
        let mut e = Map::new();
        e.insert("origin".into(), json!(self.origin));
        e.insert("message".into(), json!(self.message));
        e.insert("type".into(), json!(self.error_type()));
        e.insert("status".into(), json!(self.status));
        if let Some(p) = &self.param {
            e.insert("param".into(), json!(p));
        }
        if let Some(c) = &self.code {
            e.insert("code".into(), json!(c));
        }
        json!({ "error": e })
    }

    /// The answer for a router or provider error.
    pub(crate) fn from_error(err: &Error) -> Self {
        match err.kind() {
            ErrorKind::Api(a) => Self::from_api(a),
            ErrorKind::Stream { api: Some(a), .. } => Self::from_api(a),
            ErrorKind::InvalidRequest { field, .. } => {
                Failure::router(400, err.to_string()).param(field.clone())
            }
            ErrorKind::SecurityViolation { .. } => Failure::router(403, err.to_string()),
            ErrorKind::Timeout { .. } => Failure {
                origin: "provider",
                ..Failure::router(503, format!("the provider did not answer in time: {err}"))
            },
            ErrorKind::Connect { .. }
            | ErrorKind::Transport { .. }
            | ErrorKind::Decode { .. }
            | ErrorKind::Stream { .. } => Failure {
                origin: "provider",
                ..Failure::router(502, format!("provider error: {err}"))
            },
            ErrorKind::Config(_) => Failure::router(500, err.to_string()),
            _ => Failure::router(500, err.to_string()),
        }
    }

    fn from_api(a: &ApiError) -> Self {
        let status = a.effective_status();
        let from_router = matches!(a.origin, Some(Origin::Router));
        let (status, message) = if from_router {
            (status, a.message.clone())
        } else {
            match status {
                // The provider refused the router's own credentials: not the client's fault.
                401 | 403 | 407 => (
                    502,
                    format!(
                        "the provider refused the router's credentials (HTTP {status}): {}",
                        a.message
                    ),
                ),
                408 | 504 => (
                    503,
                    format!("provider timeout (HTTP {status}): {}", a.message),
                ),
                400..=499 => (status, a.message.clone()),
                _ => (
                    502,
                    format!("provider error (HTTP {status}): {}", a.message),
                ),
            }
        };
        let retry_after = (status == 429)
            .then(|| a.headers.get(header::RETRY_AFTER))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Failure {
            status,
            origin: if from_router { "router" } else { "provider" },
            message,
            param: a.param.clone(),
            code: a.code.clone(),
            retry_after,
        }
    }

    /// The SSE event carrying this error inside a stream.
    pub(crate) fn sse_event(&self) -> String {
        format!("data: {}\n\n", self.body())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_GATEWAY);
        let mut resp = (status, axum::Json(self.body())).into_response();
        if let Some(ra) = self
            .retry_after
            .as_deref()
            .and_then(|r| HeaderValue::from_str(r).ok())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, ra);
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(status: u16) -> Error {
        ApiError::from_response(
            status,
            http::HeaderMap::new(),
            r#"{"error":{"message":"bad thing","param":"temperature"}}"#.into(),
        )
        .into()
    }

    #[test]
    fn maps_statuses() {
        assert_eq!(Failure::from_error(&provider(400)).status, 400);
        assert_eq!(Failure::from_error(&provider(400)).origin, "provider");
        assert_eq!(
            Failure::from_error(&provider(400)).param.as_deref(),
            Some("temperature")
        );
        assert_eq!(Failure::from_error(&provider(401)).status, 502);
        assert_eq!(Failure::from_error(&provider(500)).status, 502);
        assert_eq!(Failure::from_error(&provider(504)).status, 503);
        let t = Error::timeout(
            crate::TimeoutKind::Request,
            std::time::Duration::from_secs(1),
        );
        assert_eq!(Failure::from_error(&t).status, 503);
        let inv = Error::invalid_request("messages", "must not be empty");
        let f = Failure::from_error(&inv);
        assert_eq!(
            (f.status, f.origin, f.param.as_deref()),
            (400, "router", Some("messages"))
        );
    }
}
