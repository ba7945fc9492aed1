#!/usr/bin/env bash
# Re-records the fixtures under tests/fixtures/{llamacpp,llama-cpp-python,anthropic-llamacpp}
# from real servers on 127.0.0.1. Needs the servers built by ../shared/tools/real-servers.sh
# (REAL, default /tmp/real-servers). Not run by CI: the recorded files are committed.
set -euo pipefail
REAL=${REAL:-/tmp/real-servers}
cd "$(dirname "$0")/../tests/fixtures"
"$REAL/llama-server" -m "$REAL/model.gguf" --host 127.0.0.1 --port 8080 -c 4096 --jinja -a smollm2 -t 2 -np 2 >/tmp/llama-server.log 2>&1 &
P1=$!
"$REAL/lcp/bin/python" -m llama_cpp.server --model "$REAL/model.gguf" --model_alias smollm2 --host 127.0.0.1 \
  --port 8002 --n_ctx 2048 --chat_format chatml-function-calling >/tmp/lcp.log 2>&1 &
P2=$!
trap 'kill $P1 $P2' EXIT
until curl -sf 127.0.0.1:8080/health >/dev/null && curl -sf 127.0.0.1:8002/v1/models >/dev/null; do sleep 1; done

post() { curl -sN "127.0.0.1:$1$2" -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' -d "$3"; }
SYS='{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello in French and add an emoji."}'
post 8080 /v1/chat/completions '{"model":"smollm2","messages":['"$SYS"'],"stream":true,"stream_options":{"include_usage":true},"max_tokens":24,"temperature":0,"seed":1}' > llamacpp/text_stream.sse
post 8080 /v1/chat/completions '{"model":"smollm2","messages":['"$SYS"'],"max_tokens":24,"temperature":0,"seed":1}' > llamacpp/text_completion.json
post 8080 /v1/chat/completions '{"model":"smollm2","messages":[{"role":"user","content":"Write a short poem about the sea, with accents like café and naïve."}],"stream":true,"stream_options":{"include_usage":true},"max_tokens":60,"temperature":0,"seed":1}' > llamacpp/poem_stream.sse
post 8080 /v1/chat/completions '{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"stream":true,"max_tokens":8,"n":1,"logprobs":true,"top_logprobs":2,"temperature":0}' > llamacpp/logprobs_stream.sse
post 8080 /v1/chat/completions '{"model":"smollm2","messages":[{"role":"user","content":"Give the weather in Paris as JSON."}],"response_format":{"type":"json_schema","json_schema":{"name":"Weather","strict":true,"schema":{"type":"object","properties":{"city":{"type":"string"},"temperature_c":{"type":"number"},"conditions":{"type":"array","items":{"type":"string"}}},"required":["city","temperature_c","conditions"],"additionalProperties":false}}},"max_tokens":60,"temperature":0}' > llamacpp/structured_completion.json
TOOLS='"tools":[{"type":"function","function":{"name":"get_current_weather","description":"Get the current weather","parameters":{"type":"object","properties":{"location":{"type":"string","description":"City and country, e.g. Paris, France"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location"]}}}],"tool_choice":{"type":"function","function":{"name":"get_current_weather"}}'
post 8002 /v1/chat/completions '{"model":"smollm2","messages":[{"role":"user","content":"What is the weather in Paris?"}],"stream":true,'"$TOOLS"',"max_tokens":40,"temperature":0}' > llama-cpp-python/tool_call_stream.sse
post 8002 /v1/chat/completions '{"model":"smollm2","messages":[{"role":"user","content":"What is the weather in Paris?"}],'"$TOOLS"',"max_tokens":40,"temperature":0}' > llama-cpp-python/tool_call_completion.json
MSG='"model":"smollm2","max_tokens":20,"system":"You are terse.","messages":[{"role":"user","content":"Say hello."}]'
post 8080 /v1/messages '{'"$MSG"',"stream":true}' > anthropic-llamacpp/messages_stream.sse
post 8080 /v1/messages '{'"$MSG"'}' > anthropic-llamacpp/messages.json
echo "fixtures recorded"
