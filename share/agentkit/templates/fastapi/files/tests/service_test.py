"""Tests of what every service has: health, metrics, logs, errors."""

import json

import fastapi
import pytest

from app import db, problems
from helpers import problem_of


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_metrics_count_requests(client):
    client.get("/health")
    client.get("/health")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert "# TYPE http_requests_total counter" in text
    assert 'http_requests_total{method="GET",path="/health",status="200"} 2' in text
    assert "# TYPE http_request_duration_seconds histogram" in text
    assert 'http_request_duration_seconds_bucket{method="GET",path="/health",le="+Inf"} 2' in text
    assert 'http_request_duration_seconds_count{method="GET",path="/health"} 2' in text
    assert 'http_request_duration_seconds_sum{method="GET",path="/health"} ' in text


def test_metrics_of_unknown_paths_share_one_series(client):
    client.get("/no/such/thing")
    client.get("/nor/this")
    text = client.get("/metrics").text
    assert 'http_requests_total{method="GET",path="unmatched",status="404"} 2' in text
    assert "/no/such/thing" not in text


def test_requests_are_logged_as_json(client, capsys):
    capsys.readouterr()
    client.get("/health")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()
             if line.startswith("{")]
    entries = [e for e in lines if e.get("path") == "/health"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["level"] == "info"
    assert entry["method"] == "GET"
    assert entry["status"] == 200
    assert entry["route"] == "/health"
    assert entry["duration_ms"] >= 0
    assert entry["time"].endswith("Z")


def test_unknown_path_is_a_404_problem(client):
    body = problem_of(client.get("/no/such/thing"), 404)
    assert body["title"] == "Not Found"


def test_wrong_method_is_a_405_problem(client):
    response = client.post("/health")
    problem_of(response, 405)
    assert "GET" in response.headers["allow"]


def test_unexpected_error_is_a_500_problem(client, capsys):
    def fail():
        raise RuntimeError("something broke")

    client.app.add_api_route("/fail", fail)
    body = problem_of(client.get("/fail"), 500)
    assert body["title"] == "Internal Server Error"
    assert "something broke" not in json.dumps(body)
    err = capsys.readouterr().err
    assert "something broke" in err
    text = client.get("/metrics").text
    assert 'http_requests_total{method="GET",path="/fail",status="500"} 1' in text


def test_openapi_document(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["paths"]["/health"]["get"]["operationId"] == "health"
    assert document["paths"]["/metrics"]["get"]["operationId"] == "metrics"


@pytest.mark.parametrize("error, status, field", [
    (db.UniqueViolation("taken", "code"), 409, "code"),
    (db.UniqueViolation("taken"), 409, None),
    (db.ForeignKeyViolation("no such row", "owner_id"), 422, "owner_id"),
    (db.ForeignKeyViolation("no such row"), 422, None),
    (db.IntegrityError("check failed", "size"), 422, "size"),
    (db.IntegrityError("check failed"), 422, None),
])
def test_data_errors_are_problems(client, error, status, field):
    def fail():
        raise error

    client.app.add_api_route("/fail", fail)
    body = problem_of(client.get("/fail"), status)
    assert body["detail"]
    if field is None:
        assert "errors" not in body
    else:
        assert body["errors"][0]["field"] == field


def test_titles():
    assert problems.title_of(404) == "Not Found"
    assert problems.title_of(599) == "Error"


def test_a_body_that_is_not_json_is_a_422_problem(client):
    def echo(body: dict = fastapi.Body(...)):
        return body

    client.app.add_api_route("/echo", echo, methods=["POST"])
    assert client.post("/echo", json={"a": 1}).json() == {"a": 1}
    response = client.post("/echo", content=b"{not json",
                           headers={"content-type": "application/json"})
    body = problem_of(response, 422)
    assert [e["field"] for e in body["errors"]] == ["body"]


def test_query_errors_name_the_parameter(client):
    def page(limit: int = fastapi.Query(1, ge=1)):
        return {"limit": limit}

    client.app.add_api_route("/page", page)
    body = problem_of(client.get("/page", params={"limit": "many"}), 422)
    assert [e["field"] for e in body["errors"]] == ["limit"]


def test_cors_is_off_unless_origins_are_named(client):
    response = client.options("/health", headers={
        "origin": "http://web.example", "access-control-request-method": "GET"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_answers_the_named_origins(database_url, monkeypatch):
    from fastapi.testclient import TestClient
    from app.main import create_app

    monkeypatch.setenv("CORS_ORIGINS", "http://web.example, http://other.example")
    with TestClient(create_app()) as cors_client:
        response = cors_client.options("/health", headers={
            "origin": "http://web.example", "access-control-request-method": "GET"})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "http://web.example"
        response = cors_client.get("/health", headers={"origin": "http://evil.example"})
        assert "access-control-allow-origin" not in response.headers
