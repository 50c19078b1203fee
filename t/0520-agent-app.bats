#!/usr/bin/env bats
# agent-app: Kotlin and Swift clients from the backend's contract; the
# Kotlin one is compiled with kotlinc and its tests run.

bats_require_minimum_version 1.5.0
load helpers/lib

setup() { common_setup; }
teardown() {
	# a service a test started is stopped whatever the test's outcome
	if [ -f "$T/svc.pid" ]; then
		kill -TERM -- -"$(cat "$T/svc.pid")" 2> /dev/null || :
	fi
	common_teardown
}

backend_ready() {
	agentctl submit "$TOP/examples/requirements/task-board.md" |
		agent-analyze --workspace ws | agent-backend --workspace ws > be.jsonl
}

@test "the platform matrix names both clients, their folders and commands" {
	backend_ready
	agent-app --workspace ws be.jsonl > out.jsonl
	jq -c 'select(.type == "feature.app_ready") | .data.platforms[] |
		[.stack, .language, .targets, .build.argv[0], .test.argv[0]]' out.jsonl > got
	cat > expect <<-'END'
	["kotlin","kotlin","android, jvm","kotlinc","java"]
	["swift","swift","ios, macos","swift","swift"]
	END
	test_cmp expect got
	jq -r 'select(.type == "feature.app_ready") | .data.platforms[].client' out.jsonl |
		while read -r f; do [ -s "ws/$f" ]; done
}

@test "--platforms kotlin writes the Kotlin client only; an unknown platform is a usage error" {
	backend_ready
	agent-app --workspace ws --platforms kotlin be.jsonl > out.jsonl
	[ "$(jq -c 'select(.type == "feature.app_ready") | [.data.platforms[].stack]' out.jsonl)" = '["kotlin"]' ]
	run -64 agent-app --platforms cobol
	[[ "$output" =~ "unknown platform 'cobol'" ]]
}

@test "--openapi FILE alone: clients for a contract without events" {
	backend_ready
	doc=ws/$(jq -r 'select(.type == "feature.backend_ready") | .data.openapi.path' be.jsonl)
	agent-app --workspace other --openapi "$doc" --platforms swift < /dev/null > out.jsonl
	[ "$(jq -r .type out.jsonl)" = feature.app_ready ]
	grep -q 'struct Task' other/*/agent-app/swift/Sources/*/*.swift other/*/agent-app/swift/Sources/*.swift 2>/dev/null
}

@test "the Kotlin client compiles with kotlinc and passes its checks, also against the generated service" {
	command -v kotlinc || skip "kotlinc is not installed"
	backend_ready
	agent-app --workspace ws --platforms kotlin be.jsonl > out.jsonl
	app=ws/$(jq -r 'select(.type == "feature.app_ready") | .data.platforms[0].dir' out.jsonl)
	(cd "$app" && kotlinc src/main/kotlin src/test/kotlin -include-runtime -d client-test.jar) \
		2> kotlinc.log || { cat kotlinc.log; false; }
	run java -jar "$app/client-test.jar"
	echo "$output" | tail -3
	[ "$status" -eq 0 ]
	[[ "$output" =~ [0-9]+\ passed,\ 0\ failed ]]
	offline=$(echo "$output" | grep -c '^ok ')
	# the same client against the service agent-backend wrote for the contract
	port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	svc=ws/$(jq -r 'select(.type == "feature.backend_ready") | .data.dir' be.jsonl)
	(cd "$svc" && PATH=/usr/bin:$PATH DATABASE_URL="$T/svc.db" exec setsid /usr/bin/python3 -m uvicorn \
		app.main:app --host 127.0.0.1 --port "$port" > "$T/svc.out" 2> "$T/svc.err") &
	echo $! > "$T/svc.pid"
	for _ in $(seq 100); do
		curl -fsS "http://127.0.0.1:$port/health" > /dev/null 2>&1 && break
		sleep 0.1
	done
	run env API_BASE_URL="http://127.0.0.1:$port" java -jar "$app/client-test.jar"
	echo "$output" | grep -v '^ok ' | tail -5
	[ "$status" -eq 0 ]
	[[ "$output" =~ [0-9]+\ passed,\ 0\ failed ]]
	# the live checks ran: more checks than offline
	[ "$(echo "$output" | grep -c '^ok ')" -gt "$offline" ]
}
