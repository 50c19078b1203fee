#!/usr/bin/env bats
# agent-monitor: checks run against real servers on loopback (the test
# service canary-svc, Prometheus, openssl s_server with certificates made
# for the test, the test's own file system), state kept in a SQLite store
# between runs, alert events on stdout, the textfile, the lock, and the
# exit statuses.

bats_require_minimum_version 1.5.0
load helpers/lib
load helpers/rollout-env

# Servers shared by every test: one health endpoint, Prometheus, and two
# TLS servers, one with a certificate that ends in 5 days, one in 400.
setup_file() {
	svc_start web --health-file "$BATS_FILE_TMPDIR/web-down"
	prometheus_start
	tls_start SHORT 5
	tls_start LONG 400
	DEAD_PORT=$(free_port)
	export DEAD_PORT
}

teardown_file() { renv_stop; }

# tls_start NAME DAYS: openssl s_server with a self-signed certificate for
# localhost valid DAYS days; NAME_TLS_PORT
tls_start() {
	local port i
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days "$2" \
		-keyout "$RENV/$1.key" -out "$RENV/$1.crt" 2> /dev/null
	port=$(free_port)
	openssl s_server -accept "127.0.0.1:$port" -cert "$RENV/$1.crt" -key "$RENV/$1.key" \
		-www -quiet > /dev/null 2>&1 < /dev/null 3>&- &
	echo $! > "$RENV/tls-$1.pid"
	for i in $(seq 100); do
		(exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break
		sleep 0.1
	done
	export "$1_TLS_PORT=$port"
}

setup() {
	common_setup
	rm -f "$BATS_FILE_TMPDIR/web-down"
	export AGENTKIT_STORE="$T/monitor.db"
	export XDG_RUNTIME_DIR="$T"
	WEB="http://127.0.0.1:$WEB_PORT/health"
}

teardown() {
	rm -f "$BATS_FILE_TMPDIR/web-down"
	common_teardown
}

down() { touch "$BATS_FILE_TMPDIR/web-down"; }
up() { rm -f "$BATS_FILE_TMPDIR/web-down"; }

# The events of the store: "type subject", in order.
stored() {
	sqlite3 "$AGENTKIT_STORE" "SELECT type || ' ' || subject FROM events ORDER BY seq"
}

# "NAME: STATE" of each stderr line
states() {
	sed -n 's/^agent-monitor: \(warning: \)\{0,1\}\([a-z0-9._-]*\): \([a-z]*\):.*/\2: \3/p'
}

all_checks() {
	cat > checks.yaml <<-EOF
	checks:
	  - name: web
	    http: $WEB
	    contains: ok
	  - name: errors
	    prometheus: $PROM_URL
	    query: vector(0.005)
	    above: 0.01
	  - name: cert
	    tls: 127.0.0.1:$LONG_TLS_PORT
	    servername: localhost
	    days: 14
	  - name: disk
	    disk: $T
	    free_pct: 0
	EOF
}

@test "a first run with everything well writes no event and exits 0" {
	all_checks
	run --separate-stderr agent-monitor checks.yaml
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	printf '%s\n' 'web: ok' 'errors: ok' 'cert: ok' 'disk: ok' > expect
	states <<< "$stderr" > got
	test_cmp expect got
	[ "$(echo "$stderr" | wc -l)" -eq 4 ]
	[ -z "$(stored)" ]
	# -q: nothing on stderr when all is well
	run --separate-stderr agent-monitor -q checks.yaml
	[ "$status" -eq 0 ] && [ -z "$stderr" ] && [ -z "$output" ]
}

@test "a target going down fires once, stays quiet while down, and resolves when back" {
	all_checks
	agent-monitor checks.yaml 2> /dev/null
	down
	run --separate-stderr agent-monitor checks.yaml
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	echo "$output" | jq -c '{type, subject, source, d: (.data | {rule, target, kind, value, threshold, message})}' > got
	cat > expect <<-EOF
	{"type":"alert.fired","subject":"web","source":"agentkit/agent-monitor","d":{"rule":"web","target":"$WEB","kind":"http","value":503,"threshold":null,"message":"status 503, want 2xx"}}
	EOF
	test_cmp expect got
	fired_id=$(echo "$output" | jq -r .id)
	[ "$(echo "$output" | jq -r '.data.since <= .time and .data.since > "2020"')" = true ]
	grep -qx 'agent-monitor: web: firing: status 503, want 2xx (alert.fired)' <<< "$stderr"
	# still down: no new event, still 1
	run --separate-stderr agent-monitor checks.yaml
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	# back: one alert.resolved that answers the alert.fired
	up
	run --separate-stderr agent-monitor checks.yaml
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '[.type, .subject, .causationid, .data.value] | join(" ")')" = \
		"alert.resolved web $fired_id 200" ]
	printf '%s\n' 'alert.fired web' 'alert.resolved web' > expect
	stored > got
	test_cmp expect got
}

