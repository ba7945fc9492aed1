//! Streaming: print tokens as they arrive, then the assembled usage.
//!
//! ```sh
//! export REQUESTY_API_KEY=...
//! cargo run --example streaming
//! # or against any OpenAI-compatible server:
//! REQUESTY_API_KEY=none REQUESTY_BASE_URL=http://127.0.0.1:8080/v1 REQUESTY_MODEL=smollm2 \
//!     cargo run --example streaming
//! ```

use std::io::Write;

use futures::StreamExt;
use requesty::{ChatRequest, Client};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = match Client::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "{e}\nSet REQUESTY_API_KEY (and optionally REQUESTY_BASE_URL, REQUESTY_MODEL)."
            );
            return Ok(());
        }
    };
    let model = std::env::var("REQUESTY_MODEL").unwrap_or_else(|_| "openai/gpt-4o-mini".into());
    let req = ChatRequest::new(model)
        .user("Write a haiku about routers.")
        .max_tokens(120);

    let mut stream = client.chat().stream(req).await?;
    let mut out = std::io::stdout();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if let Some(t) = chunk.delta_text() {
            print!("{t}");
            out.flush()?;
        }
    }
    println!();
    // The stream kept everything it yielded; fold it into the final answer.
    let done = stream.into_completion().await?;
    println!("\nfinish reason: {:?}", done.finish_reason());
    if let Some(u) = &done.usage {
        println!(
            "usage: {} prompt + {} completion = {} tokens{}",
            u.prompt_tokens,
            u.completion_tokens,
            u.total_tokens,
            u.cost.map(|c| format!(", ${c:.6}")).unwrap_or_default()
        );
    }
    Ok(())
}
