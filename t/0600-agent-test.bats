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
	agent-test --workspace ws --report "$D/coverage/tiny-a.info" \
		--report "$D/coverage/tiny-b.info" > ab.jsonl
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

	run -64 agent-test --workspace ws --report "$D/bats.tap" more.jsonl
	[[ "$output" == *"take no input files"* ]]
	run -64 agent-test --workspace ws --shell --report "$D/bats.tap"
	run -64 agent-test --workspace ws --run 'make | tee x'
	[[ "$output" == *"needs a shell: add --shell"* ]]
	run -64 agent-test --workspace ws --run "echo 'open"
	run -64 agent-test --workspace ws --timeout 1s --run true
	run -64 agent-test --workspace ws --rerun-failed x --run true
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
		'["demo-0001/agent-test/summary.md","demo-0001/agent-test/junit.xml"]' ]
	[ "$(jq -r '.data.artifacts[0].sha256' <<< "$ev")" = \
		"$(sha256sum < ws/demo-0001/agent-test/summary.md | cut -d' ' -f1)" ]
	cat > expect <<-'END'
	# Tests of demo-0001: fail

	| passed | failed | errors | skipped | flaky | duration |
	|---|---|---|---|---|---|
	| 1 | 1 | 1 | 1 | 0 | 3 ms |

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
	for o in --run --shell --timeout --rerun-failed --report --format --feature \
		--min-coverage --max-failures --workspace; do
		[[ "$output" == *"$o"* ]]
	done
	run -0 agent-test --list-options
	[[ "$output" == *"--min-coverage"* ]]
}

@test "the merged JUnit XML reads back to the same counts and cases" {
	run -1 agent-test --workspace ws --feature demo-0002 --report "$D/pytest.xml" \
		--report "$D/bats.tap" --report "$D/gtest.xml"
	ev=$(printf '%s\n' "$output" | grep '^{')
	xmllint --noout ws/demo-0002/agent-test/junit.xml
	run -1 agent-test --workspace ws2 --feature again --report ws/demo-0002/agent-test/junit.xml
	again=$(printf '%s\n' "$output" | grep '^{')
	[ "$(jq -c '.data.tests | del(.duration_ms)' <<< "$again")" = \
		"$(jq -c '.data.tests | del(.duration_ms)' <<< "$ev")" ]
	[ "$(jq -c '[.data.failures[] | .name]' <<< "$again")" = \
		"$(jq -c '[.data.failures[] | .name]' <<< "$ev")" ]
}

@test "--run: a command's TAP is read; its exit status counts when it prints none" {
	printf '#!/bin/sh\necho 1..3; echo ok 1 - a; echo "not ok 2 - b"; echo "ok 3 - c # SKIP later"\n' > t.sh
	chmod +x t.sh
	run -1 --separate-stderr agent-test --workspace ws --run ./t.sh
	[ "$(jq -c .data.tests <<< "$output" | jq -c 'del(.duration_ms)')" = \
		'{"passed":1,"failed":1,"skipped":1,"errors":0}' ]
	# the command's output went to stderr as it ran, and into run.log
	[[ "$stderr" == *"not ok 2 - b"* ]]
	grep -qx 'ok 1 - a' ws/tests/agent-test/run.log
	run -0 --separate-stderr agent-test --workspace ws --quiet --run true
	[ "$(jq -c '[.data.tests.passed, .data.failures]' <<< "$output")" = '[1,[]]' ]
	run -1 --separate-stderr agent-test --workspace ws --quiet --run false
	[ "$(jq -r '.data.failures[0].message' <<< "$output")" = "exited with status 1" ]
	run -1 --separate-stderr agent-test --workspace ws --quiet --shell --run 'echo 1..1; echo ok 1; exit 3'
	[ "$(jq -c '[.data.tests.passed, .data.tests.errors]' <<< "$output")" = '[1,1]' ]
	run -69 --separate-stderr agent-test --workspace ws --run no-such-command-here
	[[ "$stderr" == *"cannot run 'no-such-command-here'"* ]]
}

@test "--run with --report: the reports the command writes are read after it" {
	cp "$D/pytest.xml" p.xml
	run -1 --separate-stderr agent-test --workspace ws --quiet \
		--run 'cp p.xml out.xml' --report out.xml
	# the report's cases only: the command itself is no case of its own
	[ "$(jq -c '.data.tests | del(.duration_ms)' <<< "$output")" = \
		"$(agent-test --workspace ws2 --report p.xml 2> /dev/null | jq -c '.data.tests | del(.duration_ms)')" ]
	# a report the command did not write is an error case, not the end
	run -1 --separate-stderr agent-test --workspace ws --quiet --run true --report none.xml
	[ "$(jq -c '[.data.failures[] | [.name, .message]]' <<< "$output")" = \
		'[["none.xml","the run did not write none.xml"]]' ]
}

