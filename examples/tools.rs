//! Tools: the `get_current_weather` round trip, by hand and with `run_tools`.
//!
//! ```sh
//! export REQUESTY_API_KEY=...
//! cargo run --example tools
//! ```

use requesty::{ChatRequest, Client, Message, Tool, ToolBox, ToolChoice};
use serde::Deserialize;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Unit {
    Celsius,
    Fahrenheit,
}

/// Arguments of `get_current_weather`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct GetWeather {
    /// City and country, e.g. "Paris, France"
    location: String,
    /// Temperature unit (default celsius)
    unit: Option<Unit>,
}

fn weather(args: &GetWeather) -> serde_json::Value {
    // A real tool would call a weather service here.
    let c = 21.0;
    match args.unit {
        Some(Unit::Fahrenheit) => {
            serde_json::json!({"location": args.location, "temp": c * 9.0 / 5.0 + 32.0, "unit": "F"})
        }
        _ => serde_json::json!({"location": args.location, "temp": c, "unit": "C"}),
    }
}

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

    // 1. By hand: offer the tool, run the calls, send the results back.
    let tool = Tool::function::<GetWeather>("get_current_weather", "Get the current weather");
    let req = ChatRequest::new(&model)
        .user("What is the weather in Paris and in Boston (in fahrenheit)?")
        .tool(tool)
        .tool_choice(ToolChoice::Auto);
    let resp = client.chat().create(req.clone()).await?;
    let mut next = req.clone().message(resp.assistant_message());
    for call in resp.tool_calls() {
        let args: GetWeather = call.parse_arguments()?;
        println!("model called {}({args:?})", call.function.name);
        next = next.message(Message::tool_result(call, weather(&args)));
    }
    let answer = client.chat().create(next).await?;
    println!("by hand: {}\n", answer.text().unwrap_or_default());

    // 2. The same with a toolbox: run_tools loops until the model answers.
    let toolbox = ToolBox::new().add(
        "get_current_weather",
        "Get the current weather",
        |args: GetWeather| async move { Ok(weather(&args)) },
    );
    let run = client
        .chat()
        .run_tools(
            ChatRequest::new(&model).user("Is it warmer in Paris or in Boston?"),
            &toolbox,
        )
        .await?;
    println!(
        "run_tools ({} rounds): {}",
        run.rounds,
        run.text().unwrap_or_default()
    );
    Ok(())
}
