//! Applying a security level to a request and to its answer: redaction of
//! prompts, injection refusal, the Enterprise policy, and redaction of
//! answers (whole or streamed).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::detect::Detector;
use super::redact::{Hit, redact_with};
use super::{Scanner, SecurityPolicy, StreamRedactor, injection};
use crate::error::{Error, Result};
use crate::types::{
    ChatCompletion, ChatCompletionChunk, ChatRequest, ChunkChoice, Content, ContentPart, Delta,
    FunctionCallDelta, Message, Role, SecurityLevel, ToolCallDelta, Violation,
};

/// Kind name → count, as written into the log record.
pub(crate) type Counts = BTreeMap<String, u32>;

/// The security work for one request.
#[derive(Clone)]
pub(crate) struct Guard {
    pub level: SecurityLevel,
    detectors: Vec<Arc<dyn Detector>>,
    block: BTreeSet<String>,
    policy: Option<SecurityPolicy>,
}

/// What scanning a prompt found.
#[derive(Debug, Default)]
pub(crate) struct PromptScan {
    /// Every finding, by kind.
    pub counts: Counts,
    /// What refuses the request (empty: go on).
    pub violations: Vec<Violation>,
}

fn bump(counts: &mut Counts, kind: &str, n: u32) {
    *counts.entry(kind.to_owned()).or_insert(0) += n;
}

/// Adds `n` of `kind` at `location`, merging with an earlier entry.
fn violate(v: &mut Vec<Violation>, kind: &str, n: u32, location: &str) {
    match v
        .iter_mut()
        .find(|x| x.kind == kind && x.location == location)
    {
        Some(x) => x.count += n,
        None => v.push(Violation::new(kind, n, location)),
    }
}

impl Guard {
    /// The guard for `level` (`None` when nothing is to be done).
    pub fn new(level: SecurityLevel, policy: &SecurityPolicy) -> Option<Guard> {
        if level == SecurityLevel::None {
            return None;
        }
        let enterprise = level >= SecurityLevel::Enterprise;
        Some(Guard {
            level,
            detectors: if enterprise {
                policy.detectors.clone()
            } else {
                Vec::new()
            },
            block: if enterprise {
                policy.block.clone()
            } else {
                BTreeSet::new()
            },
            policy: enterprise.then(|| policy.clone()),
        })
    }

    /// The Enterprise policy, when it applies.
    pub fn policy(&self) -> Option<&SecurityPolicy> {
        self.policy.as_ref()
    }

    /// Redacts `text` in place, counting hits; hits of blocked kinds
    /// become violations at `location`.
    fn redact_text(&self, text: &mut String, location: &dyn Fn() -> String, out: &mut PromptScan) {
        let (redacted, hits) = redact_with(text, &self.detectors);
        self.count_hits(&hits, location, &mut out.counts, &mut out.violations);
        if let Cow::Owned(r) = redacted {
            *text = r;
        }
    }

    fn count_hits(
        &self,
        hits: &[Hit],
        location: &dyn Fn() -> String,
        counts: &mut Counts,
        violations: &mut Vec<Violation>,
    ) {
        for h in hits {
            let name = h.kind.name();
            bump(counts, name, 1);
            if self.block.contains(name) {
                violate(violations, name, 1, &location());
            }
        }
    }

    /// Scans for injection (Advanced and above) in user text and tool results.
    fn injection(&self, text: &str, location: &dyn Fn() -> String, out: &mut PromptScan) {
        if !self.level.checks_injection() {
            return;
        }
        for kind in injection::check(text).kinds() {
            bump(&mut out.counts, kind.as_str(), 1);
            violate(&mut out.violations, kind.as_str(), 1, &location());
        }
    }

    /// Redacts the prompt in place and finds what refuses it: injection
    /// (Advanced), blocked kinds and the size limit (Enterprise).
    pub fn scan_request(&self, req: &mut ChatRequest) -> PromptScan {
        let mut out = PromptScan::default();
        let mut total = 0usize;
        if let Some(p) = req.prompt.as_mut() {
            total += p.len();
            self.injection(p, &|| "prompt".to_owned(), &mut out);
            self.redact_text(p, &|| "prompt".to_owned(), &mut out);
        }
        for (i, m) in req.messages.iter_mut().enumerate() {
            let untrusted = matches!(m.role, Role::User | Role::Tool | Role::Function);
            let loc = |field: &str| format!("messages[{i}].{field}");
            total += self.scan_message(m, untrusted, &loc, &mut out);
        }
        if let Some(max) = self.policy.as_ref().and_then(|p| p.max_prompt_bytes)
            && total > max
        {
            violate(
                &mut out.violations,
                "policy.max_prompt_bytes",
                1,
                &format!("messages ({total} bytes; the limit is {max})"),
            );
            bump(&mut out.counts, "policy.max_prompt_bytes", 1);
        }
        out
    }

