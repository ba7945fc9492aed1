//! Streaming against loopback servers: fixtures, terminators, in-band errors,
//! timeouts, resets, cancellation.

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures::StreamExt;
use requesty::{ChatRequest, ChatStream, ErrorKind, FinishReason, TimeoutKind};
use serde_json::{Value, json};

fn hello() -> ChatRequest {
    ChatRequest::new("openai/gpt-4o-mini").user("Hello")
}

async fn client_for(scripts: Vec<Script>) -> (requesty::Client, std::sync::Arc<Seen>) {
    let (base, seen) = scripted(scripts).await;
    (builder(&base).build().unwrap(), seen)
}

/// Collects every item; the stream must end after an error.
async fn collect(
    mut s: ChatStream,
) -> (Vec<requesty::ChatCompletionChunk>, Option<requesty::Error>) {
    let mut chunks = vec![];
    while let Some(item) = s.next().await {
        match item {
            Ok(c) => chunks.push(c),
            Err(e) => {
                assert!(
                    s.next().await.is_none(),
                    "the stream goes on after an error"
                );
                return (chunks, Some(e));
            }
        }
    }
    (chunks, None)
}

#[tokio::test]
async fn a_recorded_llama_server_stream_assembles_into_the_answer() {
    let sse = fixture("llamacpp/text_stream.sse");
    let (client, seen) = client_for(vec![Script::sse_text(&sse)]).await;
    let stream = client.chat().stream(hello()).await.unwrap();
    assert_eq!(stream.request_id(), Some("req_0"));
    let (chunks, err) = collect(stream).await;
    assert!(err.is_none(), "{err:?}");
    let text: String = chunks.iter().filter_map(|c| c.delta_text()).collect();
    assert_eq!(text, "Je suis le monde.");
    let last = chunks.last().unwrap();
    assert!(last.choices.is_empty());
    assert_eq!(last.usage.as_ref().unwrap().total_tokens, 37);

    // stream() sets stream and include_usage itself.
    let body = seen.bodies.lock().unwrap()[0].clone();
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
}

#[tokio::test]
async fn into_completion_equals_the_non_streamed_answer() {
    let sse = fixture("llamacpp/text_stream.sse");
    let (client, _) = client_for(vec![Script::sse_text(&sse)]).await;
    let done = client
        .chat()
        .stream(hello())
        .await
        .unwrap()
        .into_completion()
        .await
        .unwrap();
    let plain: Value = serde_json::from_str(&fixture("llamacpp/text_completion.json")).unwrap();
    assert_eq!(
        done.text().as_deref(),
        plain["choices"][0]["message"]["content"].as_str()
    );
    assert_eq!(done.finish_reason(), Some(&FinishReason::Stop));
    assert_eq!(done.object, "chat.completion");
    assert_eq!(done.model, "smollm2");
    assert_eq!(done.usage.as_ref().unwrap().completion_tokens, 8);
    assert_eq!(done.request_id(), Some("req_0"));
}

#[tokio::test]
async fn into_completion_after_reading_some_chunks_keeps_them() {
    let sse = fixture("llamacpp/poem_stream.sse");
    let (client, _) = client_for(vec![Script::sse_text(&sse)]).await;
    let mut s = client.chat().stream(hello()).await.unwrap();
    let mut head = String::new();
    for _ in 0..5 {
        if let Some(t) = s.next().await.unwrap().unwrap().delta_text() {
            head.push_str(t);
        }
    }
    let done = s.into_completion().await.unwrap();
    let full = done.text().unwrap();
    assert!(
        full.starts_with(&head) && full.len() > head.len(),
        "{head:?} / {full:?}"
    );
}

