//! Structured outputs: the answer as a value of your own type.
//!
//! ```sh
//! export REQUESTY_API_KEY=...
//! cargo run --example structured
//! ```

use requesty::{ChatRequest, Client, ErrorKind};
use serde::Deserialize;

/// Today's weather in a city.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct Weather {
    /// The city's name.
    city: String,
    /// Temperature in degrees Celsius.
    temperature_c: f64,
    /// Short descriptions such as "sunny" or "windy".
    conditions: Vec<String>,
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
    let req = ChatRequest::new(model)
        .system("Invent plausible weather data.")
        .user("What's the weather in Lisbon today?")
        .max_tokens(200);
    match client.chat().parse::<Weather>(req).await {
        Ok(parsed) => {
            let w = parsed.value;
            println!(
                "{}: {} °C, {}",
                w.city,
                w.temperature_c,
                w.conditions.join(", ")
            );
            if let Some(u) = &parsed.completion.usage {
                println!("({} tokens)", u.total_tokens);
            }
        }
        Err(e) => match e.kind() {
            ErrorKind::Refusal { refusal } => println!("the model refused: {refusal}"),
            ErrorKind::Truncated { .. } => println!("the answer was cut: raise max_tokens"),
            _ => return Err(e.into()),
        },
    }
    Ok(())
}