    /// Scans one message in place: redacts every text field, checks
    /// injection in its text when `check_injection`; `loc` names a field
    /// (`"content"`, `"tool_calls[0].function.arguments"`) for findings.
    /// Returns the bytes of text it has.
    fn scan_message(
        &self,
        m: &mut Message,
        check_injection: bool,
        loc: &dyn Fn(&str) -> String,
        out: &mut PromptScan,
    ) -> usize {
        let mut total = 0;
        let mut text_field = |t: &mut String, field: &str, out: &mut PromptScan| {
            total += t.len();
            let l = || loc(field);
            if check_injection {
                self.injection(t, &l, out);
            }
            self.redact_text(t, &l, out);
        };
        match m.content.as_mut() {
            Some(Content::Text(t)) => text_field(t, "content", out),
            Some(Content::Parts(parts)) => {
                for (j, part) in parts.iter_mut().enumerate() {
                    if let ContentPart::Text { text } = part {
                        text_field(text, &format!("content[{j}].text"), out);
                    }
                }
            }
            None => {}
        }
        let mut other = |t: &mut String, field: &str, out: &mut PromptScan| {
            total += t.len();
            self.redact_text(t, &|| loc(field), out);
        };
        for (k, call) in m.tool_calls.iter_mut().flatten().enumerate() {
            let field = format!("tool_calls[{k}].function.arguments");
            other(&mut call.function.arguments, &field, out);
        }
        if let Some(f) = m.function_call.as_mut() {
            other(&mut f.arguments, "function_call.arguments", out);
        }
        if let Some(t) = m.refusal.as_mut() {
            other(t, "refusal", out);
        }
        if let Some(t) = m.reasoning_content.as_mut() {
            other(t, "reasoning_content", out);
        }
        total
    }

    /// Redacts a whole answer in place (every choice's text, refusal,
    /// reasoning and tool arguments). Hits of blocked kinds fail it.
    pub fn redact_completion(&self, c: &mut ChatCompletion, counts: &mut Counts) -> Result<()> {
        let mut scan = PromptScan::default();
        for (i, choice) in c.choices.iter_mut().enumerate() {
            let loc = |_: &str| format!("choices[{i}].message");
            self.scan_message(&mut choice.message, false, &loc, &mut scan);
        }
        for (k, n) in scan.counts {
            bump(counts, &k, n);
        }
        if scan.violations.is_empty() {
            Ok(())
        } else {
            Err(Error::security_violation(self.level, scan.violations))
        }
    }

    /// A redactor for a streamed answer.
    pub fn stream(&self) -> ChunkRedactor {
        ChunkRedactor {
            guard: self.clone(),
            fields: HashMap::new(),
            order: Vec::new(),
            template: None,
            counts: Counts::new(),
            reported: BTreeMap::new(),
        }
    }
}

/// Which text of a streamed choice a redactor holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Content,
    Refusal,
    Reasoning,
    /// A tool call's arguments, by the call's index.
    Tool(u32),
    FunctionCall,
}

/// Redacts a stream of chunks: one [`StreamRedactor`] per choice and text
/// field, flushed when the choice finishes or the stream ends.
pub(crate) struct ChunkRedactor {
    guard: Guard,
    fields: HashMap<(u32, Field), StreamRedactor>,
    /// Fields in first-seen order, for a stable flush.
    order: Vec<(u32, Field)>,
    /// The last chunk's envelope, for a closing chunk.
    template: Option<ChatCompletionChunk>,
    counts: Counts,
    /// Findings already counted, per field (the redactor's totals grow).
    reported: BTreeMap<(u32, u8, u32), (usize, usize)>,
}

fn field_key(f: Field) -> (u8, u32) {
    match f {
        Field::Content => (0, 0),
        Field::Refusal => (1, 0),
        Field::Reasoning => (2, 0),
        Field::Tool(i) => (3, i),
        Field::FunctionCall => (4, 0),
    }
}

