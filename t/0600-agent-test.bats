#!/usr/bin/env bats
# agent-test: test and coverage reports in, one feature.tested event out,
# with the gates deciding the exit status.

bats_require_minimum_version 1.5.0
load helpers/lib

setup() {
	common_setup
	D="$TOP/t/data/results"
}
teardown() { common_teardown; }

# an attribute of the first <testsuite> of a JUnit file
suite_attr() {
	grep -o "<testsuite [^>]*" "$1" | head -1 | grep -o " $2=\"[0-9]*\"" | tr -dc 0-9
}

@test "pytest JUnit and coverage.py JSON: the counts and the coverage of the reports" {
	run -1 agent-test --workspace ws --feature task-board-1a2b \
		--report "$D/pytest.xml" --report "$D/coverage/coveragepy.json"
	ev=$(printf '%s\n' "$output" | grep '^{')
	[ "$(jq -r .type <<< "$ev")" = feature.tested ]
	[ "$(jq -r .subject <<< "$ev")" = task-board-1a2b ]
	[ "$(jq -r .data.status <<< "$ev")" = fail ]
	tests=$(suite_attr "$D/pytest.xml" tests)
	failures=$(suite_attr "$D/pytest.xml" failures)
	errors=$(suite_attr "$D/pytest.xml" errors)
	skipped=$(suite_attr "$D/pytest.xml" skipped)
	[ "$(jq .data.tests.failed <<< "$ev")" = "$failures" ]
	[ "$(jq .data.tests.errors <<< "$ev")" = "$errors" ]
	[ "$(jq .data.tests.skipped <<< "$ev")" = "$skipped" ]
	[ "$(jq .data.tests.passed <<< "$ev")" = $((tests - failures - errors - skipped)) ]
	want=$(jq '.totals | (.covered_lines * 10000 / .num_statements + 0.5 | floor) / 100' \
		"$D/coverage/coveragepy.json")
	[ "$(jq .data.coverage.lines_pct <<< "$ev")" = "$want" ]
	want=$(jq '.totals | (.covered_branches * 10000 / .num_branches + 0.5 | floor) / 100' \
		"$D/coverage/coveragepy.json")
	[ "$(jq .data.coverage.branches_pct <<< "$ev")" = "$want" ]
	[ "$(jq -c '[.data.failures[] | [.name, .message]]' <<< "$ev")" = \
		'[["test_broken","assert 1 == 2"],["test_error","failed on setup with \"RuntimeError: fixture blew up\""]]' ]
}

@test "several reports merge: counts add up, coverage of two runs is their union" {
	agent-test --workspace ws --max-failures 5 --report "$D/pytest.xml" \
		--report "$D/bats.tap" > out.jsonl
	[ "$(jq -c .data.tests out.jsonl)" = \
		'{"passed":2,"failed":2,"skipped":2,"errors":1,"duration_ms":3}' ]
	[ "$(jq -c .data.coverage out.jsonl)" = null ]
	[ "$(jq -c '[.data.failures[].name]' out.jsonl)" = \
		'["test_broken","test_error","fails on purpose"]' ]

	agent-test --workspace ws --report "$D/coverage/tiny-a.info" > a.jsonl
	agent-test --workspace ws "$D/coverage/tiny-a.info" "$D/coverage/tiny-b.info" > ab.jsonl
	a=$(jq .data.coverage.lines_pct a.jsonl)
	ab=$(jq .data.coverage.lines_pct ab.jsonl)
	jq -e --argjson a "$a" '.data.coverage.lines_pct > $a' ab.jsonl
	# the lcov tracefiles give LH and LF per file: the union is at least each
	hit=$(grep -h '^DA:' "$D/coverage/tiny-a.info" "$D/coverage/tiny-b.info" |
		awk -F'[:,]' '$3 > 0 { print $2 }' | sort -u | wc -l)
	all=$(grep -h '^DA:' "$D/coverage/tiny-a.info" | wc -l)
	want=$(jq -n "($hit * 10000 / $all + 0.5 | floor) / 100")
	[ "$ab" = "$want" ]

	# a text report can come on stdin
	printf '1..2\nok 1 a\nok 2 b\n' | agent-test --workspace ws --report - \
		--report "$D/coverage/tiny-a.info" > in.jsonl
	[ "$(jq -c '[.data.tests.passed, .data.coverage.lines_pct]' in.jsonl)" = "[2,$a]" ]
	run -64 agent-test --workspace ws --report - < "$D/pytest.xml"
	[[ "$output" == *"must be a file, not stdin"* ]]
}

