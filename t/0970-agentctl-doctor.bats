#!/usr/bin/env bats
# agentctl doctor: a machine set up right (stand-in programs on a PATH of
# the test's own, a SQLite store, the mock Kafka cluster, the stand-in
# model server, a stand-in Prometheus), then each thing broken in turn.

bats_require_minimum_version 1.5.0
load helpers/lib

AGENTCTL="$TOP/bin/agentctl"

setup() {
	common_setup
	unset AGENTKIT_KAFKA_BROKERS AGENTKIT_KAFKA_TOPIC_PREFIX NO_COLOR
	export AGENTKIT_STORE="$T/agentkit.db" AGENTKIT_WORKSPACE="$T/work"
	MOCK= PROM=
	make_fakebin
}

teardown() {
	fake_llm_stop
	for pid in $MOCK $PROM; do
		kill "$pid" 2> /dev/null || true
		wait "$pid" 2> /dev/null || true
	done
	common_teardown
}

# fake NAME TEXT [>&2]: a stand-in program that prints TEXT, on $T/fakebin
fake() {
	printf '#!/bin/sh\necho "%s"%s\n' "$2" "${3:+ $3}" > "$T/fakebin/$1"
	chmod 755 "$T/fakebin/$1"
}

# Every program doctor looks for, as a stand-in that prints a version the
# way the real one does (nginx and haproxy on stderr).
make_fakebin() {
	mkdir -p "$T/fakebin"
	fake python3 '3.11.2 '
	fake node v20.11.0
	fake npm 10.2.4
	fake git 'git version 2.39.2'
	fake nginx 'nginx version: nginx/1.22.1' '>&2'
	fake haproxy 'HAProxy version 2.6.12-1 2023/04/01' '>&2'
	fake prometheus 'prometheus, version 2.42.0+ds (branch: debian/sid)'
	fake kcat 'kcat - Apache Kafka producer and consumer tool\nVersion 1.7.1 (JSON)'
	fake terraform 'Terraform v1.6.6'
	fake chromium 'Chromium 120.0.6099.224 built on Debian'
	fake jq jq-1.6
}

# doctor [OPTION]...: agentctl doctor with only the stand-ins on PATH;
# stdout in $T/out, stderr in $T/err, the exit status in $rc
doctor() {
	rc=0
	PATH="$T/fakebin" "$AGENTCTL" doctor "$@" > "$T/out" 2> "$T/err" || rc=$?
}

# The output with what changes from run to run masked.
mask() {
	sed -e "s|$TOP|TOP|g" -e "s|$T|T|g" -e 's/127\.0\.0\.1:[0-9][0-9]*/127.0.0.1:PORT/g' \
		-e 's/[0-9][0-9.]* [GM]iB free ([0-9]*%)/N GiB free (P%)/g' "$@"
}

# A stand-in Prometheus: /-/ready answers 200, anything else 200 "ok".
prometheus_start() {
	cat > "$T/prom.py" <<-'EOF'
	import http.server, sys
	class H(http.server.BaseHTTPRequestHandler):
	    def do_GET(self):
	        body = b"Prometheus Server is Ready.\n" if self.path == "/-/ready" else b"ok\n"
	        self.send_response(200)
	        self.send_header("Content-Length", str(len(body)))
	        self.end_headers()
	        self.wfile.write(body)
	    def log_message(self, *a):
	        pass
	s = http.server.HTTPServer(("127.0.0.1", 0), H)
	with open(sys.argv[1] + ".tmp", "w") as f:
	    f.write("%d\n" % s.server_address[1])
	import os
	os.rename(sys.argv[1] + ".tmp", sys.argv[1])
	s.serve_forever()
	EOF
	/usr/bin/python3 "$T/prom.py" "$T/prom.port" &
	PROM=$!
	for _ in $(seq 100); do [ -s "$T/prom.port" ] && break; sleep 0.05; done
	[ -s "$T/prom.port" ]
	export AGENTKIT_DOCTOR_PROMETHEUS_URL="http://127.0.0.1:$(cat "$T/prom.port")"
	export AGENTKIT_DOCTOR_NGINX_URL="http://127.0.0.1:$(cat "$T/prom.port")/"
}

kafka_start() {
	agentctl kafka mock --topics agentkit.feature.tested,agentkit.feature.integrated,other \
		> "$T/boot" 2> "$T/mock.err" &
	MOCK=$!
	for _ in $(seq 100); do [ -s "$T/boot" ] && break; sleep 0.05; done
	export AGENTKIT_KAFKA_BROKERS=$(head -1 "$T/boot")
	[ -n "$AGENTKIT_KAFKA_BROKERS" ]
}

