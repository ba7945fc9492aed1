//! A fast loopback mock of OpenAI's `/v1/chat/completions` (hyper 1,
//! HTTP/1.1, precomputed answers). Runs as its own process (`bench mock`)
//! so the driver's CPU accounting holds the client only.

use std::convert::Infallible;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use tokio::net::TcpListener;

use crate::bodies::{self, Script};

type Body = BoxBody<Bytes, Infallible>;

struct Answers {
    completion: Bytes,
    stream_1000: Bytes,
}

fn answers() -> &'static Answers {
    static A: OnceLock<Answers> = OnceLock::new();
    A.get_or_init(|| Answers {
        completion: Bytes::from(bodies::completion()),
        stream_1000: Bytes::from(bodies::stream_events(1_000).concat()),
    })
}

#[derive(Deserialize)]
struct Req {
    #[serde(default)]
    model: String,
    #[serde(default)]
    stream: bool,
}

fn full(status: StatusCode, ctype: &'static str, body: Bytes) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", ctype)
        .header("x-request-id", "req_bench")
        .body(Full::new(body).boxed())
        .expect("response")
}

async fn handle(req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let path = req.uri().path().to_owned();
    if path.ends_with("/models") {
        let list = r#"{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","created":1,"owned_by":"bench"}]}"#;
        return Ok(full(
            StatusCode::OK,
            "application/json",
            Bytes::from_static(list.as_bytes()),
        ));
    }
    if !path.ends_with("/chat/completions") {
        return Ok(full(
            StatusCode::NOT_FOUND,
            "application/json",
            Bytes::from_static(b"{\"error\":{\"message\":\"not found\"}}"),
        ));
    }
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(full(StatusCode::BAD_REQUEST, "text/plain", Bytes::new())),
    };
    let parsed: Req = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            let msg = format!(
                "{{\"error\":{{\"message\":\"bad json: {}\"}}}}",
                e.to_string().replace('"', "'")
            );
            return Ok(full(
                StatusCode::BAD_REQUEST,
                "application/json",
                Bytes::from(msg),
            ));
        }
    };
    let a = answers();
    if !parsed.stream {
        return Ok(full(
            StatusCode::OK,
            "application/json",
            a.completion.clone(),
        ));
    }
    Ok(match Script::of(&parsed.model) {
        Script::Fast { chunks: 1_000 } => {
            full(StatusCode::OK, "text/event-stream", a.stream_1000.clone())
        }
        Script::Fast { chunks } => full(
            StatusCode::OK,
            "text/event-stream",
            Bytes::from(bodies::stream_events(chunks).concat()),
        ),
        Script::Paced { chunks, gap_us } => {
            let events = Arc::new(bodies::stream_events(chunks));
            // Role chunk and first content chunk at once, then one event per gap.
            let s = futures::stream::unfold(0usize, move |i| {
                let events = events.clone();
                async move {
                    if i >= events.len() {
                        return None;
                    }
                    if i >= 2 {
                        tokio::time::sleep(Duration::from_micros(gap_us)).await;
                    }
                    let frame = Frame::data(Bytes::from(events[i].clone()));
                    Some((Ok::<_, Infallible>(frame), i + 1))
                }
            });
            Response::builder()
                .header("content-type", "text/event-stream")
                .header("x-request-id", "req_bench")
                .body(BodyExt::boxed(StreamBody::new(s)))
                .expect("response")
        }
    })
}

/// Serves forever on `listen`; prints `listening ADDR` once bound.
pub fn run(listen: &str, threads: usize) -> ! {
    serve_forever(listen, threads, |stream| async move {
        let _ = http1::Builder::new()
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), service_fn(handle))
            .await;
    })
}

/// The accept loop of the bench's servers (mock and proxies): a runtime
/// with `threads` workers, `listening ADDR` on stdout once bound, then one
/// task per accepted connection (TCP_NODELAY set) running `conn`.
pub fn serve_forever<F, Fut>(listen: &str, threads: usize, conn: F) -> !
where
    F: Fn(tokio::net::TcpStream) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    crate::sys::raise_nofile();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let listener = TcpListener::bind(listen).await.expect("bind");
        println!("listening {}", listener.local_addr().expect("addr"));
        use std::io::Write;
        std::io::stdout().flush().ok();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(conn(stream));
        }
    })
}

/// A child process: this binary's `mock` subcommand, killed on drop.
pub struct Spawned {
    pub child: Child,
    pub addr: String,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `bench mock --threads N` on a free loopback port and waits for it.
pub fn spawn(threads: usize) -> Spawned {
    let exe = std::env::current_exe().expect("current exe");
    let mut child = Command::new(exe)
        .args([
            "mock",
            "--listen",
            "127.0.0.1:0",
            "--threads",
            &threads.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn mock");
    let addr = read_listening(&mut child);
    Spawned { child, addr }
}

/// Reads the child's first stdout line, `listening ADDR`.
pub fn read_listening(child: &mut Child) -> String {
    use std::io::BufRead;
    let out = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufReader::new(out)
        .read_line(&mut line)
        .expect("read");
    line.trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("unexpected first line from mock: {line:?}"))
        .to_owned()
}
