#!/usr/bin/env bats
# agentctl rollout: blue-green with canary steps against real nginx,
# HAProxy and Prometheus on loopback, with two versions of a test service
# (t/helpers/canary-svc) and a load loop through the balancer.

bats_require_minimum_version 1.5.0

load helpers/lib
load helpers/rollout-env

setup() {
	common_setup
	cd "$T"
	export AGENTKIT_STORE="$T/ro.db"
}

teardown() {
	[ -n "${LOAD_PID:-}" ] && kill "$LOAD_PID" 2> /dev/null
	renv_stop
	common_teardown
}

# canary FILE ROUTER [WINDOW] [INTERVAL]: a configuration measuring green
# through Prometheus (error rate, p95) and its health check.
canary() {
	local file=$1 router=$2 window=${3:-3s} interval=${4:-1s}
	{
		printf 'name: shop\nsubject: shop-1a2b\nversion: 2.0.0\nsteps: [10, 50, 100]\n'
		printf 'window: %s\ninterval: %s\n' "$window" "$interval"
		case $router in
		nginx)
			printf 'router:\n  type: nginx\n  file: %s\n  upstream: app\n' "$NGINX_UPSTREAM_FILE"
			printf '  stable: 127.0.0.1:%s\n  canary: 127.0.0.1:%s\n  nginx: %s\n' \
				"$BLUE_PORT" "$GREEN_PORT" "$NGINX_CMD" ;;
		haproxy)
			printf 'router:\n  type: haproxy\n  socket: %s\n  backend: app\n' "$HAPROXY_SOCKET"
			printf '  stable: blue\n  canary: green\n' ;;
		cmd)
			printf 'router:\n  type: cmd\n  command: %s/set-weight {weight} {stable_weight}\n' "$T" ;;
		esac
		printf 'metrics:\n  health: http://127.0.0.1:%s/health\n' "$GREEN_PORT"
		printf '  stable_health: http://127.0.0.1:%s/health\n' "$BLUE_PORT"
		printf '  prometheus:\n    url: %s\n' "$PROM_URL"
		printf '    error_rate: %s\n' "'sum(rate(http_requests_total{track=\"green\",code=~\"5..\"}[4s])) / sum(rate(http_requests_total{track=\"green\"}[4s]))'"
		printf '    p95: %s\n' "'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{track=\"green\"}[4s])))'"
	} > "$file"
}

# load_start PORT: requests through the balancer until load_stop
load_start() {
	load-loop --url "http://127.0.0.1:$1/" --duration 120 --concurrency "${2:-4}" \
		--out "$T/load.txt" --until-file "$T/load.stop" 2> "$T/load.err" &
	LOAD_PID=$!
	# some traffic first, so that Prometheus has rates to give
	for _ in $(seq 100); do
		[ -s "$T/load.txt" ] && [ "$(wc -l < "$T/load.txt")" -gt 50 ] && break
		sleep 0.1
	done
	sleep 2
}

load_stop() {
	touch "$T/load.stop"
	wait "$LOAD_PID" || true
	LOAD_PID=
}

# Requests that failed because of the balancer or the switch: no answer,
# or a status the services never give (they answer 200 or an injected 500).
switch_failures() {
	awk '$2 == 0 || ($2 >= 501 && $2 != 500) { n++ } END { print n + 0 }' "$T/load.txt"
}

# split EVENTS: per step, the share of green answers between the step's
# "set" and "passed" events, as "STEP WEIGHT PERCENT REQUESTS"
split() {
	/usr/bin/python3 - "$1" "$T/load.txt" <<'EOF'
import json, sys, datetime
def ms(t):
    d = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return d.timestamp() * 1000
steps = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["type"] == "rollout.step":
        steps.setdefault(e["data"]["step"], {})[e["data"]["phase"]] = (ms(e["time"]), e["data"]["weight"])
reqs = [l.split() for l in open(sys.argv[2]) if l.strip()]
for step in sorted(steps):
    (t0, w), (t1, _) = steps[step]["set"], steps[step]["passed"]
    # the first half second after a switch belongs to the switch
    sel = [r for r in reqs if t0 + 500 <= float(r[0]) <= t1]
    green = sum(1 for r in sel if r[2] == "green")
    print(step, w, round(100.0 * green / max(len(sel), 1)), len(sel))
EOF
}

