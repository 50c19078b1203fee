#!/usr/bin/env bats
# agent-integrate: the contract linted, the client checked against it, and
# contract tests over HTTP against the generated service, which it starts.

bats_require_minimum_version 1.5.0
load helpers/lib

setup() {
	common_setup
	O="$TOP/t/data/openapi"
}
teardown() { common_teardown; }

# Debian's python3 runs the generated service
need_service() {
	[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import fastapi, uvicorn' 2> /dev/null ||
		skip "Debian's python3 with fastapi and uvicorn is not installed"
	PATH="/usr/bin:$PATH"
}

generate() {
	agentctl submit "$TOP/examples/requirements/task-board.md" | agent-analyze |
		agent-backend --workspace ws | agent-frontend --workspace ws > fe.jsonl
}

integrated() {
	jq -c 'select(.type == "feature.integrated")' "${1:-out.jsonl}"
}

@test "--openapi: a pet store contract lints clean; operations are counted" {
	run -0 --separate-stderr agent-integrate --workspace ws --openapi "$O/petstore.yaml"
	[ "$(jq -r .type <<< "$output")" = feature.integrated ]
	[ "$(jq -c '.data | [.status, .contract.operations, .contract.findings, .contract.mismatches]' \
		<<< "$output")" = '["pass",6,[],[]]' ]
	[ "$(jq -c .data.e2e <<< "$output")" = null ]
	[ "$(grep -c 'operationId' "$O/petstore.yaml")" = 6 ]
	# JSON and OpenAPI 3.1 too
	run -0 --separate-stderr agent-integrate --workspace ws --openapi "$O/library.json" \
		--feature lib-1
	[ "$(jq -r .subject <<< "$output")" = lib-1 ]
	[ -s ws/lib-1/agent-integrate/report.md ]
}

@test "--openapi: a broken contract fails with every finding, and nothing is fetched" {
	run -1 --separate-stderr agent-integrate --workspace ws --openapi "$O/bad-ref.yaml"
	[ "$(jq -r .data.status <<< "$output")" = fail ]
	jq -e '.data.contract.findings | map(select(.rule == "ref" and .severity == "error")) | length > 0' \
		<<< "$output"
	jq -e '.data.contract.findings | map(select(.message | test("not followed"))) | length == 2' \
		<<< "$output"
	for f in operation-id path-params ambiguous:ambiguous-path response-schema; do
		run -1 --separate-stderr agent-integrate --workspace ws --openapi "$O/bad-${f%%:*}.yaml"
		jq -e --arg r "${f#*:}" '[.data.contract.findings[] | select(.rule == $r)] | length > 0' \
			<<< "$output"
	done
	grep -q 'ambiguous-path' ws/*/agent-integrate/report.md
}

@test "hostile and foreign input: a clear error and exit 65, no crash" {
	head -c 4000 /dev/urandom > noise.bin
	run -65 --separate-stderr agent-integrate --workspace ws --openapi noise.bin
	[ -n "$stderr" ] && [ -z "$output" ]
	printf 'openapi: 3.0.0\ninfo: {title: x\n' > cut.yaml
	run -65 --separate-stderr agent-integrate --workspace ws --openapi cut.yaml
	[[ "$stderr" == *"cut.yaml"* ]]
	# deep nesting is a finding, not a stack overflow
	{ printf '{"openapi":"3.0.3","info":{"title":"d","version":"1"},"paths":{},"x":'
	  for _ in $(seq 5000); do printf '['; done; for _ in $(seq 5000); do printf ']'; done
	  printf '}\n'; } > deep.json
	run --separate-stderr agent-integrate --workspace ws --openapi deep.json
	[ "$status" -eq 1 ] || [ "$status" -eq 65 ]
	run -64 agent-integrate --workspace ws --base-url ftp://x --openapi "$O/petstore.yaml"
	run -64 agent-integrate --workspace ws --feature ../x --openapi "$O/petstore.yaml"
	[[ "$output" == *"bad feature id '../x'"* ]]
	run -64 agent-integrate --workspace ws --no-e2e --base-url http://127.0.0.1:1 \
		--openapi "$O/petstore.yaml"
}

@test "--base-url with nothing listening: exit 69 and a clear message" {
	run -69 --separate-stderr agent-integrate --workspace ws --openapi "$O/task-board.yaml" \
		--base-url http://127.0.0.1:9 --request-timeout 2
	[[ "$stderr" == *"127.0.0.1:9"* ]]
}

@test "the generated service passes its contract tests; the client matches the contract" {
	need_service
	generate
	run -0 --separate-stderr agent-integrate --workspace ws fe.jsonl
	printf '%s\n' "$output" > out.jsonl
	ev=$(integrated)
	[ "$(jq -r .subject <<< "$ev")" = "$(jq -r 'select(.type == "feature.frontend_ready") | .subject' fe.jsonl)" ]
	[ "$(jq -r .causationid <<< "$ev")" = "$(jq -r 'select(.type == "feature.frontend_ready") | .id' fe.jsonl)" ]
	[ "$(jq -c '.data | [.status, .contract.findings, .contract.mismatches]' <<< "$ev")" = '["pass",[],[]]' ]
	# a valid case per operation, invalid ones beside
	ops=$(jq -s '[.[] | select(.type == "feature.backend_ready") | .data.endpoints[]] | length' fe.jsonl)
	[ "$(jq '[.data.e2e.cases[] | select(.kind == "valid")] | length' <<< "$ev")" = "$ops" ]
	jq -e '[.data.e2e.cases[] | select(.kind == "invalid")] | length > 10' <<< "$ev"
	jq -e '.data.e2e.failed == 0 and .data.e2e.passed == (.data.e2e.cases | length)' <<< "$ev"
	# both test commands are handed on for agent-test
	[ "$(jq -c '[.data.tests[].label]' <<< "$ev")" = '["backend","frontend"]' ]
	# the service was stopped: nothing answers on its port any more
	url=$(jq -r .data.e2e.base_url <<< "$ev")
	! curl -s -o /dev/null --max-time 2 "$url/health"
	[ -s "ws/$(jq -r .subject <<< "$ev")/agent-integrate/service.log" ]
	# every input went through
	[ "$(wc -l < out.jsonl)" = $(( $(wc -l < fe.jsonl) + 1 )) ]
}

@test "an endpoint broken on purpose is the one that fails" {
	need_service
	generate
	dir=ws/$(jq -r 'select(.type == "feature.backend_ready") | .data.dir' fe.jsonl)
	# getTask now fails on every existing item
	sed -i '/^def get_task/,/^    return row/ s/^    return row$/    raise RuntimeError("broken")/' \
		"$dir/app/routers/task.py"
	grep -q 'raise RuntimeError("broken")' "$dir/app/routers/task.py"
	run -1 --separate-stderr agent-integrate --workspace ws fe.jsonl
	printf '%s\n' "$output" > out.jsonl
	[ "$(integrated | jq -c '[.data.e2e.cases[] | select(.ok | not) | [.operation, .kind, .problem]]')" = \
		'[["getTask","valid","status 500"]]' ]
	[ "$(integrated | jq -r .data.status)" = fail ]
	grep -q 'getTask\|/tasks/' ws/*/agent-integrate/report.md
}

@test "a client call the contract does not have is a mismatch" {
	need_service
	generate
	jq -c 'if .type == "feature.frontend_ready" then
		.data.client.operations += [{"operation_id": "archiveTask", "method": "POST",
			"path": "/tasks/{id}/archive", "body": null}]
		| .data.client.operations |= map(if .operation_id == "createProject"
			then .body = "TaskInput" else . end)
	else . end' fe.jsonl > edited.jsonl
	run -1 --separate-stderr agent-integrate --workspace ws --no-e2e edited.jsonl
	printf '%s\n' "$output" > out.jsonl
	[ "$(integrated | jq -c '[.data.contract.mismatches[] | .operation_id]')" = \
		'["createProject","archiveTask"]' ]
	[ "$(integrated | jq -c .data.e2e)" = null ]
}

@test "the join: nothing until both halves came; with a store, across runs" {
	generate
	jq -c 'select(.type != "feature.frontend_ready")' fe.jsonl > be-only.jsonl
	jq -c 'select(.type == "feature.frontend_ready")' fe.jsonl > fe-only.jsonl
	agent-integrate --workspace ws --no-e2e be-only.jsonl > out.jsonl
	[ -z "$(integrated)" ]
	[ "$(wc -l < out.jsonl)" = "$(wc -l < be-only.jsonl)" ]
	agent-integrate --workspace ws --no-e2e --backend-only be-only.jsonl > out.jsonl
	[ "$(integrated | jq -c .data.tests)" != null ]

	export AGENTKIT_STORE="$T/store.db"
	agent-integrate --workspace ws --no-e2e be-only.jsonl > one.jsonl
	[ -z "$(integrated one.jsonl)" ]
	agent-integrate --workspace ws --no-e2e fe-only.jsonl > two.jsonl
	[ "$(integrated two.jsonl | jq -r .data.status)" = pass ]
	# the join is cleared once done
	agent-integrate --workspace ws --no-e2e fe-only.jsonl > three.jsonl
	[ -z "$(integrated three.jsonl)" ]
}

@test "agent-test after agent-integrate: the backend's tests and the contract cases in one event" {
	need_service
	python3 -c 'import pytest_cov' 2> /dev/null || skip "pytest-cov is not installed"
	generate
	agent-integrate --workspace ws --backend-only fe.jsonl |
		agent-test --workspace ws --quiet > out.jsonl
	tested=$(jq -c 'select(.type == "feature.tested")' out.jsonl)
	[ "$(wc -l <<< "$tested")" = 1 ]
	[ "$(jq -r .causationid <<< "$tested")" = "$(integrated | jq -r .id)" ]
	cases=$(integrated | jq '.data.e2e.cases | length')
	dir=ws/$(jq -r 'select(.type == "feature.backend_ready") | .data.dir' fe.jsonl)
	unit=$(grep -o '<testsuite [^>]*' "$dir/reports/junit.xml" | grep -o ' tests="[0-9]*"' | tr -dc 0-9)
	[ "$(jq .data.tests.passed <<< "$tested")" = $((cases + unit)) ]
	jq -e '.data.coverage.lines_pct > 50' <<< "$tested"
	grep -q 'classname="contract"' ws/*/agent-test/junit.xml
}

@test "--help and --list-options name the options" {
	run -0 agent-integrate --help
	for o in --openapi --base-url --feature --port --start-timeout --request-timeout \
		--no-e2e --backend-only --workspace; do
		[[ "$output" == *"$o"* ]]
	done
	run -0 agent-integrate --list-options
	[[ "$output" == *"--base-url"* ]]
}
