//! Quick start: one chat completion through the Requesty router.
//!
//! ```sh
//! export REQUESTY_API_KEY=...            # https://app.requesty.ai/api-keys
//! cargo run --example quickstart
//! # any OpenAI-compatible server works too:
//! REQUESTY_BASE_URL=http://127.0.0.1:8080/v1 REQUESTY_MODEL=smollm2 cargo run --example quickstart
//! ```

use requesty::{ChatRequest, Client};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("{err}\n");
            eprintln!("This example sends one real request. To run it, set:");
            eprintln!("  REQUESTY_API_KEY   your Requesty key (https://app.requesty.ai/api-keys)");
            eprintln!("and optionally:");
            eprintln!(
                "  REQUESTY_BASE_URL  another OpenAI-compatible base URL (default {})",
                requesty::DEFAULT_BASE_URL
            );
            eprintln!("  REQUESTY_MODEL     the model to ask (default openai/gpt-4o-mini)");
            eprintln!("\nNothing was sent.");
            return Ok(());
        }
    };
    let model = std::env::var("REQUESTY_MODEL").unwrap_or_else(|_| "openai/gpt-4o-mini".into());

    let req = ChatRequest::new(&model)
        .system("You are terse.")
        .user("In one sentence: what does an LLM router do?")
        .temperature(0.2)
        .max_tokens(100)
        .tags(["quickstart"]);
    let resp = client.chat().create(req).await?;

    println!("{}", resp.text().unwrap_or_default());
    println!("\nmodel: {}", resp.model);
    if let Some(id) = resp.request_id() {
        println!("request id: {id}");
    }
    if let Some(u) = &resp.usage {
        print!(
            "tokens: {} in, {} out",
            u.prompt_tokens, u.completion_tokens
        );
        match u.cost {
            Some(cost) => println!(", cost ${cost:.6}"),
            None => println!(),
        }
    }
    Ok(())
}