@test "a healthy green is promoted through 10, 50 and 100 percent, and the traffic follows each step" {
	svc_start blue
	svc_start green
	nginx_start
	prometheus_start
	canary c.yaml nginx
	load_start "$NGINX_PORT"
	run --separate-stderr agentctl rollout start --canary c.yaml
	load_stop
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > events.jsonl
	jq -c '[.type, .subject, .data.step, .data.weight, .data.phase]' events.jsonl > got
	cat > want <<-'EOF'
	["rollout.step","shop-1a2b",1,10,"set"]
	["rollout.step","shop-1a2b",1,10,"passed"]
	["rollout.step","shop-1a2b",2,50,"set"]
	["rollout.step","shop-1a2b",2,50,"passed"]
	["rollout.step","shop-1a2b",3,100,"set"]
	["rollout.step","shop-1a2b",3,100,"passed"]
	["rollout.promoted","shop-1a2b",3,100,null]
	EOF
	test_cmp want got
	# every passed step was measured, and successfully
	[ "$(jq -r 'select(.data.phase == "passed") | .data.measurements.outcome' events.jsonl | sort -u)" = successful ]
	split events.jsonl > split.txt
	cat split.txt >&2
	# each step's split, measured from the answers, within 5 points of its weight
	awk '{ d = $3 - $2; if (d < 0) d = -d; if (d > 5 || $4 < 50) bad++ } END { exit bad }' split.txt
	[ "$(switch_failures)" -eq 0 ]
	grep -q 'server 127.0.0.1:'"$BLUE_PORT"' down;' "$NGINX_UPSTREAM_FILE"
	grep -q 'server 127.0.0.1:'"$GREEN_PORT"' weight=100;' "$NGINX_UPSTREAM_FILE"
	# the events are in the store too, and the status says what happened
	[ "$(agentctl log --type 'rollout.*' --json | wc -l)" -eq 7 ]
	run agentctl rollout status shop
	[[ "$output" == *"Status:        Healthy (promoted)"* ]]
	[[ "$output" == *"Step:        3/3"* ]]
	[[ "$output" == *"SetWeight:   100"* ]]
}

@test "a green with 5% errors is rolled back at the first step, and no request fails because of the switch" {
	svc_start blue
	svc_start green --error-rate 0.05
	nginx_start
	prometheus_start
	canary c.yaml nginx 6s 1s
	load_start "$NGINX_PORT" 8
	run --separate-stderr agentctl rollout start --canary c.yaml
	sleep 1
	load_stop
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" > events.jsonl
	jq -c '[.type, .data.step, .data.weight]' events.jsonl > got
	printf '%s\n' '["rollout.step",1,10]' '["rollout.rolled_back",1,10]' > want
	test_cmp want got
	jq -e 'select(.type == "rollout.rolled_back") | .data.verdict == "failed" and
		.data.verified == true and (.data.reason | test("error_rate .* above the limit 0.01")) and
		.data.measurements.error_rate > 0.01' events.jsonl
	# all traffic back on blue, and the balancer lost nothing while switching
	grep -q 'server 127.0.0.1:'"$GREEN_PORT"' down;' "$NGINX_UPSTREAM_FILE"
	[ "$(switch_failures)" -eq 0 ]
	[ "$(awk '$3 == "green" && $2 == 500' load.txt | wc -l)" -gt 0 ]
	run agentctl rollout status shop --json
	[ "$(jq -r '[.phase, .state, .weight] | join(" ")' <<< "$output")" = "Degraded rolled_back 0" ]
}

@test "a slow green (p95 of 2 s) is rolled back" {
	svc_start blue
	svc_start green --delay-ms 2000
	nginx_start
	prometheus_start
	canary c.yaml nginx 8s 1s
	load_start "$NGINX_PORT" 16
	run --separate-stderr agentctl rollout start --canary c.yaml
	load_stop
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" > events.jsonl
	jq -e 'select(.type == "rollout.rolled_back") | .data.step == 1 and
		(.data.reason | test("p95_ms .* above the limit 1000")) and
		.data.measurements.p95_ms > 1000' events.jsonl
	[ "$(switch_failures)" -eq 0 ]
}