@test "a health check that cannot connect is firing, not unknown" {
	cat > checks.yaml <<-EOF
	checks:
	  - name: gone
	    http: http://127.0.0.1:$DEAD_PORT/health
	    timeout: 2s
	EOF
	run --separate-stderr agent-monitor checks.yaml
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r '[.type, .data.kind, (.data.value | tostring)] | join(" ")')" = \
		"alert.fired http null" ]
	echo "$output" | jq -r .data.message | grep -q "^cannot reach 'http://127.0.0.1:$DEAD_PORT/health': "
}

@test "status and contains: a wrong status or a body without the text fires" {
	cat > checks.yaml <<-EOF
	checks:
	  - name: want-204
	    http: $WEB
	    status: 204
	  - name: want-text
	    http: $WEB
	    contains: '"healthy"'
	  - name: want-200
	    http: $WEB
	    status: 200
	    contains: ok
	EOF
	run --separate-stderr agent-monitor checks.yaml
	[ "$status" -eq 1 ]
	echo "$output" | jq -r '[.subject, .data.message] | join(": ")' > got
	cat > expect <<-'EOF'
	want-204: status 200, want 204
	want-text: status 200 but the body lacks '"healthy"'
	EOF
	test_cmp expect got
}

@test "for: 2 fires only on the second bad run in a row" {
	cat > checks.yaml <<-EOF
	checks:
	  - name: web
	    http: $WEB
	    for: 2
	EOF
	down
	run --separate-stderr agent-monitor checks.yaml
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	grep -qx 'agent-monitor: web: firing: status 503, want 2xx (pending: 1 of 2 bad runs)' <<< "$stderr"
	# a good run in between starts the count again
	up
	agent-monitor checks.yaml 2> /dev/null
	down
	run --separate-stderr agent-monitor checks.yaml
	[ "$status" -eq 0 ] && [ -z "$output" ]
	run --separate-stderr agent-monitor checks.yaml
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r .type)" = alert.fired ]
	# since: the first bad run of the two
	[ "$(echo "$output" | jq -r '.data.since < .time')" = true ]
	# the count is in the store's join table while pending, gone once resolved
	up
	agent-monitor checks.yaml > /dev/null 2>&1
	[ "$(sqlite3 "$AGENTKIT_STORE" "SELECT count(*) FROM joins WHERE agent = 'agent-monitor'")" = 0 ]
}

@test "defaults: sets for and timeout of every check" {
	cat > checks.yaml <<-EOF
	defaults:
	  for: 2
	checks:
	  - name: web
	    http: $WEB
	EOF
	down
	run agent-monitor -q checks.yaml
	[ "$status" -eq 0 ] && [ -z "$output" ]
	run agent-monitor -q checks.yaml
	[ "$status" -eq 1 ]
}

@test "prometheus: above and below against real queries" {
	cat > checks.yaml <<-EOF
	checks:
	  - name: rate-high
	    prometheus: $PROM_URL
	    query: vector(0.5)
	    above: 0.01
	  - name: rate-ok
	    prometheus: $PROM_URL/
	    query: scalar(vector(0.005))
	    above: 0.01
	  - name: too-few
	    prometheus: $PROM_URL
	    query: count(up)
	    below: 5
	EOF
	run --separate-stderr agent-monitor checks.yaml
	[ "$status" -eq 1 ]
	echo "$output" | jq -c '[.subject, .data.value, .data.threshold, .data.query, .data.message]' > got
	cat > expect <<-'EOF'
	["rate-high",0.5,0.01,"vector(0.5)","value 0.5 is above 0.01"]
	["too-few",1,5,"count(up)","value 1 is below 5"]
	EOF
	test_cmp expect got
	grep -qx 'agent-monitor: rate-ok: ok: value 0.005 is not above 0.01' <<< "$stderr"
}

