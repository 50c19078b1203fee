#!/usr/bin/env bats
# The example pipeline, examples/pipelines/feature.yaml, run by agentctl run
# on a requirement document with the real agents: killed with SIGKILL once
# the backend is ready, then run again, it finishes without repeating what
# was done and the store holds every event once.

load helpers/lib
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	export AGENTKIT_STORE="$T/run.db"
	# the generated services run on Debian's python3 and its packages
	export PATH="$TOP/bin:$TOP/t/helpers:/usr/bin:$PATH"
	ln -s "$TOP/examples" examples
	export DEPLOY_ROOT="$T/deployments"
}

teardown() {
	common_teardown
}

types() {
	jq -r .type "$@" | sort
}

@test "feature.yaml: killed once the backend is ready, run again, each stage once and each event once" {
	req=examples/requirements/password-reset.md
	agentctl run -q examples/pipelines/feature.yaml "$req" > first.jsonl 2> first.err &
	pid=$!
	for _ in $(seq 600); do
		[ -s run.db ] && agentctl replay --type feature.backend_ready 2> /dev/null | grep -q . && break
		sleep 0.1
	done
	kill -KILL "$pid"
	wait "$pid" || true
	grep -q '"type":"feature.backend_ready"' first.jsonl
	run -0 --separate-stderr agentctl run -q examples/pipelines/feature.yaml "$req"
	printf '%s\n' "$output" > second.jsonl
	# nothing the first run finished is made again
	for t in requirement.submitted requirement.analyzed feature.backend_ready; do
		run ! grep -q "\"type\":\"$t\"" second.jsonl
	done
	# every step of the workflow, once
	agentctl replay --subject password-reset-099d | types > got
	cat > expect <<-'E'
		feature.app_ready
		feature.backend_ready
		feature.frontend_ready
		feature.integrated
		feature.production_deployed
		feature.ready_for_production
		feature.security_checked
		feature.staging_deployed
		feature.tested
		feature.tests_planned
		requirement.analyzed
		requirement.submitted
	E
	test_cmp expect got
	[ "$(agentctl replay | jq -r .id | sort | uniq -d)" = "" ]
	# the whole stream is the two runs' outputs together
	cat first.jsonl second.jsonl | types > got
	test_cmp expect got
	[ "$(agentctl replay --type feature.tested | jq -r .data.status)" = pass ]
	[ "$(agentctl replay --type feature.security_checked | jq -r .data.status)" = pass ]
	# the release, unpacked by the deploy hook for staging and production
	ls deployments > got
	printf '%s\n' password-reset-099d-production password-reset-099d-staging > expect
	test_cmp expect got
	[ -f deployments/password-reset-099d-production/openapi.yaml ]
	# a third run has nothing left to do
	run -0 agentctl run -q examples/pipelines/feature.yaml "$req"
	[ -z "$output" ]
}
