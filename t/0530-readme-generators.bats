#!/usr/bin/env bats
# The README's "From the analysis to code" example runs and prints what the
# README shows.

bats_require_minimum_version 1.5.0
load helpers/lib

setup() { common_setup; }
teardown() { common_teardown; }

@test "the README's generator pipeline prints what the README shows" {
	ln -s "$TOP/examples" examples
	readme_block "$TOP/README.md" "From the analysis to code" > pipeline.sh
	[ -s pipeline.sh ]
	bash -eo pipefail pipeline.sh > got
	readme_block "$TOP/README.md" "From the analysis to code" 2 > expect
	test_cmp expect got
	[ -s agentkit-work/task-board-f33a/agent-backend/app/main.py ]
	[ -s agentkit-work/task-board-f33a/agent-frontend/src/api/client.ts ]
	[ -s agentkit-work/task-board-f33a/agent-app/kotlin/src/main/kotlin/ApiClient.kt ]
}
