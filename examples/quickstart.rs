//! Quick start: create, stream, a tool call and a structured answer — through
//! the hosted Requesty router, the embedded local router, or (offline, no
//! key) the local router with the scripted `Mock` provider.
//!
//! ```sh
//! cargo run --example quickstart                    # works with no key and no network (Mock)
//! REQUESTY_API_KEY=... cargo run --example quickstart   # the hosted router
//! OPENAI_API_KEY=... cargo run --example quickstart     # the local router, provider from the environment
//! ```
//! `REQUESTY_MODEL` picks the model (default: `openai/gpt-4o-mini`, or the
//! first provider found in the environment).

use std::io::Write;

use futures::StreamExt;
use requesty::router::Router;
use requesty::router::log::JsonlSink;
use requesty::router::providers::{Mock, MockReply};
use requesty::{ChatRequest, Client, ToolBox};
use serde::Deserialize;

/// Arguments of the `get_current_weather` tool.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct GetWeather {
    /// City and country, e.g. "Paris, France"
    location: String,
}

/// A structured answer.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct Capital {
    country: String,
    capital: String,
    population_millions: f64,
}

/// A model to try for each provider the local router may find.
fn sample_model(provider: &str) -> String {
    let model = match provider {
        "openai" => "gpt-4o-mini",
        "anthropic" => "claude-3-5-haiku-latest",
        "google" => "gemini-2.0-flash",
        "mistral" => "mistral-small-latest",
        "groq" => "llama-3.1-8b-instant",
        "deepseek" => "deepseek-chat",
        "xai" => "grok-3-mini",
        "together" => "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "fireworks" => "accounts/fireworks/models/llama-v3p1-8b-instruct",
        "openrouter" => "openai/gpt-4o-mini",
        "deepinfra" => "meta-llama/Meta-Llama-3.1-8B-Instruct",
        "perplexity" => "sonar",
        "ollama" => "llama3.2",
        _ => "default",
    };
    format!("{provider}/{model}")
}

/// The offline script: one reply per step below.
fn offline_mock() -> Mock {
    Mock::new("mock")
        .reply(MockReply::text("A router picks a model and provider for each request, retries and falls back on failure, and logs what it did."))
        .reply(MockReply::text("Requests flow in, / the router weighs each path, / answers stream back home.").chunk_delay(std::time::Duration::from_millis(40)))
        .reply(MockReply::tool_call("get_current_weather", r#"{"location":"Paris, France"}"#))
        .reply(MockReply::text("It is 21 °C and sunny in Paris."))
        .reply(MockReply::json(serde_json::json!({"country": "France", "capital": "Paris", "population_millions": 2.1})))
}

fn pick_client() -> requesty::Result<(Client, String, &'static str)> {
    let model = std::env::var("REQUESTY_MODEL").ok();
    if std::env::var("REQUESTY_API_KEY").is_ok_and(|k| !k.trim().is_empty()) {
        let m = model.unwrap_or_else(|| "openai/gpt-4o-mini".into());
        return Ok((Client::from_env()?, m, "remote: the hosted Requesty router"));
    }
    let router = Router::builder_from_vars(|k| std::env::var(k).ok())?
        .sink(JsonlSink::new("./requesty-logs"))
        .build()?;
    if let Some(first) = router.provider_ids().first() {
        let m = model.unwrap_or_else(|| sample_model(first));
        return Ok((
            Client::local(router),
            m,
            "local: the embedded router, providers from the environment",
        ));
    }
    let router = Router::builder()
        .provider(offline_mock())
        .sink(JsonlSink::new("./requesty-logs"))
        .build()?;
    Ok((
        Client::local(router),
        "mock/mock-1".into(),
        "offline: the embedded router with the scripted Mock provider (set REQUESTY_API_KEY, or a provider key such as OPENAI_API_KEY, for real answers)",
    ))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, model, mode) = pick_client()?;
    println!("mode:  {mode}\nmodel: {model}\n");

    // 1. One answer.
    let resp = client
        .chat()
        .create(
            ChatRequest::new(&model)
                .system("You are terse.")
                .user("In one sentence: what does an LLM router do?")
                .max_tokens(100)
                .tags(["quickstart"]),
        )
        .await?;
    println!("[create] {}", resp.text().unwrap_or_default());
    if let Some(u) = &resp.usage {
        println!(
            "         {} tokens in, {} out{}",
            u.prompt_tokens,
            u.completion_tokens,
            u.cost.map(|c| format!(", ${c:.6}")).unwrap_or_default()
        );
    }
    if let Some(by) = resp.meta.served_by() {
        println!("         served by {by}");
    }

    // 2. A stream.
    print!("\n[stream] ");
    let mut stream = client
        .chat()
        .stream(
            ChatRequest::new(&model)
                .user("A haiku about routers.")
                .max_tokens(60),
        )
        .await?;
    while let Some(chunk) = stream.next().await {
        if let Some(t) = chunk?.delta_text() {
            print!("{t}");
            std::io::stdout().flush()?;
        }
    }
    println!();

    // 3. A tool call, run by the tool loop.
    let toolbox = ToolBox::new().add(
        "get_current_weather",
        "Get the current weather",
        |args: GetWeather| async move {
            println!("         (tool called for {})", args.location);
            Ok(serde_json::json!({"location": args.location, "temp_c": 21, "conditions": "sunny"}))
        },
    );
    let run = client
        .chat()
        .run_tools(
            ChatRequest::new(&model).user("What's the weather in Paris?"),
            &toolbox,
        )
        .await?;
    println!(
        "\n[tools]  {} ({} round(s))",
        run.text().unwrap_or_default(),
        run.rounds
    );

    // 4. A structured answer.
    let parsed = client
        .chat()
        .parse::<Capital>(
            ChatRequest::new(&model).user("The capital of France, with its population."),
        )
        .await?;
    let c = parsed.value;
    println!(
        "\n[parse]  {}: {} ({} million people)",
        c.country, c.capital, c.population_millions
    );
    // In local mode every request was logged, tagged and priced.
    if let Some(router) = client.router() {
        router.shutdown().await; // flush the logs
        let logs = router.logs();
        println!(
            "\n[log]    {} requests logged to ./requesty-logs/ (summarize: cargo run --bin requesty-stats -- ./requesty-logs)",
            logs.len()
        );
        if let Some(last) = logs.last() {
            println!(
                "         last: {} via {} in {:.0} ms, tags {:?}",
                last.request_id,
                last.served_by.as_deref().unwrap_or("-"),
                last.latency_ms,
                last.tags
            );
        }
    }
    Ok(())
}
