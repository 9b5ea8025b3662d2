"""The API key: required on every route but the health probes, in either header, compared in constant time."""
import numpy as np
import pytest

from .conftest import API_KEY

SAMPLE = {"inputs": np.zeros((1, 28, 28)).tolist()}


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": API_KEY}, {"Authorization": f"Basic {API_KEY}"},
                                     {"X-API-Key": API_KEY[:-1]}, {"X-API-Key": API_KEY + "x"}])
def test_missing_or_wrong_key_is_401(servers, headers):
    status, response_headers, body = servers["guarded"].post_json("/predict", SAMPLE, headers)
    assert status == 401 and "API key" in body["error"] and response_headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("path", ["/info", "/metrics", "/no-such-route"])
def test_every_route_but_health_needs_the_key(servers, path):
    assert servers["guarded"].request("GET", path)[0] == 401
    assert servers["guarded"].request("GET", path, headers={"X-API-Key": API_KEY})[0] in (200, 404)


@pytest.mark.parametrize("headers", [{"X-API-Key": API_KEY}, {"Authorization": f"Bearer {API_KEY}"},
                                     {"Authorization": f"bearer {API_KEY}"}])
def test_the_right_key_in_either_header_is_accepted(servers, headers):
    assert servers["guarded"].post_json("/predict", SAMPLE, headers)[0] == 200


def test_health_probes_need_no_key(servers):
    assert servers["guarded"].request("GET", "/health/live")[0] == 200
    assert servers["guarded"].request("GET", "/health/ready")[0] == 200


def test_the_key_is_compared_in_constant_time():
    import inspect
    from axonml.serve import app
    assert "hmac.compare_digest" in inspect.getsource(app._Guard._authorized)
