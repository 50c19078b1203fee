#!/usr/bin/env bats
# agentctl serve: the requirement intake API over real HTTP (curl, wrk),
# with API keys from the store, tokens made by PyJWT (t/helpers/mkjwt),
# signed webhooks, limits, idempotent retries, the three sinks' answers,
# TLS, and what a kill -9 under load leaves in the store.

load helpers/lib
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	export AGENTKIT_STORE="$T/s.db"
	KEY=$(agentctl keys add ci --scope submit,read 2> /dev/null)
	SERVE_PID=
}

teardown() {
	if [ -n "$SERVE_PID" ]; then
		kill -9 "$SERVE_PID" 2> /dev/null || true
		wait "$SERVE_PID" 2> /dev/null || true
	fi
	common_teardown
}

# serve_start [OPTION]...: start the server on a free port (stdout in
# $T/out.jsonl, stderr in $T/err); sets PORT and URL
serve_start() {
	rm -f "$T/port"
	AGENTKIT_SERVE_PORT_FILE="$T/port" agentctl serve --listen 127.0.0.1:0 "$@" \
		> "${SERVE_OUT:-$T/out.jsonl}" 2> "$T/err" &
	SERVE_PID=$!
	for _ in $(seq 200); do
		[ -s "$T/port" ] && break
		kill -0 "$SERVE_PID" 2> /dev/null || break
		sleep 0.05
	done
	[ -s "$T/port" ] || { cat "$T/err" >&2; return 1; }
	PORT=$(cat "$T/port")
	URL="http://127.0.0.1:$PORT"
}

# post PATH BODY [CURL OPTION]...: POST a JSON body with the key; the
# status goes to stdout, the body to $T/body, the headers to $T/head
post() {
	local path=$1 body=$2
	shift 2
	curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' -X POST "$URL$path" \
		-H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" \
		--data-binary "$body" "$@"
}

# problem: the problem document in $T/body as "STATUS CODE", checked for its type
problem() {
	grep -qi '^content-type: application/problem+json' "$T/head"
	jq -r '"\(.status) \(.type | sub("^urn:agentkit:problem:"; ""))"' "$T/body"
}

# events: the number of requirement.submitted events in the store
events() {
	agentctl replay --type requirement.submitted | wc -l
}

@test "POST /requirements: 202 after the event is in the store, and the status reads it back" {
	serve_start --sink store
	run post /requirements '{"title":"Export invoices","text":"As an accountant I want to export invoices as CSV so that I can file taxes."}'
	[ "$output" = 202 ]
	feature=$(jq -r '.features[0].feature' "$T/body")
	jq -c '{status, n: (.features | length), href: .features[0].href}' "$T/body" > actual
	printf '{"status":"accepted","n":1,"href":"/requirements/%s"}\n' "$feature" > expect
	test_cmp expect actual
	grep -qi "^location: /requirements/$feature" "$T/head"
	agentctl replay --type requirement.submitted | jq -c '[.subject, .data.title, .data.principal, .data.origin, .source]' > actual
	printf '["%s","Export invoices","ci","api","agentkit/agentctl"]\n' "$feature" > expect
	test_cmp expect actual
	event=$(jq -r '.features[0].event' "$T/body")
	[ "$(agentctl replay --type requirement.submitted | jq -r .id)" = "$event" ]
	code=$(curl -s -o "$T/body" -w '%{http_code}' -H "X-API-Key: $KEY" "$URL/requirements/$feature")
	[ "$code" = 200 ]
	jq -c '{feature, stage, events}' "$T/body" > actual
	printf '{"feature":"%s","stage":"requirement.submitted","events":1}\n' "$feature" > expect
	test_cmp expect actual
}

