# t/helpers/rollout-env.bash - real load balancers and monitoring for the
# rollout tests.
#
# Starts, on 127.0.0.1 and free ports, versions of the test service
# (t/helpers/canary-svc) and in front of them a real nginx, HAProxy and
# Prometheus, all with their files in one folder, $RENV. Load it after
# t/helpers/lib.bash:
#
#	load helpers/lib
#	load helpers/rollout-env
#
#	setup()    { common_setup; svc_start blue; svc_start green; nginx_start; }
#	teardown() { renv_stop; common_teardown; }
#
# $RENV is made on first use under $BATS_TEST_TMPDIR inside a test, or
# under $BATS_FILE_TMPDIR from setup_file (export nothing more: the
# variables below are exported, so tests see what setup_file started).
# Every process started writes its pid to $RENV/*.pid, and renv_stop stops
# them all by those files, so it also works from teardown_file.
#
# Functions:
#	free_port                      print a free TCP port of 127.0.0.1
#	renv_dir                       make $RENV if needed, print it
#	svc_start NAME [options]       canary-svc --track NAME; NAME_PORT, NAME_PID
#	svc_stop NAME                  stop that one service
#	nginx_start                    nginx before the services; NGINX_PORT,
#	                               NGINX_CMD, NGINX_UPSTREAM_FILE, NGINX_LOG
#	nginx_upstream_write B G       write upstream.conf: blue weight B, green
#	                               weight G (0 writes "down")
#	nginx_reload                   $NGINX_CMD -s reload, wait for new workers
#	nginx_workers                  the pids of the nginx workers
#	haproxy_start                  HAProxy; HAPROXY_PORT, HAPROXY_SOCKET
#	haproxy_cmd COMMAND...         send one command to the stats socket
#	prometheus_start               Prometheus scraping every service;
#	                               PROM_PORT, PROM_URL
#	prom_query EXPR                the JSON answer of an instant query
#	renv_stop                      stop everything; safe to call twice

RENV_WAIT=${RENV_WAIT:-20}

free_port() {
	/usr/bin/python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

renv_dir() {
	if [ -z "${RENV:-}" ] || [ ! -d "$RENV" ]; then
		local base=${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}}
		RENV=$(mktemp -d "$base/renv.XXXXXX") || return 1
		export RENV
	fi
	printf '%s\n' "$RENV"
}

# renv_var NAME: the variable prefix for a track name, e.g. BLUE
renv_var() {
	printf '%s\n' "$1" | tr '[:lower:]' '[:upper:]' | tr -c 'A-Z0-9\n' '_'
}

# renv_http_code URL: the status of a GET, 000 when nothing answered
renv_http_code() {
	curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2> /dev/null || true
}

# renv_wait_http URL WHAT LOG: wait until anything answers at URL
renv_wait_http() {
	local i code
	for i in $(seq $((RENV_WAIT * 10))); do
		code=$(renv_http_code "$1")
		[ "$code" != 000 ] && [ -n "$code" ] && return 0
		sleep 0.1
	done
	echo "$2 did not answer at $1 within ${RENV_WAIT}s" >&2
	[ -f "$3" ] && sed 's/^/  /' "$3" >&2
	return 1
}

# renv_alive PID: the process runs (a zombie counts as gone)
renv_alive() {
	local state
	kill -0 "$1" 2> /dev/null || return 1
	state=$(awk '{print $3}' "/proc/$1/stat" 2> /dev/null) || return 1
	[ "$state" != Z ]
}

# renv_kill PID: SIGTERM, wait up to 5 s, then SIGKILL
renv_kill() {
	local pid=$1 i
	kill -TERM "$pid" 2> /dev/null || return 0
	for i in $(seq 50); do
		renv_alive "$pid" || break
		sleep 0.1
	done
	if renv_alive "$pid"; then
		kill -KILL "$pid" 2> /dev/null || true
	fi
	wait "$pid" 2> /dev/null || true
}

svc_start() {
	local name=$1 var dir pf i
	shift
	renv_dir > /dev/null || return 1
	dir=$RENV
	var=$(renv_var "$name")
	pf="$dir/svc-$name.port"
	rm -f "$pf"
	canary-svc --track "$name" --port-file "$pf" "$@" \
		> /dev/null 2> "$dir/svc-$name.log" 3>&- < /dev/null &
	echo $! > "$dir/svc-$name.pid"
	for i in $(seq $((RENV_WAIT * 20))); do
		[ -s "$pf" ] && break
		renv_alive "$(cat "$dir/svc-$name.pid")" || break
		sleep 0.05
	done
	if [ ! -s "$pf" ]; then
		echo "canary-svc $name did not start" >&2
		sed 's/^/  /' "$dir/svc-$name.log" >&2
		return 1
	fi
	export "${var}_PORT=$(cat "$pf")" "${var}_PID=$(cat "$dir/svc-$name.pid")"
	renv_wait_http "http://127.0.0.1:$(cat "$pf")/health" "canary-svc $name" \
		"$dir/svc-$name.log"
}