@test "--timeout stops a hanging command, which is an error" {
	run -1 --separate-stderr agent-test --workspace ws --quiet --timeout 1 \
		--shell --run 'echo 1..2; echo ok 1; exec sleep 30'
	[ "$(jq -c '[.data.tests.passed, .data.tests.errors]' <<< "$output")" = '[1,2]' ]
	jq -e '.data.failures | map(.message) | index("killed by signal 15 (timeout after 1000 ms)")' \
		<<< "$output"
}

@test "--rerun-failed: a test that passes on a rerun is flaky, one that fails again is not" {
	cat > flaky.sh <<-'END'
	#!/bin/sh
	n=$(cat runs 2>/dev/null || echo 0); echo $((n + 1)) > runs
	echo 1..3; echo "ok 1 - steady"
	if [ "$n" -ge 1 ]; then echo "ok 2 - wobbly"; else echo "not ok 2 - wobbly"; fi
	echo "not ok 3 - broken"
	END
	chmod +x flaky.sh
	run -1 --separate-stderr agent-test --workspace ws --quiet --rerun-failed 2 --run ./flaky.sh
	[ "$(jq -c '[.data.tests.passed, .data.tests.failed]' <<< "$output")" = '[2,1]' ]
	[ "$(jq -c '[.data.flaky[].name]' <<< "$output")" = '["wobbly"]' ]
	[ "$(jq -c '[.data.failures[].name]' <<< "$output")" = '["broken"]' ]
	[ "$(cat runs)" = 3 ]
	grep -q '<property name="flaky" value="true"/>' ws/tests/agent-test/junit.xml
	rm runs
	run -1 --separate-stderr agent-test --workspace ws --quiet --run ./flaky.sh
	[ "$(jq -c '[.data.tests.failed, .data.flaky]' <<< "$output")" = '[2,[]]' ]
}