# Everything doctor looks at, up and right.
good_setup() {
	gen-events 3 | agentctl record --quiet
	kafka_start
	fake_llm_start --models small,fake-model
	export AGENTKIT_LLM_MODEL=fake-model
	prometheus_start
}

good_report() {
	cat <<-'EOF'
	ok   agents          8 agents next to agentctl in TOP/bin
	ok   python3         python3 3.11.2 at T/fakebin/python3 with fastapi, uvicorn, pytest
	ok   node            node 20.11.0 at T/fakebin/node
	ok   npm             npm 10.2.4 at T/fakebin/npm
	ok   git             git 2.39.2 at T/fakebin/git
	ok   nginx           nginx 1.22.1 at T/fakebin/nginx
	ok   haproxy         haproxy 2.6.12-1 at T/fakebin/haproxy
	ok   prometheus      prometheus 2.42.0+ds at T/fakebin/prometheus
	ok   kcat            kcat 1.7.1 at T/fakebin/kcat
	ok   terraform       terraform 1.6.6 at T/fakebin/terraform
	ok   chromium        chromium 120.0.6099.224 at T/fakebin/chromium
	ok   jq              jq 1.6 at T/fakebin/jq
	ok   config          no configuration files: defaults and environment
	ok   store           sqlite T/agentkit.db, schema 5 (current), 3 events
	ok   kafka           3 brokers, 2 topics under 'agentkit.'
	ok   llm             openai API at http://127.0.0.1:PORT/v1 serves model 'fake-model'
	ok   prometheus.url  Prometheus at http://127.0.0.1:PORT is ready
	ok   nginx.url       http://127.0.0.1:PORT/ answers (HTTP 200)
	ok   disk            N GiB free (P%) where the store and the workspace are
	EOF
}

@test "a machine set up right: every check ok, exit 0" {
	good_setup
	doctor
	[ "$rc" -eq 0 ]
	good_report > expect
	mask "$T/out" > got
	test_cmp expect got
	test_cmp /dev/null "$T/err"
	# --quiet has nothing to say
	doctor --quiet
	[ "$rc" -eq 0 ]
	test_cmp /dev/null "$T/out"
}

@test "--json: an array of {check, status, detail, fix}, the same checks" {
	good_setup
	doctor --json
	[ "$rc" -eq 0 ]
	jq -e 'type == "array" and length == 19 and
		all(.[]; keys == ["check", "detail", "fix", "status"] and .fix == null)' "$T/out"
	jq -r '.[] | "\(.status) \(.check) \(.detail)"' "$T/out" | mask > got
	good_report | sed 's/  */ /' | sed 's/^\([a-z]*\) \([a-z0-9.]*\)  */\1 \2 /' > expect
	test_cmp expect got
}

@test "a store where a file stands for its folder fails, with the fix" {
	echo text > "$T/plain"
	export AGENTKIT_STORE="$T/plain/agentkit.db"
	doctor --quiet
	[ "$rc" -eq 1 ]
	cat > expect <<-'EOF'
	fail store           sqlite T/plain/agentkit.db: 'T/plain' is not a directory
	     fix: set store (AGENTKIT_STORE) to a path in a writable folder
	EOF
	mask "$T/out" > got
	test_cmp expect got
	[ "$(cat "$T/err")" = "agentctl: doctor: 1 check failed, 0 warned" ]
}

@test "a store in a folder that cannot be written fails" {
	[ "$(id -u)" -ne 0 ] || skip "root writes into any folder (the test above covers root)"
	mkdir "$T/ro"
	gen-events 1 | AGENTKIT_STORE="$T/ro/agentkit.db" agentctl record --quiet
	chmod 555 "$T/ro"
	export AGENTKIT_STORE="$T/ro/agentkit.db"
	doctor --quiet
	chmod 755 "$T/ro"
	[ "$rc" -eq 1 ]
	grep -qxF "fail store           sqlite $T/ro/agentkit.db: '$T/ro' is not writable: Permission denied" "$T/out"
}

@test "a store behind the program's schema warns: migrate it" {
	gen-events 1 | agentctl record --quiet
	sqlite3 "$AGENTKIT_STORE" 'UPDATE schema_version SET version = 4'
	doctor --quiet
	[ "$rc" -eq 0 ]
	cat > expect <<-'EOF'
	warn store           sqlite T/agentkit.db, schema 4 (behind 5), 1 event
	     fix: agentctl store migrate
	EOF
	mask "$T/out" > got
	test_cmp expect got
}

