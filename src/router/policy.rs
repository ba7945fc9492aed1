//! Routing policies: fallback chains, weighted load balancing, latency-based.

/// How a policy chooses among its targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyKind {
    /// Try the targets in order until one answers.
    Fallback,
    /// Pick a target by weight (sticky per trace id / user id); the others
    /// are fallbacks in weight order.
    LoadBalance,
    /// Prefer the target with the best recent time to first token and
    /// tokens per second; the others are fallbacks, fastest first.
    Latency,
}

/// One target of a policy: a model id or another policy (`policy/<name>`).
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyEntry {
    /// `provider/model[@region]` or `policy/<name>`.
    pub target: String,
    /// Relative weight (load balancing).
    pub weight: f64,
    /// Extra tries of this target before moving on, 0 to 10.
    pub retries: u32,
}

/// A routing policy, registered on the router under a name and used as
/// `policy/<name>`.
///
/// ```
/// use requesty::router::Policy;
/// let reliable = Policy::fallback(["openai/gpt-4o-mini", "ollama/llama3.2"]).retries(1);
/// let split = Policy::load_balance([("openai/gpt-4o-mini", 3.0), ("ollama/llama3.2", 1.0)]);
/// let fast = Policy::latency(["groq/llama-3.3-70b-versatile", "openai/gpt-4o-mini"]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// How targets are chosen.
    pub kind: PolicyKind,
    /// The targets.
    pub entries: Vec<PolicyEntry>,
}

impl Policy {
    fn with(kind: PolicyKind, entries: impl IntoIterator<Item = (String, f64)>) -> Self {
        Policy {
            kind,
            entries: entries
                .into_iter()
                .map(|(target, weight)| PolicyEntry {
                    target,
                    weight,
                    retries: 0,
                })
                .collect(),
        }
    }

    /// An ordered fallback chain.
    pub fn fallback<I, S>(targets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::with(
            PolicyKind::Fallback,
            targets.into_iter().map(|t| (t.into(), 1.0)),
        )
    }

    /// Weighted load balancing (weights are normalized).
    pub fn load_balance<I, S, W>(targets: I) -> Self
    where
        I: IntoIterator<Item = (S, W)>,
        S: Into<String>,
        W: Into<f64>,
    {
        Self::with(
            PolicyKind::LoadBalance,
            targets.into_iter().map(|(t, w)| (t.into(), w.into())),
        )
    }

    /// Latency-based routing among the targets.
    pub fn latency<I, S>(targets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::with(
            PolicyKind::Latency,
            targets.into_iter().map(|t| (t.into(), 1.0)),
        )
    }

    /// Sets the per-target retries (0 to 10) for every target.
    pub fn retries(mut self, retries: u32) -> Self {
        for e in &mut self.entries {
            e.retries = retries;
        }
        self
    }

    /// Sets the retries of one target.
    pub fn target_retries(mut self, target: &str, retries: u32) -> Self {
        for e in self.entries.iter_mut().filter(|e| e.target == target) {
            e.retries = retries;
        }
        self
    }
}
