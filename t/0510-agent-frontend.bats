#!/usr/bin/env bats
# agent-frontend: a React + TypeScript front end from the backend's
# contract that type-checks, builds with Vite and passes its Vitest tests.

bats_require_minimum_version 1.5.0
load helpers/lib

setup() {
	common_setup
	# npm packages are installed once per lock file, for every test and run
	export AGENTKIT_NODE_CACHE="$TOP/t/.node-cache"
}
teardown() { common_teardown; }

backend_ready() {
	agentctl submit "$TOP/examples/requirements/${1:-task-board.md}" |
		agent-analyze --workspace ws | agent-backend --workspace ws > be.jsonl
}

ready() {
	jq -c 'select(.type == "feature.frontend_ready")' out.jsonl
}

@test "feature.frontend_ready names the components, the client's operations and the commands" {
	backend_ready
	agent-frontend --workspace ws be.jsonl > out.jsonl
	dir=$(ready | jq -r .data.dir)
	ready | jq -r '.data.components[]' | sed "s|^$dir/src/components/||" | sort > got
	cat > expect <<-'END'
	ErrorNotice.tsx
	ProjectDetail.tsx
	ProjectForm.tsx
	ProjectList.tsx
	RefSelect.tsx
	SortHeader.tsx
	TaskDetail.tsx
	TaskForm.tsx
	TaskList.tsx
	routing.tsx
	END
	test_cmp expect got
	# the client's own list of calls is the event's, and both are the contract's
	ready | jq -c '[.data.client.operations[] | {operationId: .operation_id, method, path}] | sort' > expect
	jq -c 'sort' "ws/$dir/src/api/operations.json" > got
	test_cmp expect got
	jq -r 'select(.type == "feature.backend_ready") | .data.endpoints[] |
		select(.path != "/health" and .path != "/metrics") | "\(.operation_id) \(.method) \(.path)"' \
		be.jsonl | sort > expect
	ready | jq -r '.data.client.operations[] | "\(.operation_id) \(.method) \(.path)"' | sort > got
	test_cmp expect got
	[ "$(ready | jq -c .data.build.argv)" = '["npm","run","build"]' ]
	grep -q 'export interface Task\b' "ws/$dir/src/api/client.ts"
}

@test "--openapi FILE alone, and a file the user changed is kept" {
	backend_ready
	doc=ws/$(jq -r 'select(.type == "feature.backend_ready") | .data.openapi.path' be.jsonl)
	agent-frontend --workspace fe --openapi "$doc" < /dev/null > out.jsonl
	dir=fe/$(ready | jq -r .data.dir)
	echo '/* mine */' >> "$dir/src/styles.css"
	agent-frontend --workspace fe --openapi "$doc" < /dev/null > out.jsonl
	ready | jq -r '.data.kept[].path' > got
	echo "${dir#fe/}/src/styles.css" > expect
	test_cmp expect got
	[ "$(tail -1 "$dir/src/styles.css")" = '/* mine */' ]
}

@test "a contract that is not OpenAPI is rejected with a clear message" {
	echo '{"swagger":"2.0"}' > old.json
	run -65 --separate-stderr agent-frontend --workspace ws --openapi old.json
	[[ "$stderr" =~ "not an OpenAPI 3 document" ]]
	run -65 --separate-stderr agent-frontend --workspace ws --openapi /dev/null
	[ -n "$stderr" ]
}

@test "the front end type-checks, passes its Vitest tests and builds" {
	command -v npm > /dev/null || skip "npm is not installed"
	backend_ready
	agent-frontend --workspace ws be.jsonl > out.jsonl
	dir=ws/$(ready | jq -r .data.dir)
	"$TOP/scripts/node-deps" "$dir"
	cd "$dir"
	run npx --no-install tsc --noEmit
	echo "$output" | tail -20
	[ "$status" -eq 0 ]
	NO_COLOR=1 run npm test
	output=$(printf '%s\n' "$output" | sed 's/\x1b\[[0-9;]*m//g')
	echo "$output" | tail -15
	[ "$status" -eq 0 ]
	[[ "$output" =~ Tests\ +[0-9]+\ passed ]]
	! [[ "$output" =~ [0-9]+\ failed ]]
	run npm run build
	echo "$output" | tail -5
	[ "$status" -eq 0 ]
	[ -s dist/index.html ]
}
