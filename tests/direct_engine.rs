//! The direct HTTP engine (`HttpEngine::Direct`) against servers that keep,
//! close and break connections in the ways real ones do: connection reuse,
//! a keep-alive connection closed by the server while idle, `Connection:
//! close`, chunked bodies, a body dropped half-read, concurrency, refused
//! connections, TLS to a plain server. Every fault of `FaultServer` runs
//! through both engines in `tests/reliability.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use requesty::testing::{FaultServer, Schedule};
use requesty::{ChatRequest, Client, ErrorKind, HttpEngine};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const COMPLETION: &str = r#"{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}]}"#;

fn req() -> ChatRequest {
    ChatRequest::new("m").user("hi")
}

fn client(base: &str) -> Client {
    Client::builder()
        .base_url(base)
        .http_engine(HttpEngine::Direct)
        .timeout(Duration::from_secs(5))
        .max_retries(0)
        .build()
        .unwrap()
}

/// How the scripted server ends each answer.
#[derive(Clone, Copy)]
enum After {
    /// Keeps the connection for the next request.
    KeepAlive,
    /// Sends the answer, then closes the connection (no `Connection: close`
    /// header: the client learns it only from the socket).
    SilentClose,
    /// Sends the answer, keeps the connection 10 ms, then closes it
    /// silently: the close arrives while the connection is idle in the pool.
    CloseLater,
    /// Says `Connection: close` and closes.
    Close,
    /// Sends the body with chunked transfer encoding, in three pieces.
    Chunked,
}

/// A raw HTTP/1.1 server that answers every request with [`COMPLETION`];
/// counts connections.
async fn scripted(after: After) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let conns = Arc::new(AtomicUsize::new(0));
    let counter = conns.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(sock, after));
        }
    });
    (format!("http://{addr}/v1"), conns)
}

