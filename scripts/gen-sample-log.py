#!/usr/bin/env python3
"""Writes a deterministic sample request log (schema v1 LogRecord lines).

    python3 scripts/gen-sample-log.py [OUT]   # default tests/fixtures/logs/sample.jsonl

200 requests over one hour: several models and providers, streams with
time-to-first-token, fallbacks, errors (including a latency spike with
timeouts around 14:25-14:35 UTC), dropped streams, cache hits, a model with
an unknown price, caller and automatic tags, and dimensions. The output is
byte-for-byte the same on every run (fixed seed, no clock).
"""

import json
import math
import os
import random
import sys
from datetime import datetime, timezone

SEED = 20260115
COUNT = 200
START_MS = int(datetime(2026, 1, 15, 14, 0, 0, tzinfo=timezone.utc).timestamp() * 1000)
SPAN_MS = 3600 * 1000

# provider, model, weight, median latency ms, $ per 1M input, $ per 1M output (None = unknown)
MODELS = [
    ("openai", "gpt-4o-mini", 30, 900, 0.15, 0.60),
    ("openai", "gpt-4o", 12, 1800, 2.50, 10.00),
    ("anthropic", "claude-sonnet-4-20250514", 14, 2600, 3.00, 15.00),
    ("anthropic", "claude-3-5-haiku-20241022", 10, 1100, 0.80, 4.00),
    ("google", "gemini-2.0-flash", 14, 700, 0.10, 0.40),
    ("mistral", "mistral-small-latest", 8, 800, 0.10, 0.30),
    ("local", "llama-3.1-8b-instruct", 8, 1400, None, None),
]
POLICIES = {"policy/reliable": ["anthropic/claude-sonnet-4-20250514", "openai/gpt-4o"],
            "policy/cheap": ["google/gemini-2.0-flash", "openai/gpt-4o-mini"]}
APPS = [("app:chat", 5), ("app:summarizer", 3), ("app:code-review", 2), ("app:search", 2)]
TOPICS = ["topic:coding", "topic:writing", "topic:support", "topic:data", "topic:translation"]
TEAMS = ["search", "support", "growth", "platform"]
FEATURES = {"app:chat": "chat", "app:summarizer": "summarize",
            "app:code-review": "review", "app:search": "answer"}


def rfc3339(ms):
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def pick(rng, weighted):
    total = sum(w for _, w in weighted)
    x = rng.uniform(0, total)
    for item, w in weighted:
        x -= w
        if x <= 0:
            return item
    return weighted[-1][0]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "logs", "sample.jsonl")
    rng = random.Random(SEED)
    by_target = {f"{p}/{m}": (p, m, lat, pin, pout) for p, m, _, lat, pin, pout in MODELS}
    times = sorted(rng.randrange(0, SPAN_MS) for _ in range(COUNT))
    lines = []
    for i, offset in enumerate(times):
        t = START_MS + offset
        minute = offset / 60000
        spike = 25 <= minute < 35  # the anthropic slowdown
        app = pick(rng, APPS)
        tags = [app]
        if rng.random() < 0.3:
            tags.append("env:staging")
        else:
            tags.append("env:prod")
        if rng.random() < 0.15:
            tags.append("experiment:prompt-v2")
        tags.append(rng.choice(TOPICS))

        # What the caller asked for: a policy or a direct model.
        if rng.random() < 0.25:
            requested = rng.choice(sorted(POLICIES))
            chain = POLICIES[requested]
        else:
            p, m = pick(rng, [((p, m), w) for p, m, w, *_ in MODELS])
            requested = f"{p}/{m}"
            chain = [requested]

        stream = rng.random() < 0.55
        attempts = []
        served = None
        outcome = "ok"
        error = None
        latency_total = 0.0
        for target in chain:
            prov, model, median, _, _ = by_target[target]
            slow = spike and prov == "anthropic"
            fail_p = 0.45 if slow else 0.03
            lat = median * math.exp(rng.gauss(0, 0.45)) * (3.2 if slow else 1.0)
            if rng.random() < fail_p:
                if slow or rng.random() < 0.4:
                    att = {"target": target, "error": "timeout", "latency_ms": round(min(lat, 30000.0), 1)}
                else:
                    status = rng.choice([429, 500, 503])
                    att = {"target": target, "status": status, "error": "api",
                           "latency_ms": round(lat * 0.2, 1)}
                attempts.append(att)
                latency_total += att["latency_ms"]
                continue
            attempts.append({"target": target, "latency_ms": round(lat, 1)})
            latency_total += lat
            served = target
            break

        rec = {
            "schema_version": 1,
            "request_id": f"req_{SEED % 10000:04d}{i:05d}",
            "started_at": rfc3339(t),
            "started_at_ms": t,
            "stream": stream,
            "model_requested": requested,
        }
        if rng.random() < 0.4:
            rec["user_id"] = f"user_{rng.randrange(1, 40):03d}"
        cache_hit = False
        if served is None:
            outcome = "error"
            last = attempts[-1]
            if last.get("status"):
                error = {"class": "api", "status": last["status"],
                         "message": f"upstream returned HTTP {last['status']}"}
            else:
                error = {"class": "timeout", "message": "request timeout after 30s"}
            rec["latency_ms"] = round(latency_total, 1)
        else:
            prov, model, _, pin, pout = by_target[served]
            cache_hit = rng.random() < 0.04
            prompt = int(rng.lognormvariate(math.log(900), 0.8))
            completion = int(rng.lognormvariate(math.log(260), 0.7))
            cached = int(prompt * rng.choice([0, 0, 0, 0.5, 0.8]))
            if cache_hit:
                latency_total = rng.uniform(1.5, 6.0)
                attempts = []
            rec["latency_ms"] = round(latency_total, 1)
            if stream and not cache_hit:
                ttft = latency_total * rng.uniform(0.12, 0.35)
                rec["ttft_ms"] = round(ttft, 1)
                rec["tokens_per_sec"] = round(completion / max((latency_total - ttft) / 1000, 0.05), 1)
            rec["served_by"] = served
            rec["provider"] = prov
            rec["model"] = model
            if stream and not cache_hit and rng.random() < 0.04:
                outcome = "dropped"
                completion //= 3
            rec["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion,
                            "total_tokens": prompt + completion, "cached_tokens": cached,
                            "cache_write_tokens": 0, "reasoning_tokens": 0}
            if cache_hit:
                rec["cost_usd"] = 0.0
            elif pin is not None:
                rec["cost_usd"] = round((prompt * pin + completion * pout) / 1e6, 8)
            rec["finish_reason"] = "length" if outcome == "dropped" else "stop"
        rec["attempts"] = attempts
        rec["tags"] = tags
        rec["dimensions"] = {"team": rng.choice(TEAMS), "feature": FEATURES[app]}
        if app == "app:chat":
            rec["origin"] = {"title": "Support Chat"}
        rec["cache_hit"] = cache_hit
        rec["outcome"] = outcome
        if error:
            rec["error"] = error
        lines.append(json.dumps(rec, separators=(",", ":"), sort_keys=False))

    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} records to {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
