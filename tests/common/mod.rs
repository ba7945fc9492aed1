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
