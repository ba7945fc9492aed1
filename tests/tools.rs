//! Tools and structured outputs against loopback servers.

mod common;

use std::time::{Duration, Instant};

use common::*;
use requesty::{ChatRequest, ErrorKind, Message, Tool, ToolBox, ToolCall, ToolChoice};
use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Deserialize, schemars::JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Unit {
    Celsius,
    Fahrenheit,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, PartialEq)]
struct GetWeather {
    /// City and country, e.g. "Paris, France"
    location: String,
    unit: Option<Unit>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, PartialEq)]
struct Weather {
    city: String,
    temperature_c: f64,
    conditions: Vec<String>,
}

fn completion(message: Value, finish: &str) -> String {
    json!({
        "id": "chatcmpl-t", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    })
    .to_string()
}

fn calls(calls: &[(&str, &str, &str)]) -> String {
    let tc: Vec<Value> = calls
        .iter()
        .map(|(id, name, args)| json!({"id": id, "type": "function", "function": {"name": name, "arguments": args}}))
        .collect();
    completion(
        json!({"role": "assistant", "content": null, "tool_calls": tc}),
        "tool_calls",
    )
}

fn answer(text: &str) -> String {
    completion(json!({"role": "assistant", "content": text}), "stop")
}

/// A server answering each POST with the next body in turn (the last repeats).
async fn sequence(bodies: Vec<String>) -> MockServer {
    let server = MockServer::start().await;
    let n = bodies.len();
    for (i, b) in bodies.into_iter().enumerate() {
        let m = Mock::given(method("POST")).respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(b),
        );
        let m = if i + 1 < n { m.up_to_n_times(1) } else { m };
        m.mount(&server).await;
    }
    server
}

async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.body_json().unwrap())
        .collect()
}

#[tokio::test]
async fn a_tool_from_a_type_sends_the_expected_schema_and_round_trips() {
    let server = sequence(vec![
        calls(&[(
            "call_1",
            "get_current_weather",
            r#"{"location":"Paris, France","unit":"celsius"}"#,
        )]),
        answer("It is 21 °C in Paris."),
    ])
    .await;
    let client = builder(&server.uri()).build().unwrap();
    let tool = Tool::function::<GetWeather>("get_current_weather", "Get the current weather");
    let req = ChatRequest::new("openai/gpt-4o-mini")
        .user("Weather in Paris?")
        .tool(tool)
        .tool_choice(ToolChoice::Auto);
    let resp = client.chat().create(req.clone()).await.unwrap();
    let mut next = req.clone().message(resp.assistant_message());
    for call in resp.tool_calls() {
        let args: GetWeather = call.parse_arguments().unwrap();
        assert_eq!(
            args,
            GetWeather {
                location: "Paris, France".into(),
                unit: Some(Unit::Celsius)
            }
        );
        next = next.message(Message::tool_result(call, json!({"temp_c": 21})));
    }
    let final_ = client.chat().create(next).await.unwrap();
    assert_eq!(final_.text().as_deref(), Some("It is 21 °C in Paris."));

    let sent = bodies(&server).await;
    assert_eq!(
        sent[0]["tools"][0],
        fixture_json("schemas/tool_get_current_weather.json")
    );
    assert_eq!(sent[0]["tool_choice"], "auto");
    assert_eq!(
        sent[1]["messages"],
        json!([
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_current_weather", "arguments": "{\"location\":\"Paris, France\",\"unit\":\"celsius\"}"}}]},
            {"role": "tool", "content": "{\"temp_c\":21}", "tool_call_id": "call_1"}
        ])
    );
}

#[tokio::test]
async fn parse_sends_a_strict_json_schema_and_returns_the_value() {
    let server = sequence(vec![answer(
        r#"{"city":"Paris","temperature_c":21.5,"conditions":["sunny","windy"]}"#,
    )])
    .await;
    let client = builder(&server.uri()).build().unwrap();
    let parsed = client
        .chat()
        .parse::<Weather>(ChatRequest::new("openai/gpt-4o-mini").user("Weather in Paris?"))
        .await
        .unwrap();
    assert_eq!(
        parsed.value,
        Weather {
            city: "Paris".into(),
            temperature_c: 21.5,
            conditions: vec!["sunny".into(), "windy".into()]
        }
    );
    assert_eq!(parsed.completion.usage.as_ref().unwrap().total_tokens, 15);
    assert_eq!(parsed.completion.id, "chatcmpl-t");
    let sent = bodies(&server).await;
    assert_eq!(
        sent[0]["response_format"],
        fixture_json("schemas/response_format_weather.json")
    );
}

