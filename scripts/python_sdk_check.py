"""The official `openai` Python SDK against `requesty-router serve`.

Started by scripts/python-sdk-check.sh (which installs the pinned `openai`
and `pydantic` into a virtual environment and builds the binary):

    python scripts/python_sdk_check.py --bin target/debug/requesty-router --work /tmp/dir

It starts a loopback mock OpenAI server (http.server, free port), writes a
router config pointing at it, starts the router on 127.0.0.1:0, and checks
with the SDK (max_retries=0): create, streaming, tool calls (plain and
streamed), `chat.completions.parse` with a Pydantic model, models.list, and
the error classes for 400, 401, 403, 404, 412, 413, 429, 502, 503 and an
in-band stream error. Then it sends SIGTERM and checks that the server
exits cleanly and that the JSONL log holds one record per routed request.
"""

import argparse
import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openai
import pydantic

UPSTREAM_KEY = "sk-mock-upstream-key"
CLIENT_KEY = "sdk-check-client-key"
LIMITED_KEY = "sdk-check-limited-key"
BROKE_KEY = "sdk-check-broke-key"


class Weather(pydantic.BaseModel):
    city: str
    temperature_c: float
    conditions: list[str]


# ---------------------------------------------------------------- mock upstream


def chunk(model, delta, finish=None):
    return {
        "id": "chatcmpl-mock",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


class Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.endswith("/models"):
            self.send_json(200, {"object": "list", "data": [{"id": "gpt-mock", "object": "model", "owned_by": "mock"}]})
        else:
            self.send_json(404, {"error": {"message": "no such path"}})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
        assert self.headers.get("authorization") == f"Bearer {UPSTREAM_KEY}", "the router sends its own provider key"
        for name in self.headers.keys():
            assert not name.lower().startswith("x-requesty-"), f"forwarded {name}"
        assert "requesty" not in body, "the requesty object never reaches a provider"
        last = body["messages"][-1]
        text = last.get("content") if isinstance(last.get("content"), str) else ""
        model = body.get("model", "gpt-mock")
        if "provider-400" in text:
            return self.send_json(400, {"error": {"message": "Invalid value for 'temperature'", "type": "invalid_request_error", "param": "temperature"}})
        if "provider-500" in text:
            return self.send_json(500, {"error": {"message": "the mock upstream exploded"}})
        if "slow" in text:
            time.sleep(2.0)
        if body.get("tools") and last.get("role") == "user":
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})}}],
            }
            finish = "tool_calls"
        elif (body.get("response_format") or {}).get("type") == "json_schema":
            message = {"role": "assistant", "content": json.dumps({"city": "Paris", "temperature_c": 21.5, "conditions": ["sunny", "dry"]})}
            finish = "stop"
        else:
            message = {"role": "assistant", "content": "Hello from the mock upstream"}
            finish = "stop"
        usage = {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}
        if not body.get("stream"):
            return self.send_json(200, {
                "id": "chatcmpl-mock", "object": "chat.completion", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage,
            })
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()

        def send(obj):
            self.wfile.write(f"data: {json.dumps(obj)}\n\n".encode())
            self.wfile.flush()

        send(chunk(model, {"role": "assistant", "content": ""}))
        if message.get("tool_calls"):
            call = message["tool_calls"][0]
            send(chunk(model, {"tool_calls": [{"index": 0, "id": call["id"], "type": "function", "function": {"name": "get_weather", "arguments": ""}}]}))
            args = call["function"]["arguments"]
            for i in range(0, len(args), 5):
                send(chunk(model, {"tool_calls": [{"index": 0, "function": {"arguments": args[i:i + 5]}}]}))
        else:
            words = message["content"].split(" ")
            for i, w in enumerate(words):
                send(chunk(model, {"content": w if i == 0 else " " + w}))
                if "break-stream" in text and i == 1:
                    self.close_connection = True
                    return  # the connection drops mid-answer
        send(chunk(model, {}, finish))
        if (body.get("stream_options") or {}).get("include_usage"):
            last_chunk = chunk(model, {})
            last_chunk["choices"] = []
            last_chunk["usage"] = usage
            send(last_chunk)
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


# ---------------------------------------------------------------- checks