#[tokio::test]
async fn the_llama_cpp_python_tool_call_stream_does_not_double_names() {
    let sse = fixture("llama-cpp-python/tool_call_stream.sse");
    let (client, _) = client_for(vec![Script::sse_text(&sse)]).await;
    let done = client
        .chat()
        .stream(hello())
        .await
        .unwrap()
        .into_completion()
        .await
        .unwrap();
    let plain: Value =
        serde_json::from_str(&fixture("llama-cpp-python/tool_call_completion.json")).unwrap();
    let calls = done.tool_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].function.name, "get_current_weather");
    assert_eq!(
        calls[0].id,
        "call__0_get_current_weather_cmpl-a4c0f2dc-d06d-4823-a8b4-4732797581e2"
    );
    let args: Value = serde_json::from_str(&calls[0].function.arguments).unwrap();
    let plain_args: Value = serde_json::from_str(
        plain["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(args, plain_args);
    assert_eq!(done.finish_reason(), Some(&FinishReason::ToolCalls));
}

#[tokio::test]
async fn include_usage_false_is_respected() {
    let sse = fixture("llamacpp/text_stream.sse");
    let (client, seen) = client_for(vec![Script::sse_text(&sse)]).await;
    let _ = client
        .chat()
        .stream(hello().include_usage(false))
        .await
        .unwrap();
    assert_eq!(
        seen.bodies.lock().unwrap()[0]["stream_options"],
        json!({"include_usage": false})
    );
}

#[tokio::test]
async fn a_stream_cut_before_done_ends_with_an_error() {
    let body = [data(&text_chunk("Hel")), data(&text_chunk("lo"))].concat();
    let (client, _) = client_for(vec![Script::sse_text(&body)]).await;
    let (chunks, err) = collect(client.chat().stream(hello()).await.unwrap()).await;
    assert_eq!(chunks.len(), 2);
    let err = err.expect("a truncated stream must not end silently");
    assert!(matches!(err.kind(), ErrorKind::Stream { .. }), "{err:?}");
    assert!(err.to_string().contains("truncated"), "{err}");

    // into_completion refuses too.
    let (client, _) = client_for(vec![Script::sse_text(&body)]).await;
    let e = client
        .chat()
        .stream(hello())
        .await
        .unwrap()
        .into_completion()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("truncated"));
}

#[tokio::test]
async fn a_stream_cut_inside_an_event_ends_with_an_error() {
    let body = format!(
        "{}data: {{\"id\":\"chatcmpl-1\",\"choi",
        data(&text_chunk("Hi"))
    );
    let (client, _) = client_for(vec![Script::sse_text(&body)]).await;
    let (chunks, err) = collect(client.chat().stream(hello()).await.unwrap()).await;
    assert_eq!(chunks.len(), 1);
    assert!(err.is_some());
}