@test "brokers nobody listens on: kafka fails within --timeout" {
	export AGENTKIT_KAFKA_BROKERS=127.0.0.1:1
	doctor --quiet --timeout 1s
	[ "$rc" -eq 1 ]
	cat > expect <<-'EOF'
	fail kafka           cannot reach 127.0.0.1:1 within 1s
	     fix: start the brokers or set kafka.brokers (agentctl config)
	EOF
	test_cmp expect "$T/out"
}

@test "a model server that refuses the key fails; one without the model warns" {
	fake_llm_start --key right-key
	export AGENTKIT_LLM_KEY=wrong-key AGENTKIT_LLM_MODEL=fake-llm
	doctor --quiet
	[ "$rc" -eq 1 ]
	cat > expect <<-'EOF'
	fail llm             the key was refused: http://127.0.0.1:PORT/v1/models answered HTTP 401
	     fix: set llm.key or AGENTKIT_LLM_KEY
	EOF
	mask "$T/out" > got
	test_cmp expect got
	# the key went as the OpenAI API wants it, and nowhere else
	jq -r 'select(.path == "/v1/models") | .headers.authorization' "$T/requests.jsonl" > got
	echo "Bearer wrong-key" > expect
	test_cmp expect got
	! grep -q wrong-key "$T/out" "$T/err"

	export AGENTKIT_LLM_KEY=right-key AGENTKIT_LLM_MODEL=gpt-9
	doctor --quiet
	[ "$rc" -eq 0 ]
	cat > expect <<-'EOF'
	warn llm             model 'gpt-9' is not among the 1 model http://127.0.0.1:PORT/v1/models lists
	     fix: set llm.model to a model the server lists
	EOF
	mask "$T/out" > got
	test_cmp expect got
}

@test "the Anthropic API is asked with its own headers" {
	fake_llm_start --key k-1 --models claude-x
	export AGENTKIT_LLM_API=anthropic AGENTKIT_LLM_KEY=k-1 AGENTKIT_LLM_MODEL=claude-x
	doctor --json
	jq -r '.[] | select(.check == "llm") | "\(.status) \(.detail)"' "$T/out" | mask > got
	echo "ok anthropic API at http://127.0.0.1:PORT/v1 serves model 'claude-x'" > expect
	test_cmp expect got
	jq -r 'select(.path == "/v1/models") | .headers["x-api-key"], .headers["anthropic-version"]' \
		"$T/requests.jsonl" > got
	printf 'k-1\n2023-06-01\n' > expect
	test_cmp expect got
}

@test "programs missing from PATH: python3 fails, the optional ones warn" {
	rm "$T/fakebin/kcat" "$T/fakebin/chromium"
	doctor --quiet
	[ "$rc" -eq 0 ]
	cat > expect <<-'EOF'
	warn kcat            kcat is not on PATH
	     fix: apt-get install kcat
	warn chromium        neither chromium nor chromium-browser is on PATH
	     fix: apt-get install chromium
	EOF
	test_cmp expect "$T/out"
	[ "$(cat "$T/err")" = "agentctl: doctor: 0 checks failed, 2 warned" ]

	# python3 there but without the back end's modules
	fake python3 '3.11.2 fastapi uvicorn'
	doctor --quiet --json
	[ "$rc" -eq 1 ]
	jq -c '.[] | select(.check == "python3")' "$T/out" | mask > got
	echo '{"check":"python3","status":"fail","detail":"python3 3.11.2 at T/fakebin/python3 cannot import fastapi, uvicorn","fix":"apt-get install python3-fastapi python3-uvicorn"}' > expect
	test_cmp expect got

	# and not there at all
	rm "$T/fakebin/python3"
	doctor --quiet
	[ "$rc" -eq 1 ]
	grep -A1 '^fail python3' "$T/out" > got
	cat > expect <<-'EOF'
	fail python3         python3 is not on PATH
	     fix: apt-get install python3 python3-fastapi python3-uvicorn python3-pytest
	EOF
	test_cmp expect got
}

