//! Polling without self-inflicted yields.

#[cfg(requesty_loom)]
use loom::sync::atomic::AtomicU8;
use std::sync::Arc;
#[cfg(not(requesty_loom))]
use std::sync::atomic::AtomicU8;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Release};
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
    /// [`IDLE`], [`POLLING`] or [`POLLING_WOKEN`]: one atomic, so a wake
    /// racing with the end of a poll is never lost.
    state: AtomicU8,
}

/// Not being polled: a wake goes to the task.
const IDLE: u8 = 0;
/// Being polled, not woken yet.
const POLLING: u8 = 1;
/// Being polled and woken since the round began: another round is due.
const POLLING_WOKEN: u8 = 2;

impl std::task::Wake for Quiet {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // A wake during a poll only marks the round. The mark is a
        // compare-and-swap from `POLLING`: if the poll ends first (its swap
        // to `IDLE`), the swap fails and the wake goes to the task instead.
        // (Two separate flags — "polling", "woken" — lose a wake from
        // another thread that reads "polling" just before the poll ends and
        // sets "woken" just after it was read: the task then sleeps with its
        // answer in the socket.)
        match self
            .state
            .compare_exchange(POLLING, POLLING_WOKEN, AcqRel, Acquire)
        {
            Ok(_) | Err(POLLING_WOKEN) => {}
            Err(_) => self.real.wake(),
        }
    }
}

impl Quiet {
    pub(crate) fn new() -> (Arc<Quiet>, Waker) {
        let quiet = Arc::new(Quiet {
            real: futures::task::AtomicWaker::new(),
            state: AtomicU8::new(IDLE),
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
        self.real.register(cx.waker());
        let mut quiet_cx = Context::from_waker(waker);
        for _ in 0..8 {
            self.state.store(POLLING, Release);
            let r = f(&mut quiet_cx);
            let woken = self.state.swap(IDLE, AcqRel) == POLLING_WOKEN;
            if r.is_ready() || !woken {
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
#[cfg(any(feature = "server", all(test, not(requesty_loom))))]
pub(crate) async fn quietly<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let (quiet, waker) = Quiet::new();
    std::future::poll_fn(|cx| quiet.poll(&waker, cx, |cx| f.as_mut().poll(cx))).await
}

/// Counts the wakes a task gets (both test modules).
#[cfg(test)]
struct Count(std::sync::atomic::AtomicUsize);

#[cfg(test)]
impl std::task::Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

// loom's atomics work only inside `loom::model`: under `requesty_loom` only
// the model below runs.
#[cfg(all(test, not(requesty_loom)))]
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

    /// Each step of a round is one atomic operation, so these three places
    /// are all a wake can fall: before a round, during it, after it.
    #[test]
    fn a_wake_is_a_round_or_reaches_the_task() {
        let (quiet, waker) = Quiet::new();
        let count = Arc::new(Count(0.into()));
        let task = Waker::from(count.clone());
        let mut cx = Context::from_waker(&task);
        let woken = || count.0.load(std::sync::atomic::Ordering::SeqCst);
        let pending = |_: &mut Context<'_>| Poll::<()>::Pending;
        assert!(quiet.poll(&waker, &mut cx, pending).is_pending());
        assert_eq!(quiet.state.load(Acquire), IDLE);
        // Between polls: the task is woken.
        waker.wake_by_ref();
        assert_eq!(woken(), 1);
        // During a poll: one more round, the task is not woken.
        let mut rounds = 0;
        let r = quiet.poll(&waker, &mut cx, |cx| {
            rounds += 1;
            if rounds == 1 {
                cx.waker().wake_by_ref();
                cx.waker().wake_by_ref();
            }
            Poll::<()>::Pending
        });
        assert!(r.is_pending());
        assert_eq!((rounds, woken()), (2, 1));
        // After it: the task again.
        waker.wake_by_ref();
        assert_eq!(woken(), 2);
    }

    /// Ready once `flag` is set; stores its waker before it looks.
    struct Flag(
        Arc<(
            std::sync::atomic::AtomicBool,
            std::sync::Mutex<Option<Waker>>,
        )>,
    );

    impl Future for Flag {
        type Output = ();
        fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            *self.0.1.lock().unwrap() = Some(cx.waker().clone());
            if self.0.0.load(std::sync::atomic::Ordering::SeqCst) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }
    }

    /// Wakes from another thread, racing with the end of each poll, are
    /// never lost: every one of many quiet-polled futures, each woken once,
    /// completes on tokio's real threads. The exact race (a few
    /// instructions wide, rarely hit here) is model-checked by loom below.
    #[test]
    fn wakes_racing_the_end_of_a_poll_are_not_lost() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<Flag>();
        let waker_thread = std::thread::spawn(move || {
            for Flag(shared) in rx {
                // Spin until the future has polled at least once.
                while shared.1.lock().unwrap().is_none() {
                    std::hint::spin_loop();
                }
                shared.0.store(true, std::sync::atomic::Ordering::SeqCst);
                let w = shared.1.lock().unwrap().clone();
                if let Some(w) = w {
                    w.wake();
                }
            }
        });
        rt.block_on(async {
            for i in 0..5_000 {
                let shared = Arc::new((
                    std::sync::atomic::AtomicBool::new(false),
                    std::sync::Mutex::new(None),
                ));
                tx.send(Flag(shared.clone())).unwrap();
                let done = tokio::spawn(quietly(Flag(shared)));
                tokio::time::timeout(std::time::Duration::from_secs(5), done)
                    .await
                    .unwrap_or_else(|_| panic!("round {i}: a wake was lost"))
                    .unwrap();
            }
        });
        drop(tx);
        waker_thread.join().unwrap();
    }
}

/// Every interleaving of a wake from another thread with a round of
/// polling, explored by loom: the wake either makes another round or
/// reaches the task. (The two-flag version this replaced fails here: the
/// wake reads "polling", the round ends and reads "not woken", then the
/// wake sets "woken" for nobody.) Run with
/// `RUSTFLAGS="--cfg requesty_loom" cargo test --lib --no-default-features quiet::loom`.
#[cfg(all(test, requesty_loom))]
mod loom_tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    #[test]
    fn a_wake_racing_a_round_is_never_lost() {
        loom::model(|| {
            let (quiet, waker) = Quiet::new();
            let count = Arc::new(Count(AtomicUsize::new(0)));
            let task = Waker::from(count.clone());
            let mut cx = Context::from_waker(&task);
            // A first round registers the task's waker.
            assert!(
                quiet
                    .poll(&waker, &mut cx, |_| Poll::<()>::Pending)
                    .is_pending()
            );
            let other = waker.clone();
            let t = loom::thread::spawn(move || other.wake_by_ref());
            let mut rounds = 0;
            let r = quiet.poll(&waker, &mut cx, |_| {
                rounds += 1;
                Poll::<()>::Pending
            });
            t.join().unwrap();
            assert!(r.is_pending());
            assert!(
                rounds == 2 || count.0.load(SeqCst) == 1,
                "the wake was lost: {rounds} round(s), {} wake(s) of the task",
                count.0.load(SeqCst)
            );
        });
    }
}
