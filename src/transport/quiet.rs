//! Polling without self-inflicted yields.

use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// A waker that absorbs the wakes a connection gives its own driver while
/// it is being polled. hyper signals between a connection and its body
/// (the body wants data; data is ready for the body) by waking the other
/// side's waker — here the same task, in the middle of its poll. tokio
/// treats a task woken during its own poll as yielding: it goes to the
/// run queue and an idle worker thread is woken to steal it, a thread
/// wake-up per exchange for nothing. While polling, a wake only marks that
/// another round is due; outside a poll (the socket became readable) it
/// wakes the task as usual.
pub(crate) struct Quiet {
    real: futures::task::AtomicWaker,
    polling: std::sync::atomic::AtomicBool,
    woken: std::sync::atomic::AtomicBool,
}

impl std::task::Wake for Quiet {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        use std::sync::atomic::Ordering::SeqCst;
        if self.polling.load(SeqCst) {
            self.woken.store(true, SeqCst);
        } else {
            self.real.wake();
        }
    }
}

impl Quiet {
    pub(crate) fn new() -> (Arc<Quiet>, Waker) {
        let quiet = Arc::new(Quiet {
            real: futures::task::AtomicWaker::new(),
            polling: false.into(),
            woken: false.into(),
        });
        let waker = Waker::from(quiet.clone());
        (quiet, waker)
    }

    /// Polls `f` with the quiet waker, again while it woke itself (a few
    /// rounds at most; then the task is woken the usual way).
    pub(crate) fn poll<T>(
        &self,
        waker: &Waker,
        cx: &mut Context<'_>,
        mut f: impl FnMut(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        use std::sync::atomic::Ordering::SeqCst;
        self.real.register(cx.waker());
        let mut quiet_cx = Context::from_waker(waker);
        for _ in 0..8 {
            self.woken.store(false, SeqCst);
            self.polling.store(true, SeqCst);
            let r = f(&mut quiet_cx);
            self.polling.store(false, SeqCst);
            if r.is_ready() || !self.woken.load(SeqCst) {
                return r;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Runs `f` to completion, polling it with a [`Quiet`] waker: wakes it gives
/// itself while polled (hyper's signals between a connection and its
/// bodies, in the server's connection task) cost a re-poll instead of a
/// trip through the scheduler's run queue and a wake-up of another worker.
#[cfg(any(feature = "server", test))]
pub(crate) async fn quietly<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let (quiet, waker) = Quiet::new();
    std::future::poll_fn(|cx| quiet.poll(&waker, cx, |cx| f.as_mut().poll(cx))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::future::Future;

    /// A future that wakes itself `n` times while polled, then is ready.
    struct SelfWaking(u32);

    impl Future for SelfWaking {
        type Output = u32;
        fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
            if self.0 == 0 {
                return Poll::Ready(7);
            }
            self.0 -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    #[tokio::test]
    async fn self_wakes_are_rounds_not_yields() {
        // Within the round limit: done in one poll of the outer task.
        assert_eq!(quietly(SelfWaking(3)).await, 7);
        // Beyond it: the outer task is woken the usual way and finishes.
        assert_eq!(quietly(SelfWaking(50)).await, 7);
    }

    #[tokio::test]
    async fn wakes_from_outside_reach_the_task() {
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            let _ = tx.send(5);
        });
        assert_eq!(quietly(rx).await.unwrap(), 5);
    }
}