@test "unknown: no data, NaN or Prometheus down change nothing and exit 69" {
	cat > checks.yaml <<-EOF
	checks:
	  - name: empty
	    prometheus: $PROM_URL
	    query: up{job="no-such-job"}
	    above: 0
	  - name: nan
	    prometheus: $PROM_URL
	    query: vector(0) / 0
	    above: 0
	  - name: down
	    prometheus: http://127.0.0.1:$DEAD_PORT
	    query: up
	    above: 0
	  - name: bad-query
	    prometheus: $PROM_URL
	    query: sum(
	    above: 0
	EOF
	run --separate-stderr agent-monitor checks.yaml
	[ "$status" -eq 69 ]
	[ -z "$output" ]
	sed -n 's/^agent-monitor: warning: \([a-z-]*\): unknown: \(.\{0,40\}\).*/\1: \2/p' <<< "$stderr" > got
	cat > expect <<-EOF
	empty: no data: the query gave an empty vector
	nan: no data: the query gave NaN
	down: prometheus: Failed to connect to 127.0.0
	bad-query: prometheus: invalid parameter "query": 1
	EOF
	test_cmp expect got
	[ -z "$(stored)" ]
}

@test "an unknown run keeps a firing alert firing, and the textfile says both" {
	export SOURCE_DATE_EPOCH=1700000000
	cat > checks.yaml <<-EOF
	checks:
	  - name: errors
	    prometheus: $PROM_URL
	    query: vector(0.5)
	    above: 0.01
	EOF
	run agent-monitor -q checks.yaml
	[ "$status" -eq 1 ] && [ "$(echo "$output" | jq -r .type)" = alert.fired ]
	sed -i "s|$PROM_URL|http://127.0.0.1:$DEAD_PORT|" checks.yaml
	run --separate-stderr agent-monitor --textfile m.prom checks.yaml
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	grep -q '^agent-monitor: warning: errors: unknown: .*(the alert stays firing)$' <<< "$stderr"
	grep '^agentkit_monitor_check_' m.prom > got
	cat > expect <<-'EOF'
	agentkit_monitor_check_up{check="errors",kind="prometheus"} NaN
	agentkit_monitor_check_unknown{check="errors",kind="prometheus"} 1
	agentkit_monitor_check_value{check="errors",kind="prometheus"} NaN
	agentkit_monitor_check_firing{check="errors",kind="prometheus"} 1
	EOF
	test_cmp expect got
	# Prometheus back with a good value: resolved
	sed -i "s|http://127.0.0.1:$DEAD_PORT|$PROM_URL|; s|vector(0.5)|vector(0)|" checks.yaml
	run agent-monitor -q checks.yaml
	[ "$status" -eq 0 ] && [ "$(echo "$output" | jq -r .type)" = alert.resolved ]
}

@test "tls: a certificate ending in 5 days fires with days: 14, one of 400 days is ok" {
	cat > checks.yaml <<-EOF
	checks:
	  - name: short
	    tls: 127.0.0.1:$SHORT_TLS_PORT
	    servername: localhost
	    days: 14
	  - name: long
	    tls: localhost:$LONG_TLS_PORT
	    days: 14
	  - name: closed
	    tls: 127.0.0.1:$DEAD_PORT
	    timeout: 2s
	EOF
	run --separate-stderr agent-monitor checks.yaml
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r '[.subject, .data.kind, .data.threshold, (.data.value >= 4 and .data.value <= 5)] | join(" ")')" = \
		"short tls 14 true" ]
	echo "$output" | jq -r .data.message | grep -qE '^certificate expires [0-9-]+T[0-9:]+Z, in [45]\.[0-9] days \(fewer than 14; self-signed certificate\)$'
	grep -qE '^agent-monitor: long: ok: certificate expires .*, in (399\.9|400\.0) days \(at least 14; self-signed certificate\)$' <<< "$stderr"
	grep -qx "agent-monitor: warning: closed: unknown: cannot connect to '127.0.0.1' port $DEAD_PORT: Connection refused" <<< "$stderr"
}

@test "disk: free_pct 0 is ok, more MiB than the disk has fires" {
	cat > checks.yaml <<-EOF
	checks:
	  - name: any
	    disk: $T
	    free_pct: 0
	  - name: huge
	    disk: $T
	    free_mb: 1000000000000
	  - name: missing
	    disk: $T/no/such/dir
	    free_pct: 10
	EOF
	run --separate-stderr agent-monitor checks.yaml
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r '[.subject, .data.threshold] | join(" ")')" = "huge 1000000000000" ]
	states <<< "$stderr" > got
	printf '%s\n' 'any: ok' 'huge: firing' 'missing: unknown' > expect
	test_cmp expect got
	grep -qx "agent-monitor: warning: missing: unknown: cannot look at '$T/no/such/dir': No such file or directory" <<< "$stderr"
}

