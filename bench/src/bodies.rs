//! The answers the mock server sends: a realistic `chat.completion` and
//! realistic `chat.completion.chunk` streams (shapes as OpenAI sends them).

/// Text of the non-streamed answer.
pub const ANSWER: &str = "Paris is the capital of France. It has been the capital since the \
    10th century, apart from short periods, and is the seat of the government and parliament.";

/// A non-streamed `chat.completion`, about 900 bytes.
pub fn completion() -> String {
    format!(
        r#"{{"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion","created":1741570283,"model":"gpt-4o-mini-2024-07-18","choices":[{{"index":0,"message":{{"role":"assistant","content":"{ANSWER}","refusal":null,"annotations":[]}},"logprobs":null,"finish_reason":"stop"}}],"usage":{{"prompt_tokens":31,"completion_tokens":38,"total_tokens":69,"prompt_tokens_details":{{"cached_tokens":0,"audio_tokens":0}},"completion_tokens_details":{{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}},"service_tier":"default","system_fingerprint":"fp_06737a9306"}}"#
    )
}

/// The `data: …\n\n` events of a streamed answer with `n` content chunks:
/// a role chunk, `n` content chunks, a finish chunk, a usage chunk and
/// `[DONE]` (so `n + 4` events).
pub fn stream_events(n: usize) -> Vec<String> {
    const HEAD: &str = r#"{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","#;
    let mut v = Vec::with_capacity(n + 4);
    v.push(format!(
        "data: {HEAD}\"choices\":[{{\"index\":0,\"delta\":{{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}},\"logprobs\":null,\"finish_reason\":null}}],\"usage\":null}}\n\n"
    ));
    for i in 0..n {
        v.push(format!(
            "data: {HEAD}\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"tok{i} \"}},\"logprobs\":null,\"finish_reason\":null}}],\"usage\":null}}\n\n"
        ));
    }
    v.push(format!(
        "data: {HEAD}\"choices\":[{{\"index\":0,\"delta\":{{}},\"logprobs\":null,\"finish_reason\":\"stop\"}}],\"usage\":null}}\n\n"
    ));
    v.push(format!(
        "data: {HEAD}\"choices\":[],\"usage\":{{\"prompt_tokens\":19,\"completion_tokens\":{n},\"total_tokens\":{},\"prompt_tokens_details\":{{\"cached_tokens\":0,\"audio_tokens\":0}},\"completion_tokens_details\":{{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}}}}\n\n",
        n + 19
    ));
    v.push("data: [DONE]\n\n".to_owned());
    v
}

/// What a model name asks the mock for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Script {
    /// The default: the answer at once (streamed: 1,000 chunks at once).
    Fast { chunks: usize },
    /// `paced-N-US`: N content chunks, the first at once, then one every US µs.
    Paced { chunks: usize, gap_us: u64 },
}

impl Script {
    /// `chunks-N`, `paced-N-US`, anything else: 1,000 chunks at once.
    pub fn of(model: &str) -> Script {
        let model = model.rsplit('/').next().unwrap_or(model);
        let mut parts = model.split('-');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("chunks"), Some(n), _) => Script::Fast {
                chunks: n.parse().unwrap_or(1_000),
            },
            (Some("paced"), Some(n), Some(us)) => Script::Paced {
                chunks: n.parse().unwrap_or(100),
                gap_us: us.parse().unwrap_or(1_000),
            },
            _ => Script::Fast { chunks: 1_000 },
        }
    }
}
