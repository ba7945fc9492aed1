//! The proxy floor: the least an HTTP/1 proxy in Rust can add on this
//! machine. A hyper 1 server that forwards each request's bytes, as they
//! are, to the mock with reqwest (the client the router uses) and streams
//! the answer back: no parsing, routing, logging or tagging. Runs as its own
//! process (`bench proxy --upstream ADDR --threads N`), like the router.
//! What the router adds beyond what this adds is the router's own cost.

use std::convert::Infallible;
use std::process::{Command, Stdio};

use bytes::Bytes;
use futures::TryStreamExt;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

use crate::mock::{Spawned, read_listening, serve_forever};

type Body = BoxBody<Bytes, std::io::Error>;

fn status_only(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(
        Full::new(Bytes::new())
            .map_err(|e: Infallible| match e {})
            .boxed(),
    );
    *r.status_mut() = status;
    r
}

async fn forward(
    http: reqwest::Client,
    upstream: String,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let url = format!("http://{upstream}{}", req.uri().path());
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(status_only(StatusCode::BAD_REQUEST)),
    };
    let resp = match http
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
    {
        Ok(r) => r,
        Err(_) => return Ok(status_only(StatusCode::BAD_GATEWAY)),
    };
    let status = resp.status();
    let ctype = resp
        .headers()
        .get("content-type")
        .cloned()
        .unwrap_or_else(|| hyper::header::HeaderValue::from_static("application/json"));
    let stream = resp
        .bytes_stream()
        .map_ok(Frame::data)
        .map_err(std::io::Error::other);
    let mut r = Response::new(BodyExt::boxed(StreamBody::new(stream)));
    *r.status_mut() = status;
    r.headers_mut().insert("content-type", ctype);
    Ok(r)
}

/// Serves forever on `listen`, forwarding to `upstream`; prints
/// `listening ADDR` once bound.
pub fn run(listen: &str, upstream: &str, threads: usize) -> ! {
    // Built lazily inside the runtime (reqwest needs one to exist).
    let http: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    let upstream = upstream.to_owned();
    serve_forever(listen, threads, move |stream| {
        let http = http
            .get_or_init(|| {
                reqwest::Client::builder()
                    .tcp_nodelay(true)
                    .pool_max_idle_per_host(2_000)
                    .build()
                    .expect("client")
            })
            .clone();
        let upstream = upstream.clone();
        async move {
            let svc = service_fn(move |req| forward(http.clone(), upstream.clone(), req));
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        }
    })
}

/// Starts `bench proxy` in front of `upstream` and waits for it.
pub fn spawn(upstream: &str, threads: usize) -> Spawned {
    spawn_with(upstream, threads, false)
}

/// [`spawn`], or the lean variant (`raw`).
pub fn spawn_with(upstream: &str, threads: usize, raw: bool) -> Spawned {
    let exe = std::env::current_exe().expect("current exe");
    let mut child = Command::new(exe)
        .args([
            "proxy",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            upstream,
            "--threads",
            &threads.to_string(),
        ])
        .args(raw.then_some("--raw"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn proxy");
    let addr = read_listening(&mut child);
    Spawned { child, addr }
}

/// The lean variant (`bench proxy --raw`): each downstream connection gets
/// its own upstream HTTP/1 connection (hyper's client `handshake`), and one
/// task polls both connections, so a request crosses no task or thread
/// boundary inside the proxy. What a leaner upstream client than reqwest's
/// pooled one could save.
pub fn run_raw(listen: &str, upstream: &str, threads: usize) -> ! {
    let upstream = upstream.to_owned();
    serve_forever(listen, threads, move |stream| {
        let upstream = upstream.clone();
        async move {
            let Ok(up) = tokio::net::TcpStream::connect(&upstream).await else {
                return;
            };
            let _ = up.set_nodelay(true);
            let Ok((sender, up_conn)) =
                hyper::client::conn::http1::handshake::<_, Full<Bytes>>(TokioIo::new(up)).await
            else {
                return;
            };
            let sender = std::sync::Arc::new(tokio::sync::Mutex::new(sender));
            let svc = service_fn(move |req: Request<Incoming>| {
                let sender = sender.clone();
                let upstream = upstream.clone();
                async move {
                    let path = req.uri().path().to_owned();
                    let body = match req.into_body().collect().await {
                        Ok(b) => b.to_bytes(),
                        Err(_) => {
                            return Ok::<_, Infallible>(status_only(StatusCode::BAD_REQUEST));
                        }
                    };
                    let up_req = hyper::Request::post(path)
                        .header("host", upstream)
                        .header("content-type", "application/json")
                        .body(Full::new(body))
                        .expect("request");
                    let resp = {
                        let mut s = sender.lock().await;
                        if s.ready().await.is_err() {
                            return Ok(status_only(StatusCode::BAD_GATEWAY));
                        }
                        s.send_request(up_req)
                    };
                    let Ok(resp) = resp.await else {
                        return Ok(status_only(StatusCode::BAD_GATEWAY));
                    };
                    let (parts, body) = resp.into_parts();
                    let body = BodyExt::boxed(body.map_err(std::io::Error::other));
                    Ok(Response::from_parts(parts, body))
                }
            });
            let down = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc);
            // One task drives both connections.
            let _ = tokio::join!(down, up_conn);
        }
    })
}