@test "a green that stops answering its health check is rolled back; status is readable from another shell" {
	svc_start blue
	svc_start green --health-file "$T/sick"
	haproxy_start
	prometheus_start
	canary c.yaml haproxy 4s 1s
	load_start "$HAPROXY_PORT"
	agentctl rollout start --canary c.yaml > events.jsonl 2> err &
	pid=$!
	# wait until the second step, then make green sick
	for _ in $(seq 150); do
		[ "$(agentctl rollout status shop --json 2> /dev/null | jq -r .step)" = 2 ] && break
		sleep 0.1
	done
	[ "$(agentctl rollout status shop --json | jq -r '[.state, .step, .weight] | join(" ")')" = "progressing 2 50" ]
	touch "$T/sick"
	rc=0
	wait "$pid" || rc=$?
	load_stop
	[ "$rc" -eq 1 ]
	jq -e 'select(.type == "rollout.rolled_back") | .data.step == 2 and .data.weight == 50 and
		(.data.reason | test("health check: status 503")) and .data.verified' events.jsonl
	# HAProxy's own word: green has no weight, blue all of it
	[ "$(haproxy_cmd 'get weight app/green' | cut -d' ' -f1)" = 0 ]
	[ "$(haproxy_cmd 'get weight app/blue' | cut -d' ' -f1)" = 100 ]
	[ "$(switch_failures)" -eq 0 ]
}

@test "no traffic is inconclusive: the rollout pauses, is never promoted, and a person decides" {
	svc_start blue
	svc_start green
	nginx_start
	prometheus_start
	canary c.yaml nginx 3s 1s
	run --separate-stderr agentctl rollout start --canary c.yaml
	[ "$status" -eq 75 ]
	printf '%s\n' "$output" > events.jsonl
	jq -c '[.type, .data.step, .data.weight]' events.jsonl > got
	printf '%s\n' '["rollout.step",1,10]' '["rollout.paused",1,10]' > want
	test_cmp want got
	jq -e 'select(.type == "rollout.paused") | (.data.reason | test("inconclusive")) and
		.data.measurements.outcome == "inconclusive"' events.jsonl
	run agentctl rollout status shop
	[[ "$output" == *"Status:        Paused (paused)"* ]]
	[[ "$output" == *"SetWeight:   10"* ]]
	grep -q 'server 127.0.0.1:'"$GREEN_PORT"' weight=10;' "$NGINX_UPSTREAM_FILE"
	# a start over a paused rollout is refused; an abort sends all back to blue
	run agentctl rollout start --canary c.yaml
	[ "$status" -eq 64 ]
	[[ "$output" == *"rollout 'shop' is paused at step 1/3"* ]]
	run --separate-stderr agentctl rollout abort shop
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.type, .data.verdict, .data.verified] | join(" ")' <<< "$output")" = "rollout.rolled_back aborted true" ]
	grep -q 'server 127.0.0.1:'"$GREEN_PORT"' down;' "$NGINX_UPSTREAM_FILE"
	# and retry starts it over from the first step: paused again, without traffic
	run --separate-stderr agentctl rollout retry shop
	[ "$status" -eq 75 ]
	[ "$(agentctl rollout status shop --json | jq -r '[.state, .step, .doc.revision] | join(" ")')" = "paused 1 2" ]
}

@test "promote passes a pause and goes on; promote --full sends everything at once" {
	svc_start blue
	svc_start green
	nginx_start
	prometheus_start
	canary c.yaml nginx 2s 1s
	run --separate-stderr agentctl rollout start --canary c.yaml
	[ "$status" -eq 75 ]
	# promoting drives on, here from this shell: step 2 pauses again
	run --separate-stderr agentctl rollout promote shop
	[ "$status" -eq 75 ]
	jq -c '[.type, .data.step, .data.phase]' <<< "$output" > got
	printf '%s\n' '["rollout.step",1,"passed"]' '["rollout.step",2,"set"]' \
		'["rollout.paused",2,null]' > want
	test_cmp want got
	[ "$(jq -r 'select(.type == "rollout.step" and .data.phase == "passed") | .data.verdict' <<< "$output")" = "promoted by request" ]
	[ "$(agentctl rollout status shop --json | jq -r '[.state, .step, .weight] | join(" ")')" = "paused 2 50" ]
	run --separate-stderr agentctl rollout promote --full shop
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.type, .data.weight, .data.full] | join(" ")' <<< "$output")" = "rollout.promoted 100 true" ]
	grep -q 'server 127.0.0.1:'"$BLUE_PORT"' down;' "$NGINX_UPSTREAM_FILE"
	run agentctl rollout abort shop
	[ "$status" -eq 64 ]
	[[ "$output" == *"rollout 'shop' has ended (promoted)"* ]]
}