def expect(exc_class, status, fn, what):
    try:
        fn()
    except exc_class as e:
        got = getattr(e, "status_code", None)
        if status is not None and got != status:
            raise AssertionError(f"{what}: expected HTTP {status}, got {got}: {e}")
        body = getattr(e, "body", None)
        if isinstance(body, dict) and "origin" in body:
            print(f"  ok  {what}: {type(e).__name__} {got or ''} origin={body['origin']}")
        else:
            print(f"  ok  {what}: {type(e).__name__} {got or ''}")
        return e
    raise AssertionError(f"{what}: expected {exc_class.__name__}, no error raised")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    work = pathlib.Path(args.work)
    logs = work / "logs"

    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    upstream.daemon_threads = True
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    up_port = upstream.server_address[1]

    config = work / "router.toml"
    config.write_text(f"""
[server]
listen = "127.0.0.1:0"
keep_alive_ms = 200
max_body_bytes = 65536
shutdown_grace_secs = 10

[router]
default_model = "mockai/gpt-mock"

[providers.mockai]
type = "openai_compatible"
base_url = "http://127.0.0.1:{up_port}/v1"
api_key_env = "MOCK_UPSTREAM_KEY"
timeout_secs = 1.0
first_token_timeout_secs = 1.0

[security]
level = "none"
deny_models = ["mockai/forbidden*"]

[logging]
dir = "{logs.as_posix()}"

[[client_keys]]
name = "sdk"
key_env = "SDK_CLIENT_KEY"

[[client_keys]]
name = "limited"
key_env = "SDK_LIMITED_KEY"
requests_per_minute = 1

[[client_keys]]
name = "broke"
key_env = "SDK_BROKE_KEY"
monthly_spend_usd = 0
""")
    env = dict(os.environ, MOCK_UPSTREAM_KEY=UPSTREAM_KEY, SDK_CLIENT_KEY=CLIENT_KEY,
               SDK_LIMITED_KEY=LIMITED_KEY, SDK_BROKE_KEY=BROKE_KEY)
    check = subprocess.run([args.bin, "check-config", str(config)], env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    server = subprocess.Popen([args.bin, "serve", "--config", str(config)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        assert "listening on http://" in first, f"unexpected start-up line: {first!r} {server.stderr.read() if server.poll() is not None else ''}"
        base_url = first.split("listening on ")[1].split()[0]
        threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
        print(f"requesty-router at {base_url} (upstream mock on port {up_port}); openai {openai.__version__}, pydantic {pydantic.VERSION}")
        routed = run_checks(base_url)
    except BaseException:
        server.kill()
        print(server.stderr.read(), file=sys.stderr)
        raise

    # Graceful shutdown: SIGTERM, clean exit, every record flushed.
    server.send_signal(signal.SIGTERM)
    code = server.wait(timeout=30)
    stderr = server.stderr.read()
    assert code == 0, f"exit code {code}: {stderr}"
    records = []
    for f in sorted(logs.glob("*.jsonl")):
        records += [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
    assert len(records) == routed, f"{len(records)} log records, {routed} routed requests"
    assert any(r.get("dimensions", {}).get("team") == "sdk-check" for r in records), "X-Requesty-Team became a dimension"
    assert any((r.get("origin") or {}).get("title") == "SDK check" for r in records), "X-Title recorded as origin"
    print(f"  ok  shutdown on SIGTERM: exit 0, {len(records)} log records for {routed} routed requests")
    upstream.shutdown()
    print("python SDK check passed")


def run_checks(base_url):
    routed = 0
    client = openai.OpenAI(
        base_url=base_url, api_key=CLIENT_KEY, max_retries=0, timeout=20,
        default_headers={"X-Requesty-Team": "sdk-check", "HTTP-Referer": "https://sdk-check.example", "X-Title": "SDK check"},
    )
    msgs = [{"role": "user", "content": "Say hello"}]

    # create
    r = client.chat.completions.create(model="mockai/gpt-mock", messages=msgs)
    routed += 1
    assert r.choices[0].message.content == "Hello from the mock upstream", r
    assert r.usage and r.usage.total_tokens == 10, r.usage
    print("  ok  chat.completions.create")

    # with_raw_response: the served-by header
    raw = client.chat.completions.with_raw_response.create(model="mockai/gpt-mock", messages=msgs)
    routed += 1
    assert raw.headers.get("x-served-by") == "mockai/gpt-mock", dict(raw.headers)
    print("  ok  with_raw_response (x-served-by)")

    # stream
    pieces = []
    for c in client.chat.completions.create(model="mockai/gpt-mock", messages=msgs, stream=True):
        if c.choices and c.choices[0].delta.content:
            pieces.append(c.choices[0].delta.content)
    routed += 1
    assert "".join(pieces) == "Hello from the mock upstream", pieces
    usage_seen = None
    for c in client.chat.completions.create(model="mockai/gpt-mock", messages=msgs, stream=True,
                                            stream_options={"include_usage": True}):
        if c.usage:
            usage_seen = c.usage
    routed += 1
    assert usage_seen and usage_seen.total_tokens == 10
    print("  ok  streaming (text, include_usage)")

    # tool calls
    tools = [openai.pydantic_function_tool(Weather, name="get_weather", description="Get the weather")]
    r = client.chat.completions.create(model="mockai/gpt-mock", messages=[{"role": "user", "content": "Weather in Paris?"}], tools=tools)
    routed += 1
    call = r.choices[0].message.tool_calls[0]
    assert r.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}
    args = ""
    name = None
    for c in client.chat.completions.create(model="mockai/gpt-mock", messages=[{"role": "user", "content": "Weather in Paris?"}], tools=tools, stream=True):
        for tc in (c.choices[0].delta.tool_calls or []) if c.choices else []:
            name = tc.function.name or name
            args += tc.function.arguments or ""
    routed += 1
    assert name == "get_weather" and json.loads(args) == {"city": "Paris"}, (name, args)
    # the tool result round trip
    r2 = client.chat.completions.create(model="mockai/gpt-mock", messages=[
        {"role": "user", "content": "Weather in Paris?"},
        r.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"temp_c": 21})},
    ], tools=tools)
    routed += 1
    assert r2.choices[0].message.content
    print("  ok  tool calls (plain, streamed, round trip)")

    # structured outputs with a Pydantic model
    parse = getattr(client.chat.completions, "parse", None) or client.beta.chat.completions.parse
    p = parse(model="mockai/gpt-mock", messages=[{"role": "user", "content": "Weather in Paris as JSON"}], response_format=Weather)
    routed += 1
    w = p.choices[0].message.parsed
    assert isinstance(w, Weather) and w.city == "Paris" and w.temperature_c == 21.5, w
    print("  ok  chat.completions.parse with a Pydantic model")

    # models
    ids = [m.id for m in client.models.list()]
    assert "mockai/gpt-mock" in ids, ids
    print("  ok  models.list")

    # errors, with the SDK's classes
    def call(c=client, **kw):
        kw.setdefault("model", "mockai/gpt-mock")
        kw.setdefault("messages", msgs)
        return c.chat.completions.create(**kw)

    e = expect(openai.BadRequestError, 400, lambda: call(temperature=5), "400 invalid parameter (router)")
    assert "temperature" in str(e)
    e = expect(openai.BadRequestError, 400, lambda: call(messages=[{"role": "user", "content": "provider-400"}]), "400 from the provider, passed through")
    routed += 1
    assert e.body.get("origin") == "provider" and "temperature" in e.body.get("message", "")
    omit = openai.Omit() if hasattr(openai, "Omit") else openai._types.Omit()
    expect(openai.AuthenticationError, 401, lambda: call(extra_headers={"Authorization": omit}), "401 missing key")
    expect(openai.PermissionDeniedError, 403, lambda: call(c=openai.OpenAI(base_url=base_url, api_key="wrong", max_retries=0)), "403 invalid key")
    e = expect(openai.PermissionDeniedError, 403, lambda: call(model="mockai/forbidden-model", extra_headers={"X-Security-Level": "enterprise"}), "403 blocked by the security policy")
    routed += 1
    expect(openai.BadRequestError, 400, lambda: call(extra_headers={"X-Security-Level": "paranoid"}), "400 bad X-Security-Level header")
    expect(openai.NotFoundError, 404, lambda: call(model="nope/model-x"), "404 unknown provider")
    routed += 1
    expect(openai.APIStatusError, 412, lambda: call(c=openai.OpenAI(base_url=base_url, api_key=BROKE_KEY, max_retries=0)), "412 monthly spend limit")
    expect(openai.APIStatusError, 413, lambda: call(messages=[{"role": "user", "content": "x" * 70000}]), "413 body too large")
    limited = openai.OpenAI(base_url=base_url, api_key=LIMITED_KEY, max_retries=0)
    call(c=limited)
    routed += 1
    e = expect(openai.RateLimitError, 429, lambda: call(c=limited), "429 rate limit")
    assert e.response.headers.get("retry-after"), "Retry-After"
    expect(openai.InternalServerError, 502, lambda: call(messages=[{"role": "user", "content": "provider-500"}]), "502 provider error")
    routed += 1
    expect(openai.InternalServerError, 503, lambda: call(messages=[{"role": "user", "content": "slow"}]), "503 provider timeout")
    routed += 1

    def broken_stream():
        for _ in call(messages=[{"role": "user", "content": "break-stream please"}], stream=True):
            pass
    e = expect(openai.APIError, None, broken_stream, "broken provider stream: in-band error event")
    routed += 1
    assert isinstance(e.body, dict) and e.body.get("status") == 502, e.body
    return routed


if __name__ == "__main__":
    main()