@test "the gates: --max-failures and --min-coverage decide the exit status" {
	run -1 agent-test --workspace ws --report "$D/pytest.xml"
	[[ "$output" == *"2 tests failed, at most 0 allowed"* ]]
	run -0 agent-test --workspace ws --max-failures 2 --report "$D/pytest.xml"
	[ "$(jq -r .data.status <<< "$output")" = pass ]

	cov="$D/coverage/coveragepy.json"
	run -0 agent-test --workspace ws --min-coverage 62.5 --report "$cov"
	[ "$(jq -r .data.status <<< "$output")" = pass ]
	run -1 agent-test --workspace ws --min-coverage 70 --report "$cov"
	[[ "$output" == *"line coverage 62.50% is below 70%"* ]]
	run -1 --separate-stderr agent-test --workspace ws --min-coverage 10 \
		--report "$D/bats.tap" --max-failures 1
	[[ "$stderr" == *"no line coverage"* ]]
	[ "$(jq -r .data.status <<< "$output")" = fail ]
}

@test "a truncated or foreign report exits 65 and says why; usage errors exit 64" {
	head -c 300 "$D/pytest.xml" > cut.xml
	run -65 --separate-stderr agent-test --workspace ws --report cut.xml
	[ -z "$output" ]
	[[ "$stderr" == "agent-test: "*"cut.xml"* ]]
	[[ "$stderr" == *"truncated"* || "$stderr" == *"cut.xml:"* ]]

	printf 'hello\n' > junk.txt
	run -65 agent-test --workspace ws --report junk.txt
	[[ "$output" == *"junk.txt: not TAP"* ]]
	run -65 agent-test --workspace ws --format junit --report "$D/bats.tap"
	run -65 agent-test --workspace ws --report "$D/coverage/bomb.xml"

	run -64 agent-test --workspace ws
	[[ "$output" == *"no report"* ]]
	run -64 agent-test --workspace ws --format xml --report "$D/bats.tap"
	[[ "$output" == *"unknown report format 'xml'"* ]]
	run -64 agent-test --workspace ws --max-failures -1 --report "$D/bats.tap"
	run -64 agent-test --workspace ws --feature ../x --report "$D/bats.tap"
}

@test "summary.md in the workspace says what the event says" {
	run -1 agent-test --workspace ws --feature demo-0001 \
		--report "$D/pytest.xml" --report "$D/coverage/coveragepy.json"
	ev=$(printf '%s\n' "$output" | grep '^{')
	[ "$(jq -c '.data.artifacts | map(.path)' <<< "$ev")" = \
		'["demo-0001/agent-test/summary.md"]' ]
	[ "$(jq -r '.data.artifacts[0].sha256' <<< "$ev")" = \
		"$(sha256sum < ws/demo-0001/agent-test/summary.md | cut -d' ' -f1)" ]
	cat > expect <<-'END'
	# Tests of demo-0001: fail

	| passed | failed | errors | skipped | duration |
	|---|---|---|---|---|
	| 1 | 1 | 1 | 1 | 3 ms |

	## Coverage

	- lines: 62.50%
	- branches: 50.00%

	## Failures

	- `test_broken`: assert 1 == 2
	- `test_error`: failed on setup with "RuntimeError: fixture blew up"
	END
	diff -u expect ws/demo-0001/agent-test/summary.md
}

@test "at most 100 failures are listed, all are counted" {
	{ echo 1..150; for i in $(seq 150); do echo "not ok $i case $i"; done; } > many.tap
	run -1 --separate-stderr agent-test --workspace ws --report many.tap
	[ "$(jq .data.tests.failed <<< "$output")" = 150 ]
	[ "$(jq '.data.failures | length' <<< "$output")" = 100 ]
	[ "$(jq -r '.data.failures[99].name' <<< "$output")" = "case 100" ]
}

@test "--help lists the options" {
	run -0 agent-test --help
	for o in --report --format --feature --min-coverage --max-failures --workspace; do
		[[ "$output" == *"$o"* ]]
	done
	run -0 agent-test --list-options
	[[ "$output" == *"--min-coverage"* ]]
}