@test "--run 'make check' of a project that runs prove -v and bats: every test counted" {
	mkdir -p proj/t/unit
	printf '#!/bin/sh\necho 1..2; echo ok 1 - one; echo ok 2 - two\n' > proj/t/unit/u-a
	printf '#!/bin/sh\necho 1..3; echo ok 1; echo "not ok 2 - bad"; echo ok 3\n' > proj/t/unit/u-b
	chmod +x proj/t/unit/*
	printf '@test "first" { true; }\n@test "second" { false; }\n@test "third" { skip; }\n' \
		> proj/t/x.bats
	printf 'check:\n\t-prove -v -e "" t/unit/u-a t/unit/u-b\n\tbats t/\n' > proj/Makefile
	cd proj
	run -1 --separate-stderr agent-test --workspace ../ws --quiet --run 'make check'
	[ "$(jq -c '.data.tests | del(.duration_ms)' <<< "$output")" = \
		'{"passed":5,"failed":2,"skipped":1,"errors":0}' ]
	[ "$(jq -c '[.data.failures[] | [.suite, .name]]' <<< "$output")" = \
		'[["t/unit/u-b","bad"],["make check","second"]]' ]
}

@test "feature.backend_ready: the generated service's tests are run, with coverage" {
	[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import fastapi, pytest_cov' ||
		skip "Debian's python3 with fastapi and pytest-cov is not installed"
	agentctl submit "$TOP/examples/requirements/task-board.md" | agent-analyze |
		agent-backend --workspace ws > be.jsonl
	PATH=/usr/bin:$PATH run -0 --separate-stderr agent-test --workspace ws --quiet be.jsonl
	tested=$(printf '%s\n' "$output" | jq -c 'select(.type == "feature.tested")')
	[ "$(jq -r .subject <<< "$tested")" = "$(jq -r 'select(.type == "feature.backend_ready") | .subject' be.jsonl)" ]
	[ "$(jq -r .causationid <<< "$tested")" = "$(jq -r 'select(.type == "feature.backend_ready") | .id' be.jsonl)" ]
	dir=ws/$(jq -r 'select(.type == "feature.backend_ready") | .data.dir' be.jsonl)
	# the counts are pytest's own, from the JUnit file it wrote
	total=$(grep -o '<testsuite [^>]*' "$dir/reports/junit.xml" | grep -o ' tests="[0-9]*"' | tr -dc 0-9)
	[ "$total" -gt 10 ]
	[ "$(jq '.data.tests.passed' <<< "$tested")" = "$total" ]
	# and the coverage is coverage.py's, from the Cobertura file it wrote
	rate=$(grep -o '<coverage [^>]*' "$dir/reports/coverage.xml" | grep -o ' line-rate="[0-9.]*"' | tr -dc 0-9.)
	jq -e --argjson r "$rate" '(.data.coverage.lines_pct - $r * 100 | fabs) < 0.01' <<< "$tested"
	jq -e '.data.coverage.branches_pct > 0' <<< "$tested"
	# every input line went through; the analysis also gave skeletons
	[ "$(printf '%s\n' "$output" | grep -c .)" = $(( $(wc -l < be.jsonl) + 2 )) ]
}

@test "requirement.analyzed: pytest and Vitest skeletons, one test per acceptance criterion" {
	agentctl submit "$TOP/examples/requirements/task-board.md" | agent-analyze > an.jsonl
	agent-test --workspace ws an.jsonl > out.jsonl
	planned=$(jq -c 'select(.type == "feature.tests_planned")' out.jsonl)
	n=$(jq -s '[.[] | select(.type == "requirement.analyzed") | .data.stories[] | .acceptance | length] | add' an.jsonl)
	[ "$(jq .data.criteria <<< "$planned")" = "$n" ]
	f=$(jq -r '.data.artifacts[].path | select(endswith(".py"))' <<< "$planned" | head -1)
	[ "$(grep -c '^def test_' ws/$f)" -ge 1 ]
	all=$(jq -r '.data.artifacts[].path | select(endswith(".py"))' <<< "$planned")
	[ "$(cd ws && cat $all | grep -c '^def test_')" = "$n" ]
	ts=$(jq -r '.data.artifacts[].path | select(endswith(".ts"))' <<< "$planned")
	[ "$(cd ws && cat $ts | grep -c 'it.todo(')" = "$n" ]
	if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import pytest' 2> /dev/null; then
		cd "ws/$(dirname "$(dirname "$(dirname "$f")")")"
		run /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/acceptance
		[ "$status" -eq 0 ]
		[[ "$output" == *"$n skipped"* ]]
	fi
}

@test "XML bombs and external entities: refused with a clear error, nothing read or fetched" {
	cat > laughs.xml <<-'END'
	<?xml version="1.0"?>
	<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
	<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
	<testsuite name="x"><testcase name="&lol3;"/></testsuite>
	END
	run -65 --separate-stderr agent-test --workspace ws --report laughs.xml
	[[ "$stderr" == *"laughs.xml"*"DOCTYPE not allowed"* ]]
	# an external entity behind 64 KB of comments, pointing at a server here
	/usr/bin/python3 -m http.server --bind 127.0.0.1 0 > http.log 2>&1 &
	srv=$!
	for _ in $(seq 50); do port=$(grep -o 'port [0-9]*' http.log | tr -dc 0-9) && [ -n "$port" ] && break; sleep 0.1; done
	{ echo '<?xml version="1.0"?>'
	  for _ in $(seq 2000); do echo '<!-- padding padding padding padding -->'; done
	  echo "<!DOCTYPE t [<!ENTITY x SYSTEM \"http://127.0.0.1:$port/secret\"><!ENTITY y SYSTEM \"file:///etc/passwd\">]>"
	  echo '<testsuite name="x"><testcase name="&x;&y;"/></testsuite>'; } > xxe.xml
	run -65 --separate-stderr agent-test --workspace ws --report xxe.xml
	kill "$srv"
	[[ "$stderr" == *"xxe.xml:2002: DOCTYPE not allowed"* ]]
	! grep -q 'GET' http.log
	! grep -rq 'root:' ws
	# cut in the middle, and TAP with garbage lines between the tests
	head -c 700 "$D/pytest.xml" > cut.xml
	run -65 --separate-stderr agent-test --workspace ws --report cut.xml
	[[ "$stderr" == *"cut.xml:"* ]]
	printf '1..2\nok 1 a\n\001\002binary\nrandom words\nnot ok 2 b\n' > noisy.tap
	run -1 --separate-stderr agent-test --workspace ws --report noisy.tap
	[ "$(jq -c '[.data.tests.passed, .data.tests.failed, .data.notes]' <<< "$output")" = \
		'[1,1,["noisy.tap: 2 lines not TAP, ignored"]]' ]
}

@test "an event whose test command is not a list of strings fails that input, not the run" {
	for argv in '[1, "x"]' '[]' '"make"'; do
		printf '{"specversion":"1.0","id":"e1","source":"t","type":"feature.backend_ready","subject":"f-1","data":{"test":{"argv":%s,"cwd":"f-1"}}}\n' "$argv" > in.jsonl
		run -65 --separate-stderr agent-test --workspace ws --quiet in.jsonl
		[ "$(printf '%s\n' "$output" | jq -r .type | tr '\n' ' ')" = "feature.backend_ready agent.rejected " ]
		[[ "$stderr" == *"agent-test:"* ]]
	done
}
