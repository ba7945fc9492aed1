//! Part 3, client side: this process's RSS with a client created and warm
//! ("idle"), then with `n` concurrent open streams (each has received its
//! first chunk; the mock holds the rest back). Run in a fresh child process
//! per client so one client's freed memory does not flatter the next.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::{Barrier, Notify};

use crate::client::Peer;
use crate::sys::rss_kib;

/// The model that makes the mock send two events, then wait 10 minutes.
pub const HOLD_MODEL: &str = "paced-3-600000000";

/// Returns (idle RSS KiB, RSS KiB with `n` open streams).
pub fn client_streams(peer: &str, base: &str, n: usize) -> (u64, u64) {
    crate::sys::raise_nofile();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let p = Arc::new(match peer {
        "requesty" => Peer::requesty(base, HOLD_MODEL),
        "async-openai" => Peer::async_openai(base, HOLD_MODEL),
        _ => Peer::floor(base, HOLD_MODEL),
    });
    rt.block_on(async move {
        // Warm: one non-streamed request.
        p.create().await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let idle = rss_kib(None);
        let opened = Arc::new(Barrier::new(n + 1));
        let release = Arc::new(Notify::new());
        let mut tasks = Vec::with_capacity(n);
        for _ in 0..n {
            let (p, opened, release) = (p.clone(), opened.clone(), release.clone());
            tasks.push(tokio::spawn(async move {
                let released = release.notified();
                tokio::pin!(released);
                match &*p {
                    Peer::Requesty(c, req) => {
                        let mut s = c.chat().stream(req.clone()).await.expect("open");
                        s.next().await.expect("first").expect("first chunk");
                        opened.wait().await;
                        released.await;
                    }
                    Peer::AsyncOpenAi(c, req) => {
                        let mut s = c.chat().create_stream(req.clone()).await.expect("open");
                        s.next().await.expect("first").expect("first chunk");
                        opened.wait().await;
                        released.await;
                    }
                    Peer::Floor {
                        http, url, stream, ..
                    } => {
                        let mut r = http
                            .post(url)
                            .header("content-type", "application/json")
                            .body(stream.clone())
                            .send()
                            .await
                            .expect("open");
                        r.chunk().await.expect("first").expect("first bytes");
                        opened.wait().await;
                        released.await;
                    }
                }
            }));
        }
        opened.wait().await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let open = rss_kib(None);
        release.notify_waiters();
        for t in tasks {
            let _ = t.await;
        }
        (idle, open)
    })
}
