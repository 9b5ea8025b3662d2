"""A GGUF language model over HTTP: text prompts stream tokens as server-sent events; JSON gets the text."""
import json

import pytest

from axonml.llm import load_gguf
from axonml.llm.gguf_tokenizer import TokenStreamDecoder


def _events(stream: bytes) -> list:
    """(event name, data) of each server-sent event."""
    events = []
    for block in stream.decode().split("\n\n"):
        if not block.strip():
            continue
        name, data = "message", None
        for line in block.split("\n"):
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data = json.loads(value)
        events.append((name, data))
    return events


@pytest.fixture(scope="module")
def greedy_text(model_files):
    model, tokenizer = load_gguf(model_files["dir"] / "tiny.gguf")
    ids = tokenizer.encode("the cat")
    out = model.generate([ids], max_new_tokens=12, eos_token_id=tokenizer.eos_token_id).numpy()[0, len(ids):]
    stream = TokenStreamDecoder(tokenizer, skip_special_tokens=True)
    return "".join(stream.push(int(t)) for t in out) + stream.flush(), len(out)


def test_info_of_a_language_model(servers):
    info = servers["llm"].request("GET", "/info")[2]
    assert info["format"] == "gguf" and info["context_length"] == 64 and info["accepts"] == ["text/plain",
                                                                                              "application/json"]
    assert info["inputs"] == [{"name": "prompt", "shape": [None], "dtype": "text"}]


def test_text_prompt_streams_tokens_as_server_sent_events(servers, greedy_text):
    status, headers, body = servers["llm"].request("POST", "/predict?max_new_tokens=12", "the cat",
                                                   {"Content-Type": "text/plain; charset=utf-8"})
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    events = _events(body)
    tokens = [data["token"] for name, data in events if name == "message"]
    assert events[-1][0] == "done" and len(tokens) >= 1
    assert "".join(tokens) == events[-1][1]["text"] == greedy_text[0]
    assert events[-1][1]["tokens"] == greedy_text[1]


def test_json_prompt_gets_the_whole_text(servers, greedy_text):
    status, _, body = servers["llm"].post_json("/predict", {"prompt": "the cat", "max_new_tokens": 12})
    assert status == 200 and body["outputs"] == greedy_text[0]


def test_sampling_is_seeded(servers):
    document = {"prompt": "the cat", "max_new_tokens": 8, "temperature": 1.5, "seed": 3}
    first = servers["llm"].post_json("/predict", document)[2]["outputs"]
    assert servers["llm"].post_json("/predict", document)[2]["outputs"] == first


@pytest.mark.parametrize("path, body, headers, status", [
    ("/predict", "", {"Content-Type": "text/plain"}, 400),
    ("/predict", "   ", {"Content-Type": "text/plain"}, 400),
    ("/predict", b"\xff\xfe", {"Content-Type": "text/plain"}, 400),
    ("/predict?max_new_tokens=0", "hi", {"Content-Type": "text/plain"}, 422),
    ("/predict?max_new_tokens=many", "hi", {"Content-Type": "text/plain"}, 422),
    ("/predict?max_new_tokens=100000", "hi", {"Content-Type": "text/plain"}, 422),
    ("/predict?temperature=nan", "hi", {"Content-Type": "text/plain"}, 422),
    ("/predict", json.dumps({"prompt": 3}), {"Content-Type": "application/json"}, 422),
    ("/predict", json.dumps({"prompt": "hi", "max_new_tokens": 2.5}), {"Content-Type": "application/json"}, 422),
    ("/predict", b"\0\0\0\0", {"Content-Type": "application/octet-stream"}, 415),
    ("/batch", json.dumps({"inputs": ["hi"]}), {"Content-Type": "application/json"}, 422),
])
def test_bad_language_model_requests(servers, path, body, headers, status):
    answer = servers["llm"].request("POST", path, body, headers)
    assert answer[0] == status and "error" in answer[2], answer
