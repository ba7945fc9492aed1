//! Shared helpers for the integration tests: loopback servers only.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use requesty::{ClientBuilder, RetryPolicy};

/// The key every test client uses; tests check it never leaks.
pub const KEY: &str = "rqsty-sk-test-0123456789abcdef";

/// Reads a fixture under `tests/fixtures/`.
pub fn fixture(path: &str) -> String {
    let p = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("fixture {p}: {e}"))
}

/// A fixture parsed as JSON.
pub fn fixture_json(path: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(path)).unwrap()
}

/// A retry policy that waits a millisecond.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(2))
        .jitter(0.0)
}

/// A client builder against `base` (e.g. `wiremock`'s uri + "/v1") with fast retries.
pub fn builder(base: &str) -> ClientBuilder {
    requesty::Client::builder()
        .api_key(KEY)
        .base_url(format!("{base}/v1"))
        .timeout(Duration::from_secs(5))
        .retry_policy(fast_retry())
}

/// A port on 127.0.0.1 where nothing listens.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A server that accepts connections and closes them without answering.
/// Returns its address and a counter of accepted connections.
pub async fn reset_server() -> (SocketAddr, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            use tokio::io::AsyncReadExt;
            let mut buf = [0u8; 1024];
            // Read part of the request, then close without a response.
            let _ = tokio::time::timeout(Duration::from_millis(50), sock.read(&mut buf)).await;
            drop(sock);
        }
    });
    (addr, count)
}

/// One step of a scripted streaming answer.
#[derive(Clone, Debug)]
pub enum Part {
    /// Send these bytes.
    Bytes(Vec<u8>),
    /// Send nothing for a while.
    Sleep(Duration),
    /// Break the connection (an error in the body stream).
    Reset,
}

impl Part {
    pub fn text(s: &str) -> Part {
        Part::Bytes(s.as_bytes().to_vec())
    }
}

/// One scripted answer: status, content type and body parts.
#[derive(Clone, Debug)]
pub struct Script {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub parts: Vec<Part>,
}

impl Script {
    pub fn sse(parts: Vec<Part>) -> Script {
        Script {
            status: 200,
            content_type: "text/event-stream",
            headers: vec![],
            parts,
        }
    }
    pub fn sse_text(body: &str) -> Script {
        Script::sse(vec![Part::text(body)])
    }
    pub fn status(status: u16, content_type: &'static str, body: &str) -> Script {
        Script {
            status,
            content_type,
            headers: vec![],
            parts: vec![Part::text(body)],
        }
    }
    pub fn header(mut self, k: &'static str, v: &str) -> Script {
        self.headers.push((k, v.to_owned()));
        self
    }
}

/// What a scripted server saw.
#[derive(Default)]
pub struct Seen {
    pub bodies: std::sync::Mutex<Vec<serde_json::Value>>,
    pub hits: std::sync::atomic::AtomicUsize,
    /// A body stream was dropped before it sent everything (the client went away).
    pub abandoned: std::sync::atomic::AtomicBool,
    pub completed: std::sync::atomic::AtomicUsize,
}

struct DropGuard(std::sync::Arc<Seen>, bool);
impl Drop for DropGuard {
    fn drop(&mut self) {
        if !self.1 {
            self.0
                .abandoned
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// A server answering `POST /v1/chat/completions` with the scripts in turn
/// (the last one repeats). Returns its base (`http://127.0.0.1:port`).
pub async fn scripted(scripts: Vec<Script>) -> (String, std::sync::Arc<Seen>) {
    use axum::body::Body;
    use axum::extract::State;
    use axum::response::Response;
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    let seen = Arc::new(Seen::default());
    let scripts = Arc::new(scripts);
    async fn handle(
        State((scripts, seen)): State<(Arc<Vec<Script>>, Arc<Seen>)>,
        body: axum::body::Bytes,
    ) -> Response {
        let n = seen.hits.fetch_add(1, Ordering::SeqCst);
        if let Ok(v) = serde_json::from_slice(&body) {
            seen.bodies.lock().unwrap().push(v);
        }
        let script = scripts[n.min(scripts.len() - 1)].clone();
        let seen2 = seen.clone();
        let stream = async_stream::stream! {
            let mut guard = DropGuard(seen2.clone(), false);
            for part in script.parts {
                match part {
                    Part::Bytes(b) => yield Ok::<_, std::io::Error>(axum::body::Bytes::from(b)),
                    Part::Sleep(d) => tokio::time::sleep(d).await,
                    Part::Reset => {
                        guard.1 = true;
                        yield Err(std::io::Error::other("scripted reset"));
                        return;
                    }
                }
            }
            guard.1 = true;
            seen2.completed.fetch_add(1, Ordering::SeqCst);
        };
        let mut b = Response::builder()
            .status(script.status)
            .header("content-type", script.content_type)
            .header("x-request-id", format!("req_{n}"));
        for (k, v) in &script.headers {
            b = b.header(*k, v);
        }
        b.body(Body::from_stream(stream)).unwrap()
    }
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(handle))
        .with_state((scripts, seen.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), seen)
}

/// An SSE `data:` event for a JSON value.
pub fn data(v: &serde_json::Value) -> String {
    format!("data: {v}\n\n")
}

/// A content chunk.
pub fn text_chunk(text: &str) -> serde_json::Value {
    serde_json::json!({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",
        "choices":[{"index":0,"delta":{"content":text},"finish_reason":null}]})
}

/// A finish chunk.
pub fn finish_chunk(reason: &str) -> serde_json::Value {
    serde_json::json!({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",
        "choices":[{"index":0,"delta":{},"finish_reason":reason}]})
}