impl ChunkRedactor {
    /// Every finding so far, by kind.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    fn redactor(&mut self, choice: u32, field: Field) -> &mut StreamRedactor {
        let key = (choice, field);
        if !self.fields.contains_key(&key) {
            self.order.push(key);
        }
        let detectors = self.guard.detectors.clone();
        self.fields
            .entry(key)
            .or_insert_with(|| StreamRedactor::new(Scanner::new()).with_detectors(detectors))
    }

    /// Pushes `piece` through the field's redactor.
    fn push(&mut self, choice: u32, field: Field, piece: &str) -> Result<String> {
        let out = self.redactor(choice, field).push(piece);
        self.account(choice, field)?;
        Ok(out)
    }

    /// Flushes a field.
    fn flush(&mut self, choice: u32, field: Field) -> Result<String> {
        let out = match self.fields.get_mut(&(choice, field)) {
            Some(r) => r.finish(),
            None => return Ok(String::new()),
        };
        self.account(choice, field)?;
        Ok(out)
    }

    /// Counts the field's new findings; a blocked kind fails the stream.
    fn account(&mut self, choice: u32, field: Field) -> Result<()> {
        let Some(r) = self.fields.get(&(choice, field)) else {
            return Ok(());
        };
        let (fk, fi) = field_key(field);
        let seen = self.reported.entry((choice, fk, fi)).or_insert((0, 0));
        let mut blocked = Vec::new();
        for f in &r.findings()[seen.0..] {
            bump(&mut self.counts, f.kind.as_str(), 1);
            if self.guard.block.contains(f.kind.as_str()) {
                violate(&mut blocked, f.kind.as_str(), 1, "response");
            }
        }
        for s in &r.custom_findings()[seen.1..] {
            bump(&mut self.counts, &s.kind_name, 1);
            if self.guard.block.contains(&s.kind_name) {
                violate(&mut blocked, &s.kind_name, 1, "response");
            }
        }
        *seen = (r.findings().len(), r.custom_findings().len());
        if blocked.is_empty() {
            Ok(())
        } else {
            Err(Error::security_violation(self.guard.level, blocked))
        }
    }

    /// Redacts a chunk in place; a choice that finishes here gets the rest
    /// of its held text.
    pub fn chunk(&mut self, c: &mut ChatCompletionChunk) -> Result<()> {
        for choice in &mut c.choices {
            let idx = choice.index;
            let d = &mut choice.delta;
            if let Some(t) = d.content.as_mut() {
                *t = self.push(idx, Field::Content, t)?;
            }
            if let Some(t) = d.refusal.as_mut() {
                *t = self.push(idx, Field::Refusal, t)?;
            }
            if let Some(t) = d.reasoning_content.as_mut() {
                *t = self.push(idx, Field::Reasoning, t)?;
            }
            for (pos, call) in d.tool_calls.iter_mut().flatten().enumerate() {
                let ti = call.index.unwrap_or(pos as u32);
                if let Some(args) = call.function.as_mut().and_then(|f| f.arguments.as_mut()) {
                    *args = self.push(idx, Field::Tool(ti), args)?;
                }
            }
            if let Some(args) = d.function_call.as_mut().and_then(|f| f.arguments.as_mut()) {
                *args = self.push(idx, Field::FunctionCall, args)?;
            }
            if choice.finish_reason.is_some() {
                self.flush_choice(idx, &mut choice.delta)?;
            }
        }
        let mut envelope = c.clone();
        envelope.choices.clear();
        envelope.usage = None;
        self.template = Some(envelope);
        Ok(())
    }

    /// Appends every held field of `choice` to `delta`.
    fn flush_choice(&mut self, choice: u32, delta: &mut Delta) -> Result<()> {
        let fields: Vec<Field> = self
            .order
            .iter()
            .filter(|(c, _)| *c == choice)
            .map(|(_, f)| *f)
            .collect();
        for f in fields {
            let rest = self.flush(choice, f)?;
            if rest.is_empty() {
                continue;
            }
            match f {
                Field::Content => delta
                    .content
                    .get_or_insert_with(String::new)
                    .push_str(&rest),
                Field::Refusal => delta
                    .refusal
                    .get_or_insert_with(String::new)
                    .push_str(&rest),
                Field::Reasoning => delta
                    .reasoning_content
                    .get_or_insert_with(String::new)
                    .push_str(&rest),
                Field::Tool(i) => {
                    let calls = delta.tool_calls.get_or_insert_with(Vec::new);
                    let existing = calls
                        .iter_mut()
                        .enumerate()
                        .find(|(pos, c)| c.index.unwrap_or(*pos as u32) == i)
                        .map(|(_, c)| c);
                    match existing {
                        Some(c) => c
                            .function
                            .get_or_insert_with(FunctionCallDelta::default)
                            .arguments
                            .get_or_insert_with(String::new)
                            .push_str(&rest),
                        None => calls.push(ToolCallDelta {
                            index: Some(i),
                            function: Some(FunctionCallDelta {
                                arguments: Some(rest),
                                ..FunctionCallDelta::default()
                            }),
                            ..ToolCallDelta::default()
                        }),
                    }
                }
                Field::FunctionCall => delta
                    .function_call
                    .get_or_insert_with(FunctionCallDelta::default)
                    .arguments
                    .get_or_insert_with(String::new)
                    .push_str(&rest),
            }
        }
        self.order.retain(|(c, _)| *c != choice);
        self.fields.retain(|(c, _), _| *c != choice);
        Ok(())
    }

    /// Ends the stream: a closing chunk with every field still held (none
    /// when nothing is held).
    pub fn finish(&mut self) -> Result<Option<ChatCompletionChunk>> {
        let mut choices: Vec<u32> = self.order.iter().map(|(c, _)| *c).collect();
        choices.sort_unstable();
        choices.dedup();
        let mut out = Vec::new();
        for idx in choices {
            let mut delta = Delta::default();
            self.flush_choice(idx, &mut delta)?;
            if delta != Delta::default() {
                out.push(ChunkChoice {
                    index: idx,
                    delta,
                    ..ChunkChoice::default()
                });
            }
        }
        if out.is_empty() {
            return Ok(None);
        }
        let mut chunk = self.template.clone().unwrap_or_default();
        chunk.choices = out;
        Ok(Some(chunk))
    }
}
