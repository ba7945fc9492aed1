//! An opt-in, exact-match response cache: bounded, with a time to live,
//! keyed by the normalized request. Streams are replayed as streams.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::types::{ChatCompletion, ChatRequest};

/// Cache settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheConfig {
    /// Most answers kept (oldest evicted first).
    pub capacity: usize,
    /// How long an answer stays valid.
    pub ttl: Duration,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            capacity: 1024,
            ttl: Duration::from_secs(300),
        }
    }
}

struct Entry {
    completion: ChatCompletion,
    stored: Instant,
}

pub(crate) struct Cache {
    cfg: CacheConfig,
    state: Mutex<(HashMap<String, Entry>, VecDeque<String>)>,
}

/// The cache key of a prepared request: its JSON without the stream
/// settings, with the model id as the caller asked for it.
pub(crate) fn key(model: &str, prepared: &ChatRequest) -> Option<String> {
    let mut r = prepared.clone();
    r.stream = None;
    r.stream_options = None;
    r.model = Some(model.to_owned());
    serde_json::to_string(&r).ok()
}

impl Cache {
    pub(crate) fn new(cfg: CacheConfig) -> Self {
        Cache {
            cfg,
            state: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }

    pub(crate) fn get(&self, key: &str, now: Instant) -> Option<ChatCompletion> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let fresh =
            st.0.get(key)
                .map(|e| now.saturating_duration_since(e.stored) < self.cfg.ttl)?;
        if !fresh {
            st.0.remove(key);
            st.1.retain(|k| k != key);
            return None;
        }
        st.0.get(key).map(|e| e.completion.clone())
    }

    pub(crate) fn put(&self, key: String, completion: ChatCompletion, now: Instant) {
        if self.cfg.capacity == 0 {
            return;
        }
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (map, order) = &mut *st;
        if map.contains_key(&key) {
            order.retain(|k| k != &key);
        }
        while map.len() >= self.cfg.capacity {
            match order.pop_front() {
                Some(old) => {
                    map.remove(&old);
                }
                None => break,
            }
        }
        order.push_back(key.clone());
        map.insert(
            key,
            Entry {
                completion,
                stored: now,
            },
        );
    }
}
