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

# the types of events, with how many of each
types() {
	jq -r .type "$@" | sort | uniq -c | awk '{ print $2, $1 }'
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
		feature.app_ready 1
		feature.backend_ready 1
		feature.frontend_ready 1
		feature.integrated 1
		feature.production_deployed 1
		feature.ready_for_production 1
		feature.security_checked 1
		feature.staging_deployed 1
		feature.tested 1
		feature.tests_planned 1
		requirement.analyzed 1
		requirement.submitted 1
		rollout.promoted 1
		rollout.step 6
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
	[ -f deployments/password-reset-099d-staging/openapi.yaml ]
	# production by a canary rollout measured on the running release
	[ "$(tr '\n' ' ' < agentkit-work/password-reset-099d/deploy-canary/weights)" = "10 50 100 " ]
	agentctl replay --type rollout.step | jq -r 'select(.data.phase == "passed") |
		[.data.weight, .data.verdict, .data.measurements.health, .data.measurements.error_rate] |
		map(tostring) | join(" ")' > got
	printf '%s\n' "10 successful ok 0" "50 successful ok 0" "100 successful ok 0" > expect
	test_cmp expect got
	[ "$(agentctl replay --type feature.production_deployed | jq -r .data.strategy)" = canary ]
	# the service the rollout started is gone with it
	port=$(cat agentkit-work/password-reset-099d/deploy-canary/port)
	run ! curl -fsS "http://127.0.0.1:$port/health"
	# a third run has nothing left to do
	run -0 agentctl run -q examples/pipelines/feature.yaml "$req"
	[ -z "$output" ]
}

@test "the example pipeline's report renders in Chromium with the stories, tests, findings and rollout" {
	command -v chromium > /dev/null || skip "chromium is not installed (scripts/install-deps)"
	req=examples/requirements/password-reset.md
	run -0 agentctl run -q examples/pipelines/feature.yaml "$req"
	agentctl report password-reset-099d -o page.html
	render-page page.html page.txt page.png
	# the stories and their acceptance criteria
	for goal in $(agentctl replay --type requirement.analyzed | jq -r '.data.stories[].goal | @base64'); do
		g=$(base64 -d <<< "$goal")
		grep -qF "$(cut -c1-30 <<< "$g")" page.txt || { echo "no story: $g"; false; }
	done
	grep -q 'Stories and acceptance criteria' page.txt
	grep -q 'Given' page.txt
	# the tests and the coverage, as recorded
	passed=$(agentctl replay --type feature.tested | jq -r .data.tests.passed)
	grep -Eq "passed.*\b$passed\b|\b$passed\b.*passed" page.txt
	# the findings by severity
	grep -Eq 'Critical +High +Medium +Low' page.txt
	# the rollout: its table and the chart's axes and legend
	grep -q 'Rollout password-reset-099d: promoted' page.txt
	grep -q 'error rate (%)' page.txt
	grep -q 'p95 (ms)' page.txt
	grep -q 'canary weight (%)' page.txt
	[ "$(grep -c 'rollout.step' page.txt)" -ge 6 ]
}
