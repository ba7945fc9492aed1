//! Security levels and the findings that block a request.
//!
//! These types live outside the router so that remote mode can send a level
//! (the `X-Security-Level` header) and report a refusal without the router.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Security levels, as the hosted router's `X-Security-Level` header names them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum SecurityLevel {
    /// No scanning.
    #[default]
    None,
    /// Detect and redact secrets and personal data, in prompts and answers.
    Basic,
    /// Basic, plus refusing prompt-injection and jailbreak attempts.
    Advanced,
    /// Advanced, plus the router's security policy.
    Enterprise,
}

impl SecurityLevel {
    /// The level's name: `none`, `basic`, `advanced` or `enterprise`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SecurityLevel::None => "none",
            SecurityLevel::Basic => "basic",
            SecurityLevel::Advanced => "advanced",
            SecurityLevel::Enterprise => "enterprise",
        }
    }

    /// Whether secrets and personal data are redacted (Basic and above).
    pub fn redacts(&self) -> bool {
        *self >= SecurityLevel::Basic
    }

    /// Whether injection and jailbreak attempts are refused (Advanced and above).
    pub fn checks_injection(&self) -> bool {
        *self >= SecurityLevel::Advanced
    }
}

impl fmt::Display for SecurityLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SecurityLevel {
    type Err = crate::Error;

    /// Parses a level name, ignoring case and surrounding spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        [
            SecurityLevel::None,
            SecurityLevel::Basic,
            SecurityLevel::Advanced,
            SecurityLevel::Enterprise,
        ]
        .into_iter()
        .find(|l| l.as_str().eq_ignore_ascii_case(t))
        .ok_or_else(|| {
            crate::Error::invalid_request(
                "security_level",
                format!("unknown security level {s:?}; use none, basic, advanced or enterprise"),
            )
        })
    }
}

/// One reason a request was refused: a finding kind (`prompt_injection`,
/// `credit_card`, `policy.denied_model`, or a custom detector's name), how
/// often it occurred and where. Never the value itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// What was found, in `snake_case` (`prompt_injection`), or the policy
    /// rule that failed (`policy.max_prompt_bytes`).
    pub kind: String,
    /// How many times.
    pub count: u32,
    /// Where: `messages[1].content`, `model`, `metadata.team`, `response`.
    pub location: String,
}

impl Violation {
    /// A violation of `kind`, found `count` times at `location`.
    pub fn new(kind: impl Into<String>, count: u32, location: impl Into<String>) -> Self {
        Violation {
            kind: kind.into(),
            count,
            location: location.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if self.count > 1 {
            write!(f, " ×{}", self.count)?;
        }
        if !self.location.is_empty() {
            write!(f, " in {}", self.location)?;
        }
        Ok(())
    }
}