@test "the textfile, compared whole" {
	export SOURCE_DATE_EPOCH=1700000000
	cat > checks.yaml <<-EOF
	checks:
	  - name: web
	    http: $WEB
	  - name: errors
	    prometheus: $PROM_URL
	    query: vector(0.005)
	    above: 0.01
	  - name: gone
	    prometheus: http://127.0.0.1:$DEAD_PORT
	    query: up
	    above: 0
	  - name: huge
	    disk: $T
	    free_mb: 1000000000000
	EOF
	run agent-monitor -q --textfile "$T/out/monitor.prom" checks.yaml
	[ "$status" -eq 74 ]   # no such folder
	mkdir out
	run agent-monitor -q --textfile "$T/out/monitor.prom" checks.yaml
	[ "$status" -eq 1 ]
	[ "$(ls -A out)" = monitor.prom ]
	[ "$(stat -c %a out/monitor.prom)" = 644 ]
	grep -q '^agentkit_monitor_run_duration_seconds [0-9.e-]*$' out/monitor.prom
	grep -v '^agentkit_monitor_run_duration_seconds \|{check="huge",kind="disk"}' out/monitor.prom > got
	cat > expect <<-'EOF'
	# HELP agentkit_monitor_check_up Whether the check passed in the last run (1) or failed (0); NaN when it could not be evaluated.
	# TYPE agentkit_monitor_check_up gauge
	agentkit_monitor_check_up{check="web",kind="http"} 1
	agentkit_monitor_check_up{check="errors",kind="prometheus"} 1
	agentkit_monitor_check_up{check="gone",kind="prometheus"} NaN
	# HELP agentkit_monitor_check_unknown Whether the check could not be evaluated in the last run.
	# TYPE agentkit_monitor_check_unknown gauge
	agentkit_monitor_check_unknown{check="web",kind="http"} 0
	agentkit_monitor_check_unknown{check="errors",kind="prometheus"} 0
	agentkit_monitor_check_unknown{check="gone",kind="prometheus"} 1
	# HELP agentkit_monitor_check_value What the check measured: HTTP status, query value, days left, free percent or MiB; NaN when nothing.
	# TYPE agentkit_monitor_check_value gauge
	agentkit_monitor_check_value{check="web",kind="http"} 200
	agentkit_monitor_check_value{check="errors",kind="prometheus"} 0.005
	agentkit_monitor_check_value{check="gone",kind="prometheus"} NaN
	# HELP agentkit_monitor_check_firing Whether the check's alert is firing after the last run.
	# TYPE agentkit_monitor_check_firing gauge
	agentkit_monitor_check_firing{check="web",kind="http"} 0
	agentkit_monitor_check_firing{check="errors",kind="prometheus"} 0
	agentkit_monitor_check_firing{check="gone",kind="prometheus"} 0
	# HELP agentkit_monitor_last_run_timestamp_seconds When agent-monitor last ran, in seconds since 1970.
	# TYPE agentkit_monitor_last_run_timestamp_seconds gauge
	agentkit_monitor_last_run_timestamp_seconds 1700000000
	# HELP agentkit_monitor_run_duration_seconds How long the last run of agent-monitor took.
	# TYPE agentkit_monitor_run_duration_seconds gauge
	EOF
	test_cmp expect got
	grep '{check="huge",kind="disk"}' out/monitor.prom | sed 's/check_value\(.*\) [0-9.e+]*$/check_value\1 V/' > got
	cat > expect <<-'EOF'
	agentkit_monitor_check_up{check="huge",kind="disk"} 0
	agentkit_monitor_check_unknown{check="huge",kind="disk"} 0
	agentkit_monitor_check_value{check="huge",kind="disk"} V
	agentkit_monitor_check_firing{check="huge",kind="disk"} 1
	EOF
	test_cmp expect got
}

