#!/usr/bin/env bats
# The environment of the rollout tests, checked on its own: the test
# service t/helpers/canary-svc, the traffic generator t/helpers/load-loop,
# and real nginx, HAProxy and Prometheus started by
# t/helpers/rollout-env.bash, so that a broken environment shows here and
# not as a puzzling rollout failure.

load helpers/lib
load helpers/rollout-env
bats_require_minimum_version 1.5.0

setup() {
	common_setup
}

teardown() {
	renv_stop
	common_teardown
}

# tracks FILE: "STATUS TRACK" counts of a load-loop output, sorted
tracks() {
	awk '{ n[$2 " " $3]++ } END { for (k in n) print k, n[k] }' "$1" | sort
}

# count FILE TRACK: the answers of TRACK in a load-loop output
count() {
	awk -v t="$2" '$3 == t { n++ } END { print n + 0 }' "$1"
}

# metric PORT SERIES: the value of one series of a service's /metrics
metric() {
	curl -s "http://127.0.0.1:$1/metrics" | awk -v s="$2" '$1 == s { print $2 }'
}

@test "canary-svc answers with its track, health and metrics" {
	svc_start blue
	[ -n "$BLUE_PID" ] && kill -0 "$BLUE_PID"
	curl -s -D head.txt "http://127.0.0.1:$BLUE_PORT/" > body.txt
	printf 'blue\n' > expect
	test_cmp expect body.txt
	grep -q '^HTTP/1.1 200' head.txt
	grep -qi '^X-Track: blue' head.txt
	curl -s "http://127.0.0.1:$BLUE_PORT/some/page" > body.txt
	test_cmp expect body.txt
	printf 'ok\n' > expect
	curl -s "http://127.0.0.1:$BLUE_PORT/health" > body.txt
	test_cmp expect body.txt
	curl -s "http://127.0.0.1:$BLUE_PORT/metrics" > metrics.txt
	grep -qx '# TYPE http_requests_total counter' metrics.txt
	grep -qx '# TYPE http_request_duration_seconds histogram' metrics.txt
	grep -qx '# TYPE process_resident_memory_bytes gauge' metrics.txt
	for le in 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 +Inf; do
		grep -qx "http_request_duration_seconds_bucket{track=\"blue\",le=\"$le\"} 2" metrics.txt
	done
	rss=$(awk '$1 == "process_resident_memory_bytes" { print $2 }' metrics.txt)
	[ "$rss" -gt 1000000 ]
	# SIGTERM ends it cleanly
	kill -TERM "$BLUE_PID"
	rc=0
	wait "$BLUE_PID" || rc=$?
	[ "$rc" -eq 0 ]
}

@test "canary-svc counts requests exactly, not health checks or scrapes" {
	svc_start green
	run --separate-stderr load-loop --url "http://127.0.0.1:$GREEN_PORT/" \
		--duration 30 --requests 20 --concurrency 3 --out out.txt
	[ "$status" -eq 0 ]
	[ "$stderr" = "load-loop: 20 requests, blue=0 green=20, 5xx=0, failed=0" ]
	curl -s "http://127.0.0.1:$GREEN_PORT/health" > /dev/null
	curl -s "http://127.0.0.1:$GREEN_PORT/metrics" > /dev/null
	[ "$(metric "$GREEN_PORT" 'http_requests_total{track="green",code="200"}')" = 20 ]
	[ "$(metric "$GREEN_PORT" 'http_requests_total{track="green",code="500"}')" = 0 ]
	[ "$(metric "$GREEN_PORT" 'http_request_duration_seconds_count{track="green"}')" = 20 ]
	[ "$(metric "$GREEN_PORT" 'http_request_duration_seconds_bucket{track="green",le="+Inf"}')" = 20 ]
	[ "$(wc -l < out.txt)" -eq 20 ]
	[ "$(tracks out.txt)" = "200 green 20" ]
}

@test "canary-svc --error-rate 0.05 fails requests 20, 40, ... 100 of 100" {
	svc_start blue --error-rate 0.05
	for i in $(seq 100); do
		code=$(curl -s -o body.txt -w '%{http_code}' "http://127.0.0.1:$BLUE_PORT/")
		if [ "$code" = 500 ]; then
			echo "$i $(cat body.txt)"
		else
			[ "$code" = 200 ]
		fi
	done > failed.txt
	cat > expect <<-'EOF'
	20 blue injected error
	40 blue injected error
	60 blue injected error
	80 blue injected error
	100 blue injected error
	EOF
	test_cmp expect failed.txt
	[ "$(metric "$BLUE_PORT" 'http_requests_total{track="blue",code="500"}')" = 5 ]
	[ "$(metric "$BLUE_PORT" 'http_requests_total{track="blue",code="200"}')" = 95 ]
}