svc_stop() {
	local pf="$RENV/svc-$1.pid"
	[ -n "${RENV:-}" ] && [ -f "$pf" ] || return 0
	renv_kill "$(cat "$pf")"
	rm -f "$pf"
}

# nginx_upstream_write BLUE_WEIGHT GREEN_WEIGHT: the upstream "app" with
# the two services; a weight of 0 marks the server down.
nginx_upstream_write() {
	local b=$1 g=$2 tmp="$RENV/upstream.conf.tmp"
	{
		echo "upstream app {"
		if [ "$b" -gt 0 ]; then
			echo "	server 127.0.0.1:$BLUE_PORT weight=$b;"
		else
			echo "	server 127.0.0.1:$BLUE_PORT down;"
		fi
		if [ -n "${GREEN_PORT:-}" ]; then
			if [ "$g" -gt 0 ]; then
				echo "	server 127.0.0.1:$GREEN_PORT weight=$g;"
			else
				echo "	server 127.0.0.1:$GREEN_PORT down;"
			fi
		fi
		echo "}"
	} > "$tmp" && mv "$tmp" "$RENV/upstream.conf"
}

nginx_start() {
	local dir
	renv_dir > /dev/null || return 1
	dir=$RENV
	[ -n "${BLUE_PORT:-}" ] || { echo "nginx_start: start blue first" >&2; return 1; }
	NGINX_PORT=$(free_port) || return 1
	mkdir -p "$dir/nginx-tmp"
	nginx_upstream_write 100 0 || return 1
	cat > "$dir/nginx.conf" <<-EOF
	worker_processes 1;
	daemon on;
	pid $dir/nginx.pid;
	error_log $dir/error.log warn;
	events {
		worker_connections 1024;
	}
	http {
		client_body_temp_path $dir/nginx-tmp/client_body;
		proxy_temp_path $dir/nginx-tmp/proxy;
		fastcgi_temp_path $dir/nginx-tmp/fastcgi;
		uwsgi_temp_path $dir/nginx-tmp/uwsgi;
		scgi_temp_path $dir/nginx-tmp/scgi;
		log_format agentkit '\$msec \$status \$request_time \$upstream_response_time \$upstream_addr "\$request"';
		access_log $dir/access.log agentkit;
		include $dir/upstream.conf;
		server {
			listen 127.0.0.1:$NGINX_PORT;
			location / {
				proxy_pass http://app;
				proxy_next_upstream off;
			}
		}
	}
	EOF
	NGINX_CMD="nginx -p $dir -c $dir/nginx.conf"
	NGINX_UPSTREAM_FILE="$dir/upstream.conf"
	NGINX_LOG="$dir/access.log"
	export NGINX_PORT NGINX_CMD NGINX_UPSTREAM_FILE NGINX_LOG
	if ! $NGINX_CMD > "$dir/nginx.out" 2>&1 3>&- < /dev/null; then
		echo "nginx did not start:" >&2
		sed 's/^/  /' "$dir/nginx.out" "$dir/error.log" >&2 2> /dev/null
		return 1
	fi
	renv_wait_http "http://127.0.0.1:$NGINX_PORT/health" nginx "$dir/error.log"
}

# nginx_workers: the pids of the nginx worker processes
nginx_workers() {
	pgrep -P "$(cat "$RENV/nginx.pid")" | sort
}

# nginx_reload: reload the configuration and wait until only workers
# started after it run, so every connection made after it returns is
# served with the new configuration. Fails when nginx refuses the
# configuration or the old workers do not exit within $RENV_WAIT seconds.
nginx_reload() {
	local old now i
	$NGINX_CMD -t > "$RENV/nginx.out" 2>&1 || { cat "$RENV/nginx.out" >&2; return 1; }
	old=$(nginx_workers)
	$NGINX_CMD -s reload 3>&- < /dev/null || return 1
	for i in $(seq $((RENV_WAIT * 20))); do
		now=$(nginx_workers)
		if [ -n "$now" ] && [ -z "$(comm -12 <(echo "$old") <(echo "$now"))" ]; then
			return 0
		fi
		sleep 0.05
	done
	echo "nginx_reload: old workers still running: $now" >&2
	return 1
}