@test "a run held by another is refused at once with 75" {
	cat > checks.yaml <<-EOF
	checks:
	  - name: disk
	    disk: $T
	    free_pct: 0
	EOF
	exec 9> "$T/held.lock"
	flock -n 9
	run --separate-stderr agent-monitor --lock "$T/held.lock" checks.yaml
	exec 9>&-
	[ "$status" -eq 75 ]
	[ "$stderr" = "agent-monitor: another run holds '$T/held.lock'" ]
	[ -z "$output" ]
	# the default lock is in XDG_RUNTIME_DIR
	exec 9> "$T/agent-monitor.lock"
	flock -n 9
	run --separate-stderr agent-monitor checks.yaml
	exec 9>&-
	[ "$status" -eq 75 ]
	[ "$stderr" = "agent-monitor: another run holds '$T/agent-monitor.lock'" ]
	# let go: it runs
	run agent-monitor -q checks.yaml
	[ "$status" -eq 0 ]
}

# bad FILE MESSAGE: exit 65 with exactly that message and nothing on stdout
bad() {
	run --separate-stderr agent-monitor "$1"
	[ "$status" -eq 65 ] || { echo "status $status: $stderr"; false; }
	[ -z "$output" ]
	[ "$stderr" = "agent-monitor: $2" ] || { echo "got: $stderr"; false; }
}

@test "bad check files are refused with 65 and a message that names the place" {
	printf 'checks:\n  - name: a\n    disk: /\n    free_pct: 1\n    foo: 2\n' > unknown.yaml
	bad unknown.yaml "unknown.yaml: checks[0].foo: unknown key"
	printf 'checks:\n  - name: a\n    disk: /\n    free_pct: 1\n  - name: a\n    disk: /\n    free_mb: 1\n' > dup.yaml
	bad dup.yaml "dup.yaml: checks[1].name: 'a' is the name of checks[0] too"
	printf 'checks:\n  - name: a\n    http: http://x/\n   status: 200\n' > syntax.yaml
	bad syntax.yaml "syntax.yaml:4:4: did not find expected '-' indicator"
	printf 'checks:\n  - name: a\n    http: http://x/\n    above: 1\n' > kind.yaml
	bad kind.yaml "kind.yaml: checks[0].above: is not a key of http checks"
	bad missing.yaml "cannot open 'missing.yaml': No such file or directory"
	[ -z "$(ls "$T" | grep '\.db$')" ]
}

@test "hostile check files: huge, binary, deeply nested" {
	head -c 2000000 /dev/zero | tr '\0' '#' > huge.yaml
	bad huge.yaml "'huge.yaml' is too large (limit 1048576 bytes)"
	head -c 4096 "$(command -v agent-monitor)" > binary.yaml
	run --separate-stderr agent-monitor binary.yaml
	[ "$status" -eq 65 ] && [ -z "$output" ]
	[[ "$stderr" == "agent-monitor: binary.yaml:"* ]]
	/usr/bin/python3 -c 'print("checks: " + "[" * 100000 + "]" * 100000)' > deep.yaml
	bad deep.yaml "deep.yaml:1:520: nested more than 512 levels deep"
	/usr/bin/python3 -c 'print("checks:\n" + "".join("  - {name: d%d, disk: /, free_pct: 0}\n" % i for i in range(1001)))' > many.yaml
	bad many.yaml "many.yaml: checks: more than 1000 checks"
}

@test "a full stdout is an I/O error: 74" {
	cat > checks.yaml <<-EOF
	checks:
	  - name: huge
	    disk: $T
	    free_mb: 1000000000000
	EOF
	run --separate-stderr sh -c 'agent-monitor -q --store "$1" checks.yaml > /dev/full' _ "$T/full.db"
	[ "$status" -eq 74 ]
	[ "$stderr" = "agent-monitor: write error: No space left on device" ]
}

@test "--check runs some checks only; an unknown name is a usage error" {
	all_checks
	run --separate-stderr agent-monitor --check disk --check web checks.yaml
	[ "$status" -eq 0 ]
	states <<< "$stderr" > got
	printf '%s\n' 'web: ok' 'disk: ok' > expect
	test_cmp expect got
	run --separate-stderr agent-monitor --check nope checks.yaml
	[ "$status" -eq 64 ]
	[ "$stderr" = "agent-monitor: no check named 'nope' in 'checks.yaml'" ]
}