async fn serve(mut sock: TcpStream, after: After) {
    let mut buf = Vec::new();
    loop {
        // Read one request: the head, then Content-Length bytes.
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        assert!(
            head.starts_with("post /v1/chat/completions http/1.1\r\n"),
            "{head}"
        );
        assert!(
            head.contains("\r\nhost: 127.0.0.1:"),
            "no Host header: {head}"
        );
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .and_then(|v| v.trim().parse().ok())
            .expect("content-length");
        while buf.len() < head_end + len {
            let mut chunk = [0u8; 4096];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + len);
        let answer = match after {
            After::Chunked => {
                let (a, b) = COMPLETION.split_at(40);
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
                    a.len(),
                    b.len()
                )
            }
            After::Close => format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{COMPLETION}",
                COMPLETION.len()
            ),
            _ => format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{COMPLETION}",
                COMPLETION.len()
            ),
        };
        if sock.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
        if matches!(after, After::SilentClose | After::Close) {
            return;
        }
        if matches!(after, After::CloseLater) {
            tokio::time::sleep(Duration::from_millis(10)).await;
            return;
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn sequential_requests_reuse_one_connection_with_sized_or_chunked_bodies() {
    for after in [After::KeepAlive, After::Chunked] {
        let (base, conns) = scripted(after).await;
        let c = client(&base);
        for _ in 0..20 {
            let done = c.chat().create(req()).await.unwrap();
            assert_eq!(done.text().as_deref(), Some("hello"));
        }
        assert_eq!(conns.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test]
async fn a_connection_the_server_closed_while_idle_is_not_used_again() {
    let (base, conns) = scripted(After::CloseLater).await;
    let c = client(&base);
    for i in 1..=5 {
        // The close reaches the client while the connection is idle.
        tokio::time::sleep(Duration::from_millis(40)).await;
        let done = c.chat().create(req()).await.unwrap();
        assert_eq!(done.text().as_deref(), Some("hello"));
        assert_eq!(conns.load(Ordering::SeqCst), i);
    }
}

#[tokio::test]
async fn a_close_right_after_the_answer_is_survived_without_a_pause() {
    // No pause: the next request may find the connection before the close
    // is seen, and must still get an answer (hyper fails such a request
    // before writing it, and it goes again on a new connection).
    let (base, _) = scripted(After::SilentClose).await;
    let c = client(&base);
    for _ in 0..50 {
        let done = c.chat().create(req()).await.unwrap();
        assert_eq!(done.text().as_deref(), Some("hello"));
    }
}

#[tokio::test]
async fn connection_close_answers_work() {
    let (base, conns) = scripted(After::Close).await;
    let c = client(&base);
    for _ in 0..3 {
        let done = c.chat().create(req()).await.unwrap();
        assert_eq!(done.text().as_deref(), Some("hello"));
    }
    assert_eq!(conns.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn concurrent_requests_each_get_an_answer_and_connections_are_pooled() {
    let server = FaultServer::start(Schedule::healthy()).await.unwrap();
    let c = client(&server.base_url());
    for _ in 0..3 {
        let runs = (0..32).map(|_| {
            let c = c.clone();
            async move { c.chat().create(req()).await }
        });
        for r in futures::future::join_all(runs).await {
            assert_eq!(r.unwrap().text().as_deref(), Some(server.text()));
        }
    }
    assert_eq!(server.requests(), 96);
    // At most one connection per request in flight; kept for the next wave.
    assert!(server.connections() <= 32 * 3, "{}", server.connections());
    assert!(server.connections() < 96, "connections were not reused");
}

#[tokio::test]
async fn a_stream_dropped_half_read_closes_its_connection_and_the_next_request_works() {
    let server = FaultServer::builder().chunks(50).start().await.unwrap();
    let c = client(&server.base_url());
    let mut s = c.chat().stream(req()).await.unwrap();
    let _ = s.next().await.unwrap().unwrap();
    drop(s);
    // The half-read connection is not reused: the next request makes a
    // new one and gets the whole answer.
    let done = c.chat().create(req()).await.unwrap();
    assert_eq!(done.text().as_deref(), Some(server.text()));
    assert_eq!(server.connections(), 2);
    // A stream read to its end (the reader stops at `[DONE]`, before the
    // chunked body's last empty chunk) leaves its connection for the next
    // requests.
    for _ in 0..3 {
        let mut s = c.chat().stream(req()).await.unwrap();
        while let Some(item) = s.next().await {
            item.unwrap();
        }
        let _ = c.chat().create(req()).await.unwrap();
    }
    assert_eq!(server.connections(), 2);
    drop(c);
    assert!(server.wait_idle(Duration::from_secs(5)).await);
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = client(&format!("http://{addr}/v1"));
    let e = c.chat().create(req()).await.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Connect { .. }), "{e:?}");
    assert!(e.is_retryable());
}

/// A server that answers whatever arrives with `reply` (if any), then
/// holds the connection open.
async fn raw(reply: Option<&'static [u8]>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = sock.read(&mut buf).await;
                if let Some(r) = reply {
                    let _ = sock.write_all(r).await;
                }
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    format!("https://{addr}/v1")
}

#[tokio::test]
async fn tls_to_a_plain_http_server_fails_cleanly() {
    let base = raw(Some(
        b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n",
    ))
    .await;
    let e = client(&base).chat().create(req()).await.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Connect { .. }), "{e:?}");
}

#[tokio::test]
async fn the_connect_timeout_covers_the_tls_handshake() {
    let base = raw(None).await;
    let c = Client::builder()
        .base_url(base)
        .http_engine(HttpEngine::Direct)
        .connect_timeout(Duration::from_millis(200))
        .timeout(Duration::from_secs(5))
        .max_retries(0)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let e = c.chat().create(req()).await.unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Timeout {
                kind: requesty::TimeoutKind::Connect,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn the_api_key_is_not_in_connect_errors() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = Client::builder()
        .base_url(format!("http://{addr}/v1"))
        .api_key("sk-very-secret-key")
        .http_engine(HttpEngine::Direct)
        .max_retries(0)
        .build()
        .unwrap();
    let e = c.chat().create(req()).await.unwrap_err();
    assert!(!format!("{e} {e:?}").contains("sk-very-secret-key"));
    assert!(!format!("{c:?}").contains("sk-very-secret-key"));
}

/// A server that answers one request with `bytes`, written in the pieces
/// `cuts` gives, then closes.
async fn pieces(bytes: Vec<u8>, cuts: Vec<usize>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let Ok((mut sock, _)) = listener.accept().await else {
            return;
        };
        let mut buf = vec![0u8; 64 * 1024];
        let mut got = Vec::new();
        // Read the head and the (small) body.
        while find(&got, b"}").is_none() {
            match sock.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        let mut at = 0;
        for cut in cuts {
            let end = (at + cut).min(bytes.len());
            if sock.write_all(&bytes[at..end]).await.is_err() {
                return;
            }
            at = end;
            tokio::task::yield_now().await;
        }
        let _ = sock.write_all(&bytes[at..]).await;
    });
    format!("http://{addr}/v1")
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Answers split anywhere, chunked or not, whole, cut short or with
    /// bytes flipped: the engine never panics or hangs, a whole answer is
    /// read whole, and a broken one is an error.
    #[test]
    fn answers_in_any_pieces_are_read_or_refused(
        chunked in proptest::bool::ANY,
        cuts in proptest::collection::vec(1usize..64, 0..20),
        damage in 0u8..3,
        at in 0usize..10_000,
    ) {
        let body = COMPLETION.as_bytes();
        let mut bytes = if chunked {
            let (a, b) = body.split_at(body.len() / 3);
            let mut v = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
            for part in [a, b] {
                v.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
                v.extend_from_slice(part);
                v.extend_from_slice(b"\r\n");
            }
            v.extend_from_slice(b"0\r\n\r\n");
            v
        } else {
            let mut v = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes();
            v.extend_from_slice(body);
            v
        };
        let whole = damage == 0;
        match damage {
            1 => bytes.truncate(at % bytes.len()),
            2 => {
                let i = at % bytes.len();
                bytes[i] = bytes[i].wrapping_add(0x80);
            }
            _ => {}
        }
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let base = pieces(bytes, cuts).await;
            let c = Client::builder()
                .base_url(base)
                .http_engine(HttpEngine::Direct)
                .timeout(Duration::from_secs(5))
                .max_retries(0)
                .build()
                .unwrap();
            let got = c.chat().create(req()).await;
            if whole {
                assert_eq!(got.unwrap().text().as_deref(), Some("hello"));
            } else if let Ok(done) = got {
                // A flipped byte can land where it changes nothing that
                // is checked (a header value, the JSON's id): then the
                // answer must still be whole.
                assert!(done.text().is_some());
            }
        });
    }
}