haproxy_start() {
	local dir pid
	renv_dir > /dev/null || return 1
	dir=$RENV
	[ -n "${BLUE_PORT:-}" ] && [ -n "${GREEN_PORT:-}" ] ||
		{ echo "haproxy_start: start blue and green first" >&2; return 1; }
	HAPROXY_PORT=$(free_port) || return 1
	HAPROXY_SOCKET="$dir/haproxy.sock"
	cat > "$dir/haproxy.cfg" <<-EOF
	global
		stats socket $HAPROXY_SOCKET level admin
		maxconn 1024
	defaults
		mode http
		timeout connect 2s
		timeout client 30s
		timeout server 30s
	frontend web
		bind 127.0.0.1:$HAPROXY_PORT
		default_backend app
	backend app
		balance roundrobin
		server blue 127.0.0.1:$BLUE_PORT weight 100
		server green 127.0.0.1:$GREEN_PORT weight 0
	EOF
	export HAPROXY_PORT HAPROXY_SOCKET
	if ! haproxy -f "$dir/haproxy.cfg" -D -p "$dir/haproxy.pid" \
		> "$dir/haproxy.log" 2>&1 3>&- < /dev/null; then
		echo "haproxy did not start:" >&2
		sed 's/^/  /' "$dir/haproxy.log" >&2
		return 1
	fi
	renv_wait_http "http://127.0.0.1:$HAPROXY_PORT/health" haproxy "$dir/haproxy.log"
}

# haproxy_cmd COMMAND...: one command on the stats socket, its answer printed
haproxy_cmd() {
	echo "$*" | socat -t 2 stdio "unix-connect:$HAPROXY_SOCKET"
}

prometheus_start() {
	local dir pf targets="" n=0 i up
	renv_dir > /dev/null || return 1
	dir=$RENV
	for pf in "$dir"/svc-*.port; do
		[ -s "$pf" ] || continue
		targets="$targets${targets:+, }'127.0.0.1:$(cat "$pf")'"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || { echo "prometheus_start: start a service first" >&2; return 1; }
	PROM_PORT=$(free_port) || return 1
	PROM_URL="http://127.0.0.1:$PROM_PORT"
	export PROM_PORT PROM_URL
	cat > "$dir/prom.yml" <<-EOF
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	  evaluation_interval: 1s
	scrape_configs:
	  - job_name: canary
	    static_configs:
	      - targets: [$targets]
	EOF
	prometheus --config.file="$dir/prom.yml" --storage.tsdb.path="$dir/prom-data" \
		--web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn \
		> "$dir/prometheus.log" 2>&1 3>&- < /dev/null &
	echo $! > "$dir/prometheus.pid"
	for i in $(seq $((RENV_WAIT * 10))); do
		[ "$(renv_http_code "$PROM_URL/-/ready")" = 200 ] && break
		renv_alive "$(cat "$dir/prometheus.pid")" || break
		sleep 0.1
	done
	if [ "$(renv_http_code "$PROM_URL/-/ready")" != 200 ]; then
		echo "prometheus did not get ready:" >&2
		sed 's/^/  /' "$dir/prometheus.log" >&2
		return 1
	fi
	for _ in $(seq $((RENV_WAIT * 5))); do
		up=$(prom_query up | jq '[.data.result[] | select(.value[1] == "1")] | length' 2> /dev/null)
		[ "${up:-0}" -ge "$n" ] && return 0
		sleep 0.2
	done
	echo "prometheus: not all $n targets up within ${RENV_WAIT}s:" >&2
	prom_query up >&2
	return 1
}

# prom_query EXPR: the JSON answer of an instant query
prom_query() {
	curl -s -m 5 --data-urlencode "query=$1" "$PROM_URL/api/v1/query"
}

renv_stop() {
	local pf pid
	[ -n "${RENV:-}" ] && [ -d "$RENV" ] || return 0
	if [ -f "$RENV/nginx.pid" ]; then
		pid=$(cat "$RENV/nginx.pid")
		nginx -p "$RENV" -c "$RENV/nginx.conf" -s stop > /dev/null 2>&1 3>&- || true
		for _ in $(seq 50); do
			renv_alive "$pid" || break
			sleep 0.1
		done
		renv_kill "$pid"
		rm -f "$RENV/nginx.pid"
	fi
	for pf in "$RENV"/*.pid; do
		[ -f "$pf" ] || continue
		pid=$(cat "$pf")
		[ -n "$pid" ] && renv_kill "$pid"
		rm -f "$pf"
	done
}