@test "a rollout killed with SIGKILL resumes from its last completed step" {
	svc_start blue
	svc_start green
	: > "$T/weights"
	printf '#!/bin/sh\necho "$1 $2" >> %s/weights\n' "$T" > set-weight
	chmod +x set-weight
	prometheus_start
	# the cmd router, and the service's own health: no balancer needed
	canary c.yaml cmd 4s 1s
	sed -i '/prometheus:/,$d' c.yaml
	printf '  probe:\n    url: http://127.0.0.1:%s/\n    requests: 20\n' "$GREEN_PORT" >> c.yaml
	agentctl rollout start --canary c.yaml > first.jsonl 2> err &
	pid=$!
	for _ in $(seq 150); do
		[ "$(agentctl rollout status shop --json 2> /dev/null | jq -r .step)" = 2 ] && break
		sleep 0.1
	done
	sleep 1
	kill -9 "$pid"
	wait "$pid" || true
	[ "$(agentctl rollout status shop --json | jq -r '[.state, .step, .weight] | join(" ")')" = "progressing 2 50" ]
	run --separate-stderr agentctl rollout resume shop
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > second.jsonl
	# the first step is not done again
	jq -c '[.type, .data.step, .data.phase]' second.jsonl > got
	printf '%s\n' '["rollout.step",2,"passed"]' '["rollout.step",3,"set"]' \
		'["rollout.step",3,"passed"]' '["rollout.promoted",3,null]' > want
	test_cmp want got
	printf '%s\n' '10 90' '50 50' '50 50' '100 0' > want
	test_cmp want weights
	# every event once in the store, from both runs
	[ "$(agentctl log --type 'rollout.*' --json | wc -l)" -eq "$(cat first.jsonl second.jsonl | wc -l)" ]
}

@test "bad configurations are refused with the key that is wrong" {
	printf 'steps: [10, 50]\nrouter: {type: cmd, command: "true"}\nmetrics: {health: "http://127.0.0.1:1/"}\n' > a.yaml
	run agentctl rollout start x --canary a.yaml
	[ "$status" -eq 65 ]
	[ "$output" = "agentctl: a.yaml: steps: the last step must send all the traffic (100)" ]
	printf 'router: {type: cmd, command: "true"}\nmetrics: {health: "http://127.0.0.1:1/"}\nwindwo: 3s\n' > b.yaml
	run agentctl rollout start x --canary b.yaml
	[ "$status" -eq 65 ]
	[ "$output" = "agentctl: b.yaml: windwo: unknown key" ]
	printf 'router: {type: f5}\nmetrics: {health: "http://127.0.0.1:1/"}\n' > c.yaml
	run agentctl rollout start x --canary c.yaml
	[ "$status" -eq 65 ]
	[ "$output" = "agentctl: c.yaml: router.type: must be nginx, haproxy or cmd" ]
	run agentctl rollout start x
	[ "$status" -eq 64 ]
	[[ "$output" == *"rollout start needs --canary FILE"* ]]
	run agentctl rollout promote
	[ "$status" -eq 64 ]
	run agentctl rollout status nosuch
	[ "$status" -eq 64 ]
	[ "$output" = "agentctl: no rollout 'nosuch' in the store" ]
}

@test "agentctl approve records who approved, as an event in the store" {
	run --separate-stderr agentctl approve shop-1a2b --by alice --note "after the demo"
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.type, .subject, .data.by, .data.note] | join("|")' <<< "$output")" = "feature.approved|shop-1a2b|alice|after the demo" ]
	[ "$(agentctl log --type feature.approved --json | jq -r .id)" = "$(jq -r .id <<< "$output")" ]
	run agentctl approve shop-1a2b
	[ "$status" -eq 64 ]
	[[ "$output" == *"approve needs --by NAME"* ]]
	run agentctl approve 'not a feature' --by bob
	[ "$status" -eq 64 ]
}