@test "--dry-run prints what would change and changes nothing" {
	cat > checks.yaml <<-EOF
	checks:
	  - name: web
	    http: $WEB
	EOF
	down
	for i in 1 2; do
		run agent-monitor -q --dry-run --textfile m.prom checks.yaml
		[ "$status" -eq 1 ]
		[ "$(echo "$output" | jq -r .type)" = alert.fired ]
	done
	[ ! -e m.prom ]
	[ ! -e "$AGENTKIT_STORE" ]
	[ ! -e "$T/agent-monitor.lock" ]
	# with a store: read, never written
	agent-monitor -q --check web checks.yaml > /dev/null || true
	run agent-monitor -q --dry-run checks.yaml
	[ "$status" -eq 1 ] && [ -z "$output" ]
	up
	run agent-monitor -q --dry-run checks.yaml
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .type)" = alert.resolved ]
	printf '%s\n' 'alert.fired web' > expect
	stored > got
	test_cmp expect got
}

@test "the check file: the operand, else monitor.checks, else ./monitors.yaml" {
	printf 'checks:\n  - name: from-default\n    disk: /\n    free_pct: 0\n' > monitors.yaml
	printf 'checks:\n  - name: from-config\n    disk: /\n    free_pct: 0\n' > config.yaml
	run --separate-stderr agent-monitor
	[ "$status" -eq 0 ] && [ "$(states <<< "$stderr")" = "from-default: ok" ]
	run --separate-stderr env AGENTKIT_MONITOR_CHECKS=config.yaml agent-monitor
	[ "$status" -eq 0 ] && [ "$(states <<< "$stderr")" = "from-config: ok" ]
	printf 'monitor:\n  checks: config.yaml\n' > agentkit.yaml
	run --separate-stderr agent-monitor
	[ "$status" -eq 0 ] && [ "$(states <<< "$stderr")" = "from-config: ok" ]
	run --separate-stderr agent-monitor monitors.yaml
	[ "$status" -eq 0 ] && [ "$(states <<< "$stderr")" = "from-default: ok" ]
}

@test "usage errors exit 64; a store that cannot be reached 69" {
	printf 'checks:\n  - name: d\n    disk: /\n    free_pct: 0\n' > c.yaml
	run --separate-stderr agent-monitor c.yaml c.yaml
	[ "$status" -eq 64 ]
	[ "${stderr%%$'\n'*}" = "agent-monitor: one check file at most" ]
	run --separate-stderr agent-monitor --jobs 0 c.yaml
	[ "$status" -eq 64 ]
	[ "${stderr%%$'\n'*}" = "agent-monitor: --jobs wants 1 to 64, not '0'" ]
	run --separate-stderr agent-monitor --timeout soon c.yaml
	[ "$status" -eq 64 ]
	run --separate-stderr agent-monitor --store "postgres://127.0.0.1:$DEAD_PORT/x" c.yaml
	[ "$status" -eq 69 ]
	[[ "$stderr" == "agent-monitor: cannot connect to store "* ]]
}

@test "with SOURCE_DATE_EPOCH the events are the same bytes from run to run" {
	export SOURCE_DATE_EPOCH=1700000000
	cat > checks.yaml <<-EOF
	checks:
	  - name: huge
	    disk: $T
	    free_mb: 1000000000000
	EOF
	agent-monitor -q --store a.db checks.yaml | jq -c 'del(.data.value, .data.message)' > a || true
	agent-monitor -q --store b.db checks.yaml | jq -c 'del(.data.value, .data.message)' > b || true
	test_cmp a b
	[ "$(jq -r '[.id, .time] | join(" ")' a)" = "$(jq -r '[.id, .time] | join(" ")' b)" ]
	[ "$(jq -r .time a)" = 2023-11-14T22:13:20.000Z ]
	# the resolved event that follows has an id of its own
	sed -i 's/free_mb: .*/free_mb: 0/' checks.yaml
	agent-monitor -q --store a.db checks.yaml > r
	[ "$(jq -r .type r)" = alert.resolved ]
	[ "$(jq -r .id r)" != "$(jq -r .id a)" ]
	[ "$(sqlite3 a.db 'SELECT count(*) FROM events')" = 2 ]
}

@test "the example check file is valid, and its README names the program" {
	sed "s|/var/lib|$T|" "$TOP/examples/monitors/checks.yaml" > checks.yaml
	run --separate-stderr agent-monitor --dry-run --check disk checks.yaml
	[ "$status" -eq 0 ]
	[ "$(states <<< "$stderr")" = "disk: ok" ]
	grep -c '^  - name: ' checks.yaml > got
	echo 4 > expect
	test_cmp expect got
	grep -q 'agent-monitor --textfile' "$TOP/examples/monitors/README.md"
}