@test "the real python3 with the back end's modules passes, if there is one" {
	/usr/bin/python3 -c 'import fastapi, uvicorn, pytest' 2> /dev/null ||
		skip "/usr/bin/python3 lacks fastapi, uvicorn or pytest"
	ln -sf /usr/bin/python3 "$T/fakebin/python3"
	doctor --json
	jq -r '.[] | select(.check == "python3") | .status' "$T/out" > got
	echo ok > expect
	test_cmp expect got
}

@test "agents missing beside agentctl and on PATH fail" {
	mkdir "$T/lone"
	cp "$AGENTCTL" "$T/lone/agentctl"
	cp "$TOP/bin/agent-test" "$T/fakebin/"
	rc=0
	PATH="$T/fakebin" "$T/lone/agentctl" doctor --quiet > "$T/out" 2> "$T/err" || rc=$?
	[ "$rc" -eq 1 ]
	cat > expect <<-'EOF'
	fail agents          not found next to agentctl nor on PATH: agent-analyze, agent-backend, agent-frontend, agent-app, agent-integrate, agent-secscan, agent-deploy
	     fix: make install, or put agentkit's bin/ folder on PATH
	EOF
	test_cmp expect "$T/out"
}

@test "a configuration file with a secret that others can read warns" {
	printf 'llm:\n  key: sk-not-shown\nlog:\n  levle: debug\n' > agentkit.yaml
	chmod 644 agentkit.yaml
	doctor --quiet
	[ "$rc" -eq 0 ]
	cat > expect <<-'EOF'
	warn config          './agentkit.yaml' sets unknown keys: log.levle; './agentkit.yaml' holds llm.key and is readable by others (mode 644)
	     fix: correct the spelling (agentctl config --json lists the known keys); chmod 600 ./agentkit.yaml
	EOF
	test_cmp expect "$T/out"
	! grep -q sk-not-shown "$T/out" "$T/err"
	printf 'llm:\n  key: sk-not-shown\n' > agentkit.yaml
	chmod 600 agentkit.yaml
	doctor --json
	jq -r '.[] | select(.check == "config") | "\(.status) \(.detail)"' "$T/out" > got
	echo "ok 1 file read: ./agentkit.yaml" > expect
	test_cmp expect got
}

@test "a configuration that does not load is reported, not a reason to stop" {
	printf 'llm: [\n' > agentkit.yaml
	doctor --quiet
	[ "$rc" -eq 1 ]
	cat > expect <<-'EOF'
	fail config          ./agentkit.yaml:2: did not find expected node content
	     fix: correct the file (every agentkit program refuses to start until it loads)
	EOF
	test_cmp expect "$T/out"
	# other verbs still refuse to start
	run agentctl config
	[ "$status" -eq 65 ]
}

@test "colour only on a terminal, and never with NO_COLOR" {
	script -qec "PATH='$T/fakebin' '$AGENTCTL' doctor" /dev/null > "$T/tty" || true
	grep -q $'\033\\[32mok\033\\[0m   agents' "$T/tty"
	NO_COLOR=1 script -qec "PATH='$T/fakebin' '$AGENTCTL' doctor" /dev/null > "$T/tty" || true
	! grep -q $'\033' "$T/tty"
	grep -q '^ok   agents ' "$T/tty"
	doctor
	! grep -q $'\033' "$T/out"
}

@test "usage errors: a bad --timeout, an operand" {
	run --separate-stderr agentctl doctor --timeout soon
	[ "$status" -eq 64 ]
	[ "${stderr_lines[0]}" = "agentctl: bad timeout 'soon' (N, Ns, Nms or Nm)" ]
	run --separate-stderr agentctl doctor now
	[ "$status" -eq 64 ]
	[ "${stderr_lines[0]}" = "agentctl: doctor takes no operands" ]
	[ -z "$output" ]
}

@test "a report that cannot be written is an I/O error" {
	rc=0
	PATH="$T/fakebin" "$AGENTCTL" doctor > /dev/full 2> "$T/err" || rc=$?
	[ "$rc" -eq 74 ]
	grep -q 'No space left on device' "$T/err"
}

@test "the examples of the DOCTOR section run" {
	# what agentctl(1) shows, in this test's folder
	agentctl doctor --json | jq -r '.[] | "\(.check) \(.status)"' > got
	[ "$(wc -l < got)" -eq 19 ]
	grep -qx 'store ok' got
	rc=0
	AGENTKIT_KAFKA_BROKERS=127.0.0.1:1 agentctl doctor --quiet --timeout 1s > out || rc=$?
	[ "$rc" -eq 1 ]
	grep -qx 'fail kafka           cannot reach 127.0.0.1:1 within 1s' out
}