#[tokio::test]
async fn no_done_but_every_choice_finished_is_a_clean_end() {
    // TGI and some llama.cpp forks send no [DONE].
    let body = [data(&text_chunk("Hi")), data(&finish_chunk("stop"))].concat();
    let (client, _) = client_for(vec![Script::sse_text(&body)]).await;
    let (chunks, err) = collect(client.chat().stream(hello()).await.unwrap()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(chunks.len(), 2);
}

#[tokio::test]
async fn an_empty_stream_is_an_error() {
    let (client, _) = client_for(vec![Script::sse_text("")]).await;
    let (chunks, err) = collect(client.chat().stream(hello()).await.unwrap()).await;
    assert!(chunks.is_empty());
    assert!(err.unwrap().to_string().contains("without any chunk"));
}

#[tokio::test]
async fn an_in_band_error_object_is_an_error_item_with_the_message() {
    let body = [
        data(&text_chunk("Hi")),
        data(&json!({"error": {"origin": "provider", "message": "There was a problem with the provider stream"}})),
        data(&text_chunk("never")),
    ]
    .concat();
    let (client, _) = client_for(vec![Script::sse_text(&body)]).await;
    let (chunks, err) = collect(client.chat().stream(hello()).await.unwrap()).await;
    assert_eq!(chunks.len(), 1);
    let err = err.unwrap();
    assert!(
        err.to_string().contains("problem with the provider stream"),
        "{err}"
    );
    assert_eq!(err.origin(), Some(&requesty::Origin::Provider));
}

#[tokio::test]
async fn an_error_event_is_an_error_item() {
    let body = format!(
        "{}event: error\ndata: {{\"error\":{{\"message\":\"Overloaded\",\"type\":\"overloaded_error\"}}}}\n\n",
        data(&text_chunk("Hi"))
    );
    let (client, _) = client_for(vec![Script::sse_text(&body)]).await;
    let (_, err) = collect(client.chat().stream(hello()).await.unwrap()).await;
    let err = err.unwrap();
    assert!(err.to_string().contains("Overloaded"), "{err}");
    assert_eq!(
        err.api().unwrap().error_type.as_deref(),
        Some("overloaded_error")
    );
}

#[tokio::test]
async fn a_malformed_chunk_is_a_decode_error_item() {
    let body = format!("{}data: {{not json}}\n\n", data(&text_chunk("Hi")));
    let (client, _) = client_for(vec![Script::sse_text(&body)]).await;
    let (_, err) = collect(client.chat().stream(hello()).await.unwrap()).await;
    assert!(matches!(err.unwrap().kind(), ErrorKind::Decode { .. }));
}

#[tokio::test]
async fn keep_alive_comments_crlf_and_split_reads_are_handled() {
    let body = [
        ": OPENROUTER PROCESSING\r\n\r\n".to_string(),
        data(&text_chunk("caf")).replace('\n', "\r\n"),
        data(&text_chunk("é 🦀")),
        data(&finish_chunk("stop")),
        "data: [DONE]\n\n".to_string(),
    ]
    .concat();
    // Split into 3-byte reads, cutting characters and line ends.
    let parts: Vec<Part> = body
        .as_bytes()
        .chunks(3)
        .map(|c| Part::Bytes(c.to_vec()))
        .collect();
    let (client, _) = client_for(vec![Script::sse(parts)]).await;
    let done = client
        .chat()
        .stream(hello())
        .await
        .unwrap()
        .into_completion()
        .await
        .unwrap();
    assert_eq!(done.text().as_deref(), Some("café 🦀"));
}

#[tokio::test]
async fn http_errors_come_back_from_the_call_and_are_retried() {
    let scripts = vec![
        Script::status(
            429,
            "application/json",
            r#"{"error":{"origin":"provider","message":"Too many requests"}}"#,
        )
        .header("retry-after-ms", "10"),
        Script::sse_text(&fixture("llamacpp/text_stream.sse")),
    ];
    let (base, seen) = scripted(scripts).await;
    let client = builder(&base).max_retries(1).build().unwrap();
    let done = client
        .chat()
        .stream(hello())
        .await
        .unwrap()
        .into_completion()
        .await
        .unwrap();
    assert_eq!(done.text().as_deref(), Some("Je suis le monde."));
    assert_eq!(seen.hits.load(std::sync::atomic::Ordering::SeqCst), 2);

    let (base, _) = scripted(vec![Script::status(
        401,
        "application/json",
        r#"{"error":{"message":"bad key"}}"#,
    )])
    .await;
    let client = builder(&base).max_retries(3).build().unwrap();
    let err = client.chat().stream(hello()).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
}

#[tokio::test]
async fn a_json_answer_to_a_stream_request_is_not_taken_for_a_stream() {
    let (client, _) = client_for(vec![Script::status(
        200,
        "application/json",
        r#"{"error":{"message":"streaming is disabled"}}"#,
    )])
    .await;
    let err = client.chat().stream(hello()).await.unwrap_err();
    assert!(err.to_string().contains("streaming is disabled"), "{err}");

    let (client, _) = client_for(vec![Script::status(
        200,
        "application/json",
        &fixture("llamacpp/text_completion.json"),
    )])
    .await;
    let err = client.chat().stream(hello()).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn silence_between_chunks_hits_the_read_timeout() {
    let parts = vec![
        Part::text(&data(&text_chunk("Hi"))),
        Part::Sleep(Duration::from_secs(5)),
        Part::text("data: [DONE]\n\n"),
    ];
    let (base, _) = scripted(vec![Script::sse(parts)]).await;
    let client = builder(&base)
        .read_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let t = Instant::now();
    let (chunks, err) = collect(client.chat().stream(hello()).await.unwrap()).await;
    assert_eq!(chunks.len(), 1);
    let err = err.unwrap();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Timeout {
                kind: TimeoutKind::Read,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn waiting_for_the_first_chunk_is_bounded_by_timeout_even_with_keep_alives() {
    let mut parts = vec![];
    for _ in 0..40 {
        parts.push(Part::text(": keep-alive\n\n"));
        parts.push(Part::Sleep(Duration::from_millis(50)));
    }
    parts.push(Part::text(&data(&text_chunk("late"))));
    let (base, _) = scripted(vec![Script::sse(parts)]).await;
    let client = builder(&base)
        .timeout(Duration::from_millis(400))
        .read_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let t = Instant::now();
    let (chunks, err) = collect(client.chat().stream(hello()).await.unwrap()).await;
    assert!(chunks.is_empty());
    let err = err.unwrap();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Timeout {
                kind: TimeoutKind::Request,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn a_long_healthy_stream_is_not_cut_by_the_total_timeout() {
    let mut parts = vec![];
    for i in 0..12 {
        parts.push(Part::text(&data(&text_chunk(&format!("{i} ")))));
        parts.push(Part::Sleep(Duration::from_millis(50)));
    }
    parts.push(Part::text(&data(&finish_chunk("stop"))));
    parts.push(Part::text("data: [DONE]\n\n"));
    let (base, _) = scripted(vec![Script::sse(parts)]).await;
    let client = builder(&base)
        .timeout(Duration::from_millis(250))
        .read_timeout(Duration::from_millis(250))
        .build()
        .unwrap();
    let done = client
        .chat()
        .stream(hello())
        .await
        .unwrap()
        .into_completion()
        .await
        .unwrap();
    assert_eq!(done.text().unwrap(), "0 1 2 3 4 5 6 7 8 9 10 11 ");
}

#[tokio::test]
async fn a_reset_mid_stream_is_an_error_item() {
    let parts = vec![
        Part::text(&data(&text_chunk("Hi"))),
        Part::Sleep(Duration::from_millis(100)),
        Part::Reset,
    ];
    let (client, _) = client_for(vec![Script::sse(parts)]).await;
    let (chunks, err) = collect(client.chat().stream(hello()).await.unwrap()).await;
    assert_eq!(chunks.len(), 1);
    let err = err.unwrap();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Transport { .. } | ErrorKind::Stream { .. }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn dropping_the_stream_cancels_the_request() {
    let mut parts = vec![];
    for _ in 0..200 {
        parts.push(Part::text(&data(&text_chunk("x"))));
        parts.push(Part::Sleep(Duration::from_millis(10)));
    }
    let (client, seen) = client_for(vec![Script::sse(parts)]).await;
    let mut s = client.chat().stream(hello()).await.unwrap();
    s.next().await.unwrap().unwrap();
    drop(s);
    let t = Instant::now();
    while !seen.abandoned.load(std::sync::atomic::Ordering::SeqCst) {
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "the server kept streaming"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(seen.completed.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_stream_can_move_into_a_task() {
    fn check<T: futures::Stream + Send + Unpin + 'static>(_: &T) {}
    let (client, _) =
        client_for(vec![Script::sse_text(&fixture("llamacpp/text_stream.sse"))]).await;
    let s = client.chat().stream(hello()).await.unwrap();
    check(&s);
    let text = tokio::spawn(async move {
        s.filter_map(|c| async move { c.ok()?.delta_text().map(str::to_owned) })
            .collect::<String>()
            .await
    })
    .await
    .unwrap();
    assert_eq!(text, "Je suis le monde.");
}

#[tokio::test]
async fn into_completion_after_an_error_item_is_an_error() {
    let body = [data(&text_chunk("Hel")), data(&text_chunk("lo"))].concat();
    let (client, _) = client_for(vec![Script::sse_text(&body)]).await;
    let mut s = client.chat().stream(hello()).await.unwrap();
    while let Some(item) = s.next().await {
        if item.is_err() {
            break;
        }
    }
    let err = s.into_completion().await.unwrap_err();
    assert!(err.to_string().contains("already failed"), "{err}");
}

#[tokio::test]
async fn stream_requests_are_validated_before_sending() {
    let (client, seen) = client_for(vec![Script::sse_text("")]).await;
    let err = client
        .chat()
        .stream(ChatRequest::new("m"))
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidRequest { .. }));
    assert_eq!(seen.hits.load(std::sync::atomic::Ordering::SeqCst), 0);
}

/// The stream fixtures under `tests/fixtures/streams/`, each with its documented outcome.
#[tokio::test]
async fn stream_fixtures_have_their_documented_outcomes() {
    // (fixture, Ok(text) or Err(substring of the error))
    let cases: [(&str, Result<&str, &str>); 4] = [
        ("streams/keepalive_crlf.sse", Ok("Bonjour à tous 👋")),
        (
            "streams/mid_stream_error.sse",
            Err("problem with the provider stream"),
        ),
        ("streams/truncated.sse", Err("truncated")),
        ("streams/error_event.sse", Err("Overloaded")),
    ];
    for (name, expected) in cases {
        let (client, _) = client_for(vec![Script::sse_text(&fixture(name))]).await;
        let got = client
            .chat()
            .stream(hello())
            .await
            .unwrap()
            .into_completion()
            .await;
        match (expected, got) {
            (Ok(text), Ok(done)) => {
                assert_eq!(done.text().as_deref(), Some(text), "{name}");
                assert_eq!(
                    done.usage.as_ref().and_then(|u| u.cost),
                    Some(0.0000042),
                    "{name}"
                );
                assert_eq!(done.extra["provider"], "OpenAI", "{name}");
            }
            (Err(msg), Err(e)) => assert!(e.to_string().contains(msg), "{name}: {e}"),
            (want, got) => panic!("{name}: wanted {want:?}, got {got:?}"),
        }
    }
}