#[tokio::test]
async fn parse_of_a_non_object_type_wraps_and_unwraps() {
    let server = sequence(vec![answer(
        r#"{"value":[{"city":"Paris","temperature_c":21,"conditions":[]},{"city":"Oslo","temperature_c":-3,"conditions":["snow"]}]}"#,
    )])
    .await;
    let client = builder(&server.uri()).build().unwrap();
    let parsed = client
        .chat()
        .parse::<Vec<Weather>>(ChatRequest::new("m").user("two cities"))
        .await
        .unwrap();
    assert_eq!(parsed.value.len(), 2);
    assert_eq!(parsed.value[1].conditions, ["snow"]);
    let sent = bodies(&server).await;
    assert_eq!(
        sent[0]["response_format"],
        fixture_json("schemas/response_format_vec_weather.json")
    );
}

#[tokio::test]
async fn a_refusal_is_an_error_with_its_text() {
    let server = sequence(vec![completion(
        json!({"role": "assistant", "content": null, "refusal": "I'm sorry, I cannot help with that."}),
        "stop",
    )])
    .await;
    let client = builder(&server.uri()).build().unwrap();
    let err = client
        .chat()
        .parse::<Weather>(ChatRequest::new("m").user("x"))
        .await
        .unwrap_err();
    match err.kind() {
        ErrorKind::Refusal { refusal } => assert!(refusal.contains("cannot help")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_truncated_answer_is_a_distinct_error() {
    // Recorded from llama-server: the JSON was cut by max_tokens.
    let server = sequence(vec![fixture("llamacpp/structured_completion.json")]).await;
    let client = builder(&server.uri()).build().unwrap();
    let err = client
        .chat()
        .parse::<Weather>(ChatRequest::new("m").user("x"))
        .await
        .unwrap_err();
    match err.kind() {
        ErrorKind::Truncated { content } => {
            assert!(content.starts_with("{\n    \"city\": \"Paris\""))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn bad_json_and_type_mismatches_show_the_content_and_path() {
    let server = sequence(vec![answer(
        r#"{"city":"Paris","temperature_c":"warm","conditions":[]}"#,
    )])
    .await;
    let client = builder(&server.uri()).build().unwrap();
    let err = client
        .chat()
        .parse::<Weather>(ChatRequest::new("m").user("x"))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("temperature_c") && text.contains("warm"),
        "{text}"
    );
    assert!(matches!(err.kind(), ErrorKind::Decode { .. }));

    let server = sequence(vec![answer(r#"{"city": "Par"#)]).await;
    let client = builder(&server.uri()).build().unwrap();
    let err = client
        .chat()
        .parse::<Weather>(ChatRequest::new("m").user("x"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Par"), "{err}");

    let server = sequence(vec![answer(
        r#"{"city":"Paris","temperature_c":1,"conditions":["a",7]}"#,
    )])
    .await;
    let client = builder(&server.uri()).build().unwrap();
    let err = client
        .chat()
        .parse::<Weather>(ChatRequest::new("m").user("x"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("conditions[1]"), "{err}");
}

#[tokio::test]
async fn json_object_mode_works_too() {
    let server = sequence(vec![answer(
        "```json\n{\"city\":\"Rome\",\"temperature_c\":30,\"conditions\":[\"hot\"]}\n```",
    )])
    .await;
    let client = builder(&server.uri()).build().unwrap();
    let req = ChatRequest::new("m")
        .user("x")
        .response_format(requesty::ResponseFormat::JsonObject);
    let parsed = client.chat().parse::<Weather>(req).await.unwrap();
    assert_eq!(parsed.value.city, "Rome");
    assert_eq!(
        bodies(&server).await[0]["response_format"],
        json!({"type": "json_object"})
    );
}

#[test]
fn parse_arguments_errors_name_the_tool_and_path() {
    let call = ToolCall::function(
        "call_9",
        "get_current_weather",
        r#"{"location":"Paris","unit":"kelvin"}"#,
    );
    let err = call.parse_arguments::<GetWeather>().unwrap_err();
    match err.kind() {
        ErrorKind::ToolArguments {
            tool,
            path,
            arguments,
            ..
        } => {
            assert_eq!(tool, "get_current_weather");
            assert_eq!(path, "unit");
            assert!(arguments.contains("kelvin"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("get_current_weather") && err.to_string().contains("unit"));
    let err = ToolCall::function("c", "f", "{not json")
        .parse_arguments::<GetWeather>()
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::ToolArguments { .. }));
    // Empty arguments read as {} (for argument-less tools).
    #[derive(Deserialize)]
    struct NoArgs {}
    ToolCall::function("c", "f", "")
        .parse_arguments::<NoArgs>()
        .unwrap();
}

#[tokio::test]
async fn run_tools_loops_with_parallel_calls_and_reports_errors_to_the_model() {
    let server = sequence(vec![
        calls(&[
            (
                "call_a",
                "get_current_weather",
                r#"{"location":"Paris","unit":null}"#,
            ),
            (
                "call_b",
                "get_current_weather",
                r#"{"location":"Tokyo","unit":"fahrenheit"}"#,
            ),
        ]),
        calls(&[
            ("call_c", "get_stock_price", r#"{"ticker":"ACME"}"#),
            ("call_d", "get_current_weather", r#"{"city":"Oslo"}"#),
            ("call_e", "fails", "{}"),
            ("call_f", "panics", "{}"),
        ]),
        answer("Paris 21 °C, Tokyo 70 °F."),
    ])
    .await;
    let client = builder(&server.uri()).build().unwrap();
    #[derive(Deserialize, schemars::JsonSchema)]
    struct Empty {}
    let toolbox = ToolBox::new()
        .add(
            "get_current_weather",
            "Get the current weather",
            |args: GetWeather| async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                let temp = if args.unit == Some(Unit::Fahrenheit) {
                    70
                } else {
                    21
                };
                Ok(json!({"location": args.location, "temp": temp}))
            },
        )
        .add("fails", "Always fails", |_: Empty| async move {
            Err::<Value, _>("the database is down".into())
        })
        .add("panics", "Panics", |_: Empty| async move {
            if true {
                panic!("boom");
            }
            Ok(json!(null))
        });
    let t = Instant::now();
    let run = client
        .chat()
        .run_tools(
            ChatRequest::new("m").user("Weather in Paris and Tokyo?"),
            &toolbox,
        )
        .await
        .unwrap();
    // Two rounds, each with its weather calls run concurrently (300 ms each).
    assert!(
        t.elapsed() < Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(run.rounds, 2);
    assert_eq!(run.text().as_deref(), Some("Paris 21 °C, Tokyo 70 °F."));
    // user, assistant(2 calls), 2 results, assistant(4 calls), 4 results, final answer
    assert_eq!(run.messages.len(), 1 + 1 + 2 + 1 + 4 + 1);

    let sent = bodies(&server).await;
    assert_eq!(sent.len(), 3);
    let names: Vec<&str> = sent[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["get_current_weather", "fails", "panics"]);
    let m = &sent[1]["messages"];
    assert_eq!(
        m[2],
        json!({"role": "tool", "tool_call_id": "call_a", "content": "{\"location\":\"Paris\",\"temp\":21}"})
    );
    assert_eq!(m[3]["tool_call_id"], "call_b");
    assert_eq!(m[3]["content"], "{\"location\":\"Tokyo\",\"temp\":70}");
    let m = &sent[2]["messages"];
    let result = |i: usize| m[i]["content"].as_str().unwrap().to_owned();
    assert!(
        result(5).contains("no tool named `get_stock_price`")
            && result(5).contains("get_current_weather"),
        "{}",
        result(5)
    );
    assert!(
        result(6).starts_with("error:") && result(6).contains("location"),
        "{}",
        result(6)
    );
    assert_eq!(result(7), "error: the database is down");
    assert!(
        result(8).starts_with("error:") && result(8).contains("panics"),
        "{}",
        result(8)
    );
}

#[tokio::test]
async fn run_tools_stops_at_the_round_limit() {
    let server = sequence(vec![calls(&[("call_x", "noop", "{}")])]).await;
    let client = builder(&server.uri()).build().unwrap();
    #[derive(Deserialize, schemars::JsonSchema)]
    struct Empty {}
    let toolbox = ToolBox::new()
        .add("noop", "Does nothing", |_: Empty| async move { Ok("done") })
        .max_rounds(3);
    let err = client
        .chat()
        .run_tools(ChatRequest::new("m").user("loop"), &toolbox)
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ToolRounds { rounds: 3 }),
        "{err:?}"
    );
    assert_eq!(bodies(&server).await.len(), 4);
}

#[tokio::test]
async fn a_forced_tool_choice_is_relaxed_after_the_first_round() {
    let server = sequence(vec![calls(&[("call_x", "noop", "{}")]), answer("ok")]).await;
    let client = builder(&server.uri()).build().unwrap();
    #[derive(Deserialize, schemars::JsonSchema)]
    struct Empty {}
    let toolbox = ToolBox::new().add("noop", "Does nothing", |_: Empty| async move { Ok("done") });
    let req = ChatRequest::new("m")
        .user("x")
        .tool_choice(ToolChoice::function("noop"));
    client.chat().run_tools(req, &toolbox).await.unwrap();
    let sent = bodies(&server).await;
    assert_eq!(sent[0]["tool_choice"]["function"]["name"], "noop");
    assert_eq!(sent[1]["tool_choice"], "auto");
}

#[tokio::test]
async fn a_streamed_tool_call_assembles_and_parses() {
    let (base, _) = scripted(vec![Script::sse_text(&fixture(
        "openai/tool_calls_parallel.sse",
    ))])
    .await;
    let client = builder(&base).build().unwrap();
    let done = client
        .chat()
        .stream(ChatRequest::new("m").user("x"))
        .await
        .unwrap()
        .into_completion()
        .await
        .unwrap();
    let calls = done.tool_calls();
    assert_eq!(calls.len(), 2);
    for call in calls {
        let v: Value = call.parse_arguments().unwrap();
        assert!(v.is_object(), "{v}");
    }
}

#[tokio::test]
async fn a_streamed_structured_answer_parses() {
    let chunks: String = [
        r#"{"city":"Pa"#,
        r#"ris","temperature_c":2"#,
        r#"1.5,"conditions":["sun"]}"#,
    ]
    .iter()
    .map(|piece| data(&text_chunk(piece)))
    .chain([data(&finish_chunk("stop")), "data: [DONE]\n\n".to_string()])
    .collect();
    let (base, seen) = scripted(vec![Script::sse_text(&chunks)]).await;
    let client = builder(&base).build().unwrap();
    let req = ChatRequest::new("m")
        .user("x")
        .json_schema::<Weather>()
        .unwrap();
    let done = client
        .chat()
        .stream(req)
        .await
        .unwrap()
        .into_completion()
        .await
        .unwrap();
    let parsed = requesty::Parsed::<Weather>::from_completion(done).unwrap();
    assert_eq!(parsed.value.temperature_c, 21.5);
    assert_eq!(
        seen.bodies.lock().unwrap()[0]["response_format"]["json_schema"]["name"],
        "Weather"
    );
}

#[test]
fn a_strict_tool_with_a_map_fails_validation_naming_why() {
    #[derive(Deserialize, schemars::JsonSchema)]
    #[allow(dead_code)]
    struct Scores {
        by_name: std::collections::HashMap<String, i32>,
    }
    let tool = Tool::function::<Scores>("scores", "Scores").strict();
    let err = ChatRequest::new("m")
        .user("x")
        .tool(tool.clone())
        .validate()
        .unwrap_err();
    assert!(
        err.to_string().contains("tools[0].function.parameters"),
        "{err}"
    );
    assert!(err.to_string().contains("by_name"), "{err}");
    // Without strict the plain schema is fine.
    let mut lax = tool;
    lax.function.strict = None;
    ChatRequest::new("m")
        .user("x")
        .tool(lax)
        .validate()
        .unwrap();
    // And parse::<T> of such a type fails before sending.
    let e = ChatRequest::new("m")
        .user("x")
        .json_schema::<Scores>()
        .unwrap_err();
    assert!(e.to_string().contains("by_name"), "{e}");
}