@test "POST /requirements takes Markdown and plain text, and splits on request" {
	serve_start --sink store
	printf '# Billing\n\n## Invoices\n\nAs a user I want invoices.\n\n## Refunds\n\nAs a user I want refunds.\n' > doc.md
	code=$(curl -s -o "$T/body" -w '%{http_code}' -H "X-API-Key: $KEY" \
		-H 'Content-Type: text/markdown; charset=utf-8' --data-binary @doc.md "$URL/requirements")
	[ "$code" = 202 ]
	[ "$(jq '.features | length' "$T/body")" = 1 ]
	code=$(curl -s -o "$T/body" -w '%{http_code}' -H "X-API-Key: $KEY" \
		-H 'Content-Type: text/plain' --data-binary 'Search orders
Users search their orders by date.' "$URL/requirements")
	[ "$code" = 202 ]
	agentctl replay --type requirement.submitted | jq -r '.data.format + " " + .data.title' > actual
	printf 'markdown Billing\ntext Search orders\n' > expect
	test_cmp expect actual
	run post /requirements "$(jq -Rs '{text: ., split: true}' doc.md)"
	[ "$output" = 202 ]
	jq -r '.features[].feature' "$T/body" | sed 's/-[0-9a-f]*$//' > actual
	printf 'invoices\nrefunds\n' > expect
	test_cmp expect actual
}

@test "--sink stdout writes the events, one line each, before answering" {
	serve_start --sink stdout --store "$T/s.db"
	run post /requirements '{"text":"As a user I want to log in."}'
	[ "$output" = 202 ]
	jq -r .type "$T/out.jsonl" > actual
	echo requirement.submitted > expect
	test_cmp expect actual
	[ "$(jq -r .id "$T/out.jsonl")" = "$(jq -r '.features[0].event' "$T/body")" ]
	agentctl validate < "$T/out.jsonl" > /dev/null
}

@test "credentials: missing, unknown, revoked, wrong scope" {
	serve_start --sink store
	code=$(curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data '{"text":"x y z"}' "$URL/requirements")
	[ "$code" = 401 ]
	[ "$(problem)" = "401 unauthorized" ]
	grep -qi '^www-authenticate: Bearer' "$T/head"
	good=$KEY
	KEY=ak_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
	run post /requirements '{"text":"As a user I want it."}'
	[ "$output" = 401 ]
	KEY=$good
	[ "$(problem)" = "401 unauthorized" ]
	RO=$(agentctl keys add reader --scope read 2> /dev/null)
	code=$(curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' -H "X-API-Key: $RO" \
		-H 'Content-Type: application/json' --data '{"text":"As a user I want it."}' "$URL/requirements")
	[ "$code" = 403 ]
	[ "$(problem)" = "403 forbidden" ]
	WO=$(agentctl keys add writer --scope submit 2> /dev/null)
	code=$(curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' -H "X-API-Key: $WO" "$URL/requirements/x-1234")
	[ "$code" = 403 ]
	agentctl keys revoke ci 2> /dev/null
	kill -HUP "$SERVE_PID"
	# poll with a read, which makes no event, until the reload has happened
	for _ in $(seq 100); do
		code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $KEY" "$URL/requirements/x-1234")
		[ "$code" = 401 ] && break
		sleep 0.05
	done
	[ "$code" = 401 ]
	run post /requirements '{"text":"As a user I want it."}'
	[ "$output" = 401 ]
	[ "$(problem)" = "401 unauthorized" ]
	[ "$(events)" = 0 ]
}

@test "bearer tokens: HS256 and ES256 accepted; expired, wrong audience, wrong key, alg none refused" {
	secret=0123456789abcdef0123456789abcdef-test
	export AGENTKIT_SERVE_JWT_SECRET=$secret AGENTKIT_SERVE_JWT_AUDIENCE=intake AGENTKIT_SERVE_JWT_ISSUER=ci
	serve_start --sink store
	now=$(date +%s)
	good=$(mkjwt --alg HS256 --key "$secret" --claims "{\"sub\":\"bot\",\"aud\":\"intake\",\"iss\":\"ci\",\"exp\":$((now + 300)),\"scope\":\"submit read\"}")
	KEY=$good
	run post /requirements '{"text":"As a bot I want to file requirements."}'
	[ "$output" = 202 ]
	[ "$(agentctl replay --type requirement.submitted | jq -r .data.principal)" = jwt:bot ]
	for claims in "{\"sub\":\"bot\",\"aud\":\"intake\",\"iss\":\"ci\",\"exp\":$((now - 300)),\"scope\":\"submit\"}:expired" \
		"{\"sub\":\"bot\",\"aud\":\"other\",\"iss\":\"ci\",\"exp\":$((now + 300)),\"scope\":\"submit\"}:audience" \
		"{\"sub\":\"bot\",\"aud\":\"intake\",\"iss\":\"evil\",\"exp\":$((now + 300)),\"scope\":\"submit\"}:issuer"; do
		KEY=$(mkjwt --alg HS256 --key "$secret" --claims "${claims%:*}")
		run post /requirements '{"text":"As a bot I want more."}'
		[ "$output" = 401 ]
		[ "$(problem)" = "401 unauthorized" ]
		jq -r .detail "$T/body" | grep -q "${claims##*:}"
	done
	KEY=$(mkjwt --alg HS256 --key "another-secret-of-more-than-32-bytes!" --claims "{\"sub\":\"bot\",\"aud\":\"intake\",\"iss\":\"ci\",\"exp\":$((now + 300)),\"scope\":\"submit\"}")
	run post /requirements '{"text":"As a bot I want more."}'
	[ "$output" = 401 ]
	KEY=$(mkjwt --alg none --key x --claims "{\"sub\":\"bot\",\"aud\":\"intake\",\"iss\":\"ci\",\"exp\":$((now + 300)),\"scope\":\"submit\"}")
	run post /requirements '{"text":"As a bot I want more."}'
	[ "$output" = 401 ]
	KEY=$(mkjwt --alg HS256 --key "$secret" --claims "{\"sub\":\"bot\",\"aud\":\"intake\",\"iss\":\"ci\",\"exp\":$((now + 300)),\"scope\":\"read\"}")
	run post /requirements '{"text":"As a bot I want more."}'
	[ "$output" = 403 ]
	[ "$(events)" = 1 ]
	kill "$SERVE_PID"; wait "$SERVE_PID" || true; SERVE_PID=

	openssl ecparam -name prime256v1 -genkey -noout -out ec.pem 2> /dev/null
	openssl ec -in ec.pem -pubout -out ec.pub 2> /dev/null
	unset AGENTKIT_SERVE_JWT_SECRET
	export AGENTKIT_SERVE_JWT_PUBLIC_KEY="$T/ec.pub"
	serve_start --sink store
	KEY=$(mkjwt --alg ES256 --key ec.pem --claims "{\"sub\":\"deployer\",\"aud\":\"intake\",\"iss\":\"ci\",\"exp\":$((now + 300)),\"scopes\":[\"submit\"]}")
	run post /requirements '{"text":"As a deployer I want an ES256 token."}'
	[ "$output" = 202 ]
	KEY=$(mkjwt --alg HS256 --key-file ec.pub --claims "{\"sub\":\"x\",\"aud\":\"intake\",\"iss\":\"ci\",\"exp\":$((now + 300)),\"scopes\":[\"submit\"]}")
	run post /requirements '{"text":"As an attacker I sign with the public key."}'
	[ "$output" = 401 ]
	[ "$(events)" = 2 ]
}

@test "bodies: too large, malformed, wrong type, unknown member, too deep, not UTF-8 - no event" {
	serve_start --sink store --max-body 1K
	head -c 2000 /dev/zero | tr '\0' a > big
	run post /requirements @big
	[ "$output" = 413 ]
	[ "$(problem)" = "413 too-large" ]
	run post /requirements '{"text": "unterminated'
	[ "$output" = 400 ]
	[ "$(problem)" = "400 bad-request" ]
	code=$(curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' -H "X-API-Key: $KEY" \
		-H 'Content-Type: application/xml' --data '<text>x</text>' "$URL/requirements")
	[ "$code" = 415 ]
	[ "$(problem)" = "415 unsupported-media-type" ]
	run post /requirements '{"text":"As a user I want it.","priority":1}'
	[ "$output" = 422 ]
	[ "$(problem)" = "422 unprocessable" ]
	run post /requirements '{"title":"x"}'
	[ "$output" = 422 ]
	run post /requirements "{\"text\":\"a\",\"split\":$(printf '[%.0s' $(seq 20))$(printf ']%.0s' $(seq 20))}"
	[ "$output" = 400 ]
	printf '{"text":"caf\xe9"}' > latin1
	run post /requirements @latin1
	[ "$output" = 400 ]
	run post /requirements ''
	[ "$output" = 400 ]
	[ "$(events)" = 0 ]
}

@test "routes: 404 and 405 with Allow, /health, /metrics" {
	serve_start --sink store
	code=$(curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' "$URL/nothing")
	[ "$code" = 404 ]
	[ "$(problem)" = "404 not-found" ]
	code=$(curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' "$URL/requirements")
	[ "$code" = 405 ]
	grep -qi '^allow: POST' "$T/head"
	code=$(curl -s -o "$T/body" -w '%{http_code}' -H "X-API-Key: $KEY" "$URL/requirements/no-such-feature-0000")
	[ "$code" = 404 ]
	code=$(curl -s -o "$T/body" -w '%{http_code}' "$URL/health")
	[ "$code" = 200 ]
	jq -c . "$T/body" > actual
	echo '{"status":"ok","sink":"store","pending":0}' > expect
	test_cmp expect actual
	run post /requirements '{"text":"As a user I want metrics."}'
	[ "$output" = 202 ]
	curl -s "$URL/metrics" > metrics
	grep -qx 'agentkit_serve_requests_total{route="submit",code="202"} 1' metrics
	grep -qx 'agentkit_serve_requests_total{route="other",code="404"} 1' metrics
	grep -qx 'agentkit_serve_rejections_total{reason="method-not-allowed"} 1' metrics
	grep -qx 'agentkit_serve_events_total 1' metrics
	grep -qx 'agentkit_serve_sink_up 1' metrics
	grep -qx 'agentkit_serve_requests_total{route="submit",code="405"} 1' metrics
	grep -qx 'agentkit_serve_request_duration_seconds_count{route="submit"} 2' metrics
}

@test "rate limits: 429 with Retry-After past the burst, per key and per address" {
	serve_start --sink store --rate 1 --burst 2 --ip-rate 1000 --ip-burst 1000
	for i in 1 2; do
		run post /requirements "{\"text\":\"As a user I want item $i.\"}"
		[ "$output" = 202 ]
	done
	run post /requirements '{"text":"As a user I want item 3."}'
	[ "$output" = 429 ]
	[ "$(problem)" = "429 rate-limited" ]
	grep -qi '^retry-after: [1-9]' "$T/head"
	[ "$(events)" = 2 ]
	kill "$SERVE_PID"; wait "$SERVE_PID" || true; SERVE_PID=
	serve_start --sink store --ip-rate 1 --ip-burst 3
	for i in 1 2 3; do curl -s -o /dev/null "$URL/health"; done
	code=$(curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' "$URL/health")
	[ "$code" = 429 ]
}

@test "Idempotency-Key: a retry makes no second event and gets the same answer" {
	serve_start --sink store
	run post /requirements '{"text":"As a user I want one event."}' -H 'Idempotency-Key: req-42'
	[ "$output" = 202 ]
	cp "$T/body" first
	run post /requirements '{"text":"As a user I want one event."}' -H 'Idempotency-Key: req-42'
	[ "$output" = 202 ]
	test_cmp first "$T/body"
	grep -qi '^idempotent-replayed: true' "$T/head"
	run post /requirements '{"text":"As a user I want another event."}' -H 'Idempotency-Key: req-42'
	[ "$output" = 422 ]
	[ "$(problem)" = "422 unprocessable" ]
	[ "$(events)" = 1 ]
	# after a restart the memory is gone, but the id derives from the key
	kill "$SERVE_PID"; wait "$SERVE_PID" || true; SERVE_PID=
	serve_start --sink store
	run post /requirements '{"text":"As a user I want one event."}' -H 'Idempotency-Key: req-42'
	[ "$output" = 202 ]
	[ "$(jq -r '.features[0].event' "$T/body")" = "$(jq -r '.features[0].event' first)" ]
	[ "$(events)" = 1 ]
}

# sign SECRET FILE: the hex HMAC-SHA256 of FILE
sign() {
	openssl dgst -sha256 -hmac "$1" -r < "$2" | cut -d' ' -f1
}

@test "webhooks: GitHub, GitLab and Jira, signed; bad signatures refused" {
	export AGENTKIT_SERVE_HOOKS_GITHUB_SECRET=gh-secret AGENTKIT_SERVE_HOOKS_GITLAB_TOKEN=gl-token \
		AGENTKIT_SERVE_HOOKS_JIRA_SECRET=jira-secret
	serve_start --sink store
	D="$TOP/t/data/serve"
	code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
		-H 'X-GitHub-Event: issues' -H 'X-GitHub-Delivery: d-1' \
		-H "X-Hub-Signature-256: sha256=$(sign gh-secret "$D/github-issue-opened.json")" \
		--data-binary @"$D/github-issue-opened.json" "$URL/hooks/github")
	[ "$code" = 202 ]
	cp "$T/body" first
	# another delivery about the same issue: the same answer, no second event
	code=$(curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' -H 'Content-Type: application/json' \
		-H 'X-GitHub-Event: issues' -H 'X-GitHub-Delivery: d-2' \
		-H "X-Hub-Signature-256: sha256=$(sign gh-secret "$D/github-issue-opened.json")" \
		--data-binary @"$D/github-issue-opened.json" "$URL/hooks/github")
	[ "$code" = 202 ]
	test_cmp first "$T/body"
	grep -qi '^idempotent-replayed: true' "$T/head"
	code=$(curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' -H 'Content-Type: application/json' \
		-H 'X-GitHub-Event: issues' -H 'X-Hub-Signature-256: sha256=0000000000000000000000000000000000000000000000000000000000000000' \
		--data-binary @"$D/github-issue-opened.json" "$URL/hooks/github")
	[ "$code" = 401 ]
	[ "$(problem)" = "401 unauthorized" ]
	code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'X-GitHub-Event: ping' \
		-H "X-Hub-Signature-256: sha256=$(sign gh-secret "$D/github-ping.json")" \
		--data-binary @"$D/github-ping.json" "$URL/hooks/github")
	[ "$code" = 200 ]
	code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'X-Gitlab-Event: Issue Hook' -H 'X-Gitlab-Token: gl-token' \
		--data-binary @"$D/gitlab-issue-open.json" "$URL/hooks/gitlab")
	[ "$code" = 202 ]
	code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'X-Gitlab-Event: Issue Hook' -H 'X-Gitlab-Token: nope' \
		--data-binary @"$D/gitlab-issue-open.json" "$URL/hooks/gitlab")
	[ "$code" = 401 ]
	code=$(curl -s -o "$T/body" -w '%{http_code}' \
		-H "X-Hub-Signature: sha256=$(sign jira-secret "$D/jira-issue-created.json")" \
		--data-binary @"$D/jira-issue-created.json" "$URL/hooks/jira")
	[ "$code" = 202 ]
	agentctl replay --type requirement.submitted | jq -r '.data.principal + " " + (.data.origin | split(":")[0])' > actual
	printf 'github github\ngitlab gitlab\njira jira\n' > expect
	test_cmp expect actual
}

@test "a sink that fails answers 503 and /health says so" {
	SERVE_OUT=/dev/full serve_start --sink stdout --store "$T/s.db"
	run post /requirements '{"text":"As a user I want it written."}'
	[ "$output" = 503 ]
	[ "$(problem)" = "503 unavailable" ]
	grep -qi '^retry-after: 1' "$T/head"
	code=$(curl -s -o "$T/body" -w '%{http_code}' "$URL/health")
	[ "$code" = 503 ]
	[ "$(jq -r .status "$T/body")" = failing ]
	grep -q 'agentkit_serve_sink_up 0' <(curl -s "$URL/metrics")
}

@test "--sink kafka: 202 once the brokers have acknowledged; unreachable brokers answer 503" {
	agentctl kafka mock --topics agentkit.requirement.submitted:3 > boot 2> mock.err &
	mock=$!
	for _ in $(seq 100); do [ -s boot ] && break; sleep 0.05; done
	B=$(head -1 boot)
	[ -n "$B" ]
	serve_start --sink kafka -b "$B" --store "$T/s.db"
	for i in 1 2 3; do
		run post /requirements "{\"text\":\"As a user I want item $i.\"}"
		[ "$output" = 202 ]
		jq -r '.features[0].event' "$T/body" >> answered
	done
	agentctl consume -b "$B" -t agentkit.requirement.submitted -c 3 > consumed
	jq -r .id consumed | sort > got
	sort answered > expect
	test_cmp expect got
	[ "$(jq -r .type consumed | sort -u)" = requirement.submitted ]
	kill "$SERVE_PID"; wait "$SERVE_PID" || true; SERVE_PID=
	kill "$mock"; wait "$mock" || true
	# brokers that never answer: the request waits for them (-X message.timeout.ms), then 503
	serve_start --sink kafka -b 127.0.0.1:1 -X message.timeout.ms=1500 --store "$T/s.db"
	run post /requirements '{"text":"As a user I want it sent."}'
	[ "$output" = 503 ]
	[ "$(problem)" = "503 unavailable" ]
}

@test "TLS: HTTPS with the configured certificate" {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.crt -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2> /dev/null
	serve_start --sink store --tls-cert tls.crt --tls-key tls.key
	code=$(curl -s --cacert tls.crt -o "$T/body" -w '%{http_code}' -H "X-API-Key: $KEY" \
		-H 'Content-Type: application/json' --data '{"text":"As a user I want TLS."}' \
		"https://127.0.0.1:$PORT/requirements")
	[ "$code" = 202 ]
	grep -q "serving on https://" "$T/err"
	[ "$(events)" = 1 ]
}

@test "under wrk: every 202 has exactly one event in the store" {
	serve_start --sink store --rate 0 --ip-rate 0 --quiet
	SERVE_KEY=$KEY wrk -t2 -c8 -d3s -s "$TOP/t/helpers/serve-load.lua" "$URL" > wrk.out
	[ "$(awk '$1 == "accepted" { print $2 }' wrk.out)" -gt 100 ]
	[ "$(awk '$1 == "other" { print $2 }' wrk.out)" = 0 ]
	# the server's own count: wrk stops without reading the answers in flight
	answered=$(curl -s "$URL/metrics" | awk '$1 == "agentkit_serve_requests_total{route=\"submit\",code=\"202\"}" { print $2 }')
	kill "$SERVE_PID"; wait "$SERVE_PID"; SERVE_PID=
	[ "$(events)" = "$answered" ]
	[ "$(agentctl replay --type requirement.submitted | jq -r .id | sort -u | wc -l)" = "$answered" ]
}

# load_start SECONDS MIN: wrk POSTing for SECONDS, the event id of every
# 202 logged under $T/ids as it comes; returns once MIN are logged (WRK is its pid)
load_start() {
	mkdir -p "$T/ids"
	LOG_DIR="$T/ids" SERVE_KEY=$KEY wrk -t2 -c8 -d"$1"s -s "$TOP/t/helpers/serve-load.lua" \
		"$URL" > "$T/wrk.out" 2>&1 &
	WRK=$!
	for _ in $(seq 200); do
		[ "$(cat "$T"/ids/* 2> /dev/null | wc -l)" -gt "$2" ] && break
		sleep 0.05
	done
}

# answered_stored MIN: after the load, more than MIN ids were answered 202,
# and every one of them is in the store
answered_stored() {
	wait "$WRK" || true
	sort -u "$T"/ids/* > answered
	[ "$(wc -l < answered)" -gt "$1" ]
	agentctl replay --type requirement.submitted | jq -r .id | sort -u > stored
	comm -23 answered stored > lost
	test_cmp /dev/null lost
}

@test "kill -9 under load: every request answered 202 has its event in the store" {
	serve_start --sink store --rate 0 --ip-rate 0 --quiet
	load_start 10 200
	kill -9 "$SERVE_PID"; wait "$SERVE_PID" 2> /dev/null || true; SERVE_PID=
	answered_stored 200
}

@test "SIGTERM under load drains, keeps every answered event and exits 0; usage errors" {
	serve_start --sink store --rate 0 --ip-rate 0 --quiet
	load_start 5 100
	kill -TERM "$SERVE_PID"
	rc=0
	wait "$SERVE_PID" || rc=$?
	SERVE_PID=
	[ "$rc" = 0 ]
	answered_stored 100
	run -64 agentctl serve --listen nowhere
	[[ "$output" == *"--listen: 'nowhere' is not ADDRESS:PORT"* ]]
	run -64 agentctl serve --sink pigeon
	[[ "$output" == *"--sink takes stdout, store or kafka"* ]]
	run -64 agentctl serve --rate -1
	[[ "$output" == *"serve.rate: '-1' is not a number from 0 to 1e+09"* ]]
	run -64 agentctl serve --sink kafka -X nope
	[[ "$output" == *"-X takes NAME=VALUE, not 'nope'"* ]]
	serve_start --sink store
	run -69 agentctl serve --listen "127.0.0.1:$PORT" --sink store
	[[ "$output" == *"cannot listen on '127.0.0.1:$PORT'"* ]]
}

@test "the README's intake example runs as written" {
	readme_block "$TOP/README.md" "Intake API" > block
	mkdir readme && cd readme
	ln -s "$TOP/examples" examples
	unset AGENTKIT_STORE
	bash ../block > got 2> err
	# two answers, one after the other (curl adds no newline)
	jq -sc '.[0] | {status, feature: .features[0].feature}' got > actual
	echo '{"status":"accepted","feature":"password-reset-099d"}' > expect
	test_cmp expect actual
	jq -sc '.[1] | {feature, stage, events}' got > actual
	echo '{"feature":"password-reset-099d","stage":"requirement.submitted","events":1}' > expect
	test_cmp expect actual
}