@test "canary-svc --seed makes the same random failures every time" {
	svc_start one --error-rate 0.3 --seed 42
	svc_start two --error-rate 0.3 --seed 42
	for p in "$ONE_PORT" "$TWO_PORT"; do
		load-loop --url "http://127.0.0.1:$p/" --duration 30 --requests 200 \
			--out "out.$p" 2> /dev/null
		awk '{ print $2 }' "out.$p" > "codes.$p"
	done
	test_cmp "codes.$ONE_PORT" "codes.$TWO_PORT"
	n=$(grep -c '^500$' "codes.$ONE_PORT")
	# a random share: neither none nor all, and not the counter rule's 60
	[ "$n" -gt 20 ] && [ "$n" -lt 100 ]
	grep -n '^500$' "codes.$ONE_PORT" | cut -d: -f1 > at
	seq 4 4 200 | head -n "$n" > every
	! cmp -s at every
}

@test "canary-svc --health-file makes /health answer 503 while the file exists" {
	svc_start blue --health-file "$T/sick"
	[ "$(renv_http_code "http://127.0.0.1:$BLUE_PORT/health")" = 200 ]
	touch "$T/sick"
	[ "$(renv_http_code "http://127.0.0.1:$BLUE_PORT/health")" = 503 ]
	[ "$(renv_http_code "http://127.0.0.1:$BLUE_PORT/")" = 200 ]
	rm "$T/sick"
	[ "$(renv_http_code "http://127.0.0.1:$BLUE_PORT/health")" = 200 ]
	[ "$(metric "$BLUE_PORT" 'http_requests_total{track="blue",code="200"}')" = 1 ]
}

@test "canary-svc --delay-ms delays answers, not health checks" {
	svc_start green --delay-ms 300
	t=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$GREEN_PORT/")
	awk -v t="$t" 'BEGIN { exit !(t >= 0.3) }'
	[ "$(metric "$GREEN_PORT" 'http_request_duration_seconds_bucket{track="green",le="0.25"}')" = 0 ]
	[ "$(metric "$GREEN_PORT" 'http_request_duration_seconds_count{track="green"}')" = 1 ]
	sum=$(metric "$GREEN_PORT" 'http_request_duration_seconds_sum{track="green"}')
	awk -v s="$sum" 'BEGIN { exit !(s >= 0.3) }'
}

@test "load-loop records connection failures as 0 and stops by itself" {
	port=$(free_port)
	start=$SECONDS
	run --separate-stderr load-loop --url "http://127.0.0.1:$port/" \
		--duration 1 --concurrency 2 --out out.txt
	[ "$status" -eq 0 ]
	[ $((SECONDS - start)) -le 5 ]
	[ -s out.txt ]
	[ "$(awk '$2 != 0 || $3 != "-"' out.txt)" = "" ]
	n=$(wc -l < out.txt)
	[ "$stderr" = "load-loop: $n requests, blue=0 green=0, 5xx=0, failed=$n" ]
	run load-loop --url "http://127.0.0.1:$port/" --duration 601
	[ "$status" -eq 2 ]
	# --until-file stops it early
	touch stop
	start=$SECONDS
	run --separate-stderr load-loop --url "http://127.0.0.1:$port/" \
		--duration 30 --until-file stop
	[ "$status" -eq 0 ]
	[ $((SECONDS - start)) -le 5 ]
	[ "$stderr" = "load-loop: 0 requests, blue=0 green=0, 5xx=0, failed=0" ]
}

@test "nginx with weights 90/10 splits 1000 requests exactly 900/100" {
	svc_start blue
	svc_start green
	nginx_start
	[ "$NGINX_UPSTREAM_FILE" = "$RENV/upstream.conf" ]
	grep -q "server 127.0.0.1:$BLUE_PORT weight=100;" "$NGINX_UPSTREAM_FILE"
	grep -q "server 127.0.0.1:$GREEN_PORT down;" "$NGINX_UPSTREAM_FILE"
	[ "$(curl -s "http://127.0.0.1:$NGINX_PORT/")" = blue ]
	cat > "$NGINX_UPSTREAM_FILE" <<-EOF
	upstream app {
		server 127.0.0.1:$BLUE_PORT weight=90;
		server 127.0.0.1:$GREEN_PORT weight=10;
	}
	EOF
	nginx_reload
	run --separate-stderr load-loop --url "http://127.0.0.1:$NGINX_PORT/" \
		--duration 60 --requests 1000 --concurrency 4 --out out.txt
	[ "$status" -eq 0 ]
	[ "$stderr" = "load-loop: 1000 requests, blue=900 green=100, 5xx=0, failed=0" ]
	printf '200 blue 900\n200 green 100\n' > expect
	tracks out.txt > actual
	test_cmp expect actual
}

@test "nginx writes the agentkit access log format with the upstream address" {
	svc_start blue
	svc_start green
	nginx_start
	[ "$NGINX_LOG" = "$RENV/access.log" ]
	[ "$NGINX_CMD" = "nginx -p $RENV -c $RENV/nginx.conf" ]
	: > "$NGINX_LOG"
	for i in 1 2 3; do
		curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/page$i"
	done
	[ "$(wc -l < "$NGINX_LOG")" -eq 3 ]
	re='^[0-9]{10}\.[0-9]{3} 200 [0-9]+\.[0-9]{3} [0-9]+\.[0-9]{3} 127\.0\.0\.1:'"$BLUE_PORT"' "GET /page[123] HTTP/1\.1"$'
	run grep -cE "$re" "$NGINX_LOG"
	[ "$output" = 3 ]
}

@test "haproxy weights set over the stats socket give a 50/50 split" {
	svc_start blue
	svc_start green
	haproxy_start
	[ -S "$HAPROXY_SOCKET" ]
	run --separate-stderr load-loop --url "http://127.0.0.1:$HAPROXY_PORT/" \
		--duration 30 --requests 50 --concurrency 2 --out before.txt
	[ "$stderr" = "load-loop: 50 requests, blue=50 green=0, 5xx=0, failed=0" ]
	haproxy_cmd "set server app/green weight 50"
	haproxy_cmd "set server app/blue weight 50"
	[ "$(haproxy_cmd 'get weight app/green')" = "50 (initial 0)" ]
	[ "$(haproxy_cmd 'get weight app/blue')" = "50 (initial 100)" ]
	load-loop --url "http://127.0.0.1:$HAPROXY_PORT/" --duration 30 \
		--requests 400 --concurrency 4 --out out.txt 2> /dev/null
	blue=$(count out.txt blue) green=$(count out.txt green)
	echo "blue=$blue green=$green"
	[ $((blue + green)) -eq 400 ]
	[ "$green" -ge 180 ] && [ "$green" -le 220 ]
}

@test "prometheus scrapes both tracks and answers rate queries" {
	svc_start blue
	svc_start green
	prometheus_start
	[ "$PROM_URL" = "http://127.0.0.1:$PROM_PORT" ]
	load-loop --url "http://127.0.0.1:$BLUE_PORT/" --duration 30 --rate 50 \
		--until-file "$T/stop" --out load.txt 2> /dev/null 3>&- &
	load=$!
	blue= green=
	for i in $(seq 30); do
		blue=$(prom_query 'sum(rate(http_requests_total{track="blue"}[5s]))' |
			jq -r '.data.result[0].value[1] // empty')
		green=$(prom_query 'sum(rate(http_requests_total{track="green"}[5s]))' |
			jq -r '.data.result[0].value[1] // empty')
		[ -n "$blue" ] && awk -v v="$blue" 'BEGIN { exit !(v > 0) }' && [ -n "$green" ] && break
		sleep 0.5
	done
	touch "$T/stop"
	wait "$load"
	echo "blue=$blue green=$green"
	awk -v v="$blue" 'BEGIN { exit !(v > 0) }'
	[ "$green" = 0 ]
	run prom_query 'sum(rate(http_requests_total{track="purple"}[5s]))'
	[[ "$output" == *'"status":"success"'* ]]
	[[ "$output" == *'"result":[]'* ]]
}

@test "no request fails while nginx reloads to switch blue to green" {
	svc_start blue
	svc_start green
	nginx_start
	load-loop --url "http://127.0.0.1:$NGINX_PORT/" --duration 4 --concurrency 4 \
		--rate 400 --out out.txt 2> summary.txt 3>&- &
	load=$!
	sleep 1
	nginx_upstream_write 0 100
	nginx_reload
	switched=$(($(date +%s%3N) + 1))
	wait "$load"
	cat summary.txt
	grep -q ' 5xx=0, failed=0$' summary.txt
	[ "$(awk '$2 != 200' out.txt)" = "" ]
	[ "$(count out.txt blue)" -gt 0 ]
	[ "$(count out.txt green)" -gt 0 ]
	# every request sent after the reload went to the new version
	[ "$(awk -v t="$switched" '$1 >= t && $3 != "green"' out.txt)" = "" ]
	[ "$(awk -v t="$switched" '$1 >= t' out.txt | wc -l)" -gt 100 ]
}
