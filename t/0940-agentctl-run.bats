#!/usr/bin/env bats
# agentctl run: a pipeline file run as a graph over the features of a
# stream, recorded in the store, resumed after a kill, with timeouts,
# retries, gates and the example pipeline of the README.

load helpers/lib
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	export AGENTKIT_STORE="$T/run.db" RUNLOG="$T/runs.log" T
	# a, then b and c side by side, then d joining them
	cat > graph.yaml <<-'E'
		name: graph
		stages:
		  a:
		    run: fake-stage a x.a
		    in: x.started
		    out: x.a
		  b:
		    run: fake-stage b x.b
		    in: x.a
		    out: x.b
		  c:
		    run: [fake-stage, c, x.c]
		    in: x.a
		    out: x.c
		  d:
		    run: fake-stage d x.d
		    in: [x.b, x.c]
		    out: x.d
	E
	{ mkevent x.started feature-1 e1; mkevent x.started feature-2 e2; } > in.jsonl
}

teardown() {
	common_teardown
}

# events TYPE: the recorded events of TYPE as "TYPE SUBJECT", sorted
recorded() {
	agentctl replay ${1:+--type "$1"} | jq -r '[.type, .subject] | join(" ")' | sort
}

@test "--check prints each stage, what it waits on and makes, and the inputs" {
	run -0 agentctl run --check graph.yaml
	cat > expect <<-'E'
		a            x.started -> x.a
		b            x.a -> x.b
		c            x.a -> x.c
		d            x.b+x.c -> x.d
		inputs: x.started
	E
	test_cmp expect <(printf '%s\n' "$output")
}

@test "stages run per feature, in the order of the graph, and every event is recorded once" {
	run -0 --separate-stderr agentctl run -q graph.yaml in.jsonl
	printf '%s\n' "$output" > out.jsonl
	[ -z "$stderr" ]
	# stdout: the inputs and each stage's new event, nothing passed through twice
	jq -r '[.type, .subject] | join(" ")' out.jsonl | sort > got
	for f in feature-1 feature-2; do
		for t in x.started x.a x.b x.c x.d; do echo "$t $f"; done
	done | sort > expect
	test_cmp expect got
	recorded > got
	test_cmp expect got
	# d came after both b and c, and each stage ran once per feature
	for f in feature-1 feature-2; do
		grep " $f\$" runs.log | cut -d' ' -f1 | tr '\n' ' ' > order
		[[ "$(cat order)" == "a b c d " || "$(cat order)" == "a c b d " ]]
	done
	[ "$(wc -l < runs.log)" -eq 8 ]
	# d's input was the feature's history: the start, a, b and c
	jq -r 'select(.type == "x.d") | .causationid' out.jsonl > causes
	for id in $(cat causes); do
		jq -r --arg id "$id" 'select(.id == $id) | .type' out.jsonl
	done | sort -u > got
	grep -qx -e x.b -e x.c got
	# each stage's stderr is kept in the workspace
	[ "$(cat agentkit-work/feature-1/agentctl-run/d.log)" = "fake-stage: d done for feature-1" ]
}

@test "a second run with the same input runs nothing and records nothing" {
	agentctl run -q graph.yaml in.jsonl > /dev/null
	: > runs.log
	run -0 --separate-stderr agentctl run -q graph.yaml in.jsonl
	[ -z "$output" ]
	[ ! -s runs.log ]
	[ "$(store_count)" -eq 10 ]
}

@test "the same requirement sent again with a new id is not recorded again" {
	agentctl run -q graph.yaml in.jsonl > /dev/null
	mkevent x.started feature-1 e9 > again.jsonl
	run -0 agentctl run -q graph.yaml again.jsonl
	[ -z "$output" ]
	[ "$(store_count)" -eq 10 ]
}

@test "--feature resumes a feature from the store without input" {
	mkevent x.started feature-3 e3 | agentctl record > /dev/null
	run -0 agentctl run -q --feature feature-3 graph.yaml /dev/null
	[ "$(printf '%s\n' "$output" | jq -r .type | sort | tr '\n' ' ')" = "x.a x.b x.c x.d " ]
}

@test "killed with SIGKILL mid-way, run again: finished stages are not repeated, each event stored once" {
	# b of feature-1 hangs until the run is killed; its program must go with the run
	FAKE_B_SLEEP=60 FAKE_B_MARK="$T/b.pid" agentctl run -q -j 4 graph.yaml in.jsonl > first.jsonl &
	pid=$!
	for _ in $(seq 200); do [ -s b.pid ] && break; sleep 0.05; done
	[ -s b.pid ]
	bpid=$(cat b.pid)
	kill -KILL "$pid"
	wait "$pid" || true
	# the stage's program gets SIGTERM when the run dies
	for _ in $(seq 100); do kill -0 "$bpid" 2> /dev/null || break; sleep 0.05; done
	run ! kill -0 "$bpid"
	cp runs.log runs.first
	run -0 agentctl run -q graph.yaml in.jsonl
	# every event of the graph once
	for f in feature-1 feature-2; do
		for t in x.started x.a x.b x.c x.d; do echo "$t $f"; done
	done | sort > expect
	recorded > got
	test_cmp expect got
	[ "$(agentctl replay | jq -r .id | sort | uniq -d)" = "" ]
	# what had finished before the kill (its event was written) did not run again
	second=$(tail -n +$(($(wc -l < runs.first) + 1)) runs.log)
	jq -r 'select(.source | startswith("test/")) | "\(.source[5:]) \(.subject)"' first.jsonl > finished
	[ -s finished ]
	while read -r line; do
		grep -qxF "$line" <<< "$second" && { echo "ran again: $line"; false; }
	done < finished
	# b of feature-1, killed mid-way, ran again
	grep -qx 'b feature-1' <<< "$second"
	[ "$(grep -cx 'a feature-1' runs.log)" -eq 1 ]
}

@test "a stage past its timeout is killed and retried, then its feature gets agent.failed and exit 70" {
	sed -i 's/^    run: fake-stage b x.b$/    run: fake-stage b x.b\n    timeout: 1s\n    retries: 1/' graph.yaml
	FAKE_B_SLEEP=30 run -70 --separate-stderr agentctl run -q graph.yaml in.jsonl
	# b failed for both features, after two attempts each; d never ran
	agentctl replay --type agent.failed | jq -r '[.subject, .data.stage, .data.attempts, .data.reason] | join(" ")' | sort > got
	printf '%s\n' "feature-1 b 2 killed by signal 15 (timeout after 1000 ms)" \
		"feature-2 b 2 killed by signal 15 (timeout after 1000 ms)" > expect
	test_cmp expect got
	[ "$(recorded x.d)" = "" ]
	[ "$(recorded x.c | wc -l)" -eq 2 ]
	grep -q "^agentctl: run: stage 'b' failed for 'feature-1' after 2 attempts: killed by signal 15 (timeout after 1000 ms)\$" <<< "$stderr"
}

@test "a stage that fails once is run again and the run goes on" {
	sed -i 's/^    run: fake-stage b x.b$/    run: fake-stage b x.b\n    retries: 2/' graph.yaml
	mkevent x.started feature-1 e1 > one.jsonl
	FAKE_B_FAILS=1 run -0 --separate-stderr agentctl run -q graph.yaml one.jsonl
	[ "$(grep -c '^b ' runs.log)" -eq 2 ]
	[ "$(recorded x.d)" = "x.d feature-1" ]
	[ "$(recorded agent.failed)" = "" ]
	# without retries the failure stands, with the program's own words
	rm -f fails.b
	sed -i '/retries: 2/d' graph.yaml
	FAKE_B_FAILS=1 run -70 agentctl run -q --store third.db graph.yaml one.jsonl
	[ "$(AGENTKIT_STORE=third.db agentctl replay --type agent.failed | jq -r .data.stderr)" = \
		"fake-stage: b: failing on purpose" ]
}

@test "a gate that says no makes the exit status 1, and its events go on" {
	FAKE_C_EXIT=1 run -1 agentctl run -q graph.yaml in.jsonl
	[ "$(recorded x.d | wc -l)" -eq 2 ]
}

@test "a stage's line that is not an event becomes agent.rejected, exit 65" {
	FAKE_A_GARBAGE='not json {' run -65 --separate-stderr agentctl run -q graph.yaml in.jsonl
	agentctl replay --type agent.rejected | jq -r '[.data.origin // .data.input.origin // "", .data.reason] | join(" ")' > got
	[ "$(wc -l < got)" -eq 2 ]
	grep -q 'not JSON' got
	[ "$(recorded x.d | wc -l)" -eq 2 ]
}

@test "a bad input line becomes agent.rejected, and the good ones run" {
	{ echo '{"broken'; mkevent x.started feature-1 e1; echo '{"title": "a work item"}'; } > mixed.jsonl
	run -65 --separate-stderr agentctl run -q graph.yaml mixed.jsonl
	[ "$(recorded agent.rejected | wc -l)" -eq 2 ]
	[ "$(recorded x.d)" = "x.d feature-1" ]
}

@test "a program that cannot be started fails its stage with 69" {
	sed -i 's/fake-stage d x.d/no-such-program-here/' graph.yaml
	run -69 --separate-stderr agentctl run -q graph.yaml in.jsonl
	grep -q "stage 'd' failed for 'feature-1' after 1 attempt: cannot run 'no-such-program-here': No such file or directory" <<< "$stderr"
}

@test "parallel stages of a feature run at the same time with --jobs 2" {
	mkevent x.started feature-1 e1 > one.jsonl
	# b answers only once c has started, and c only once b has
	FAKE_B_MARK="$T/b.started" FAKE_C_MARK="$T/c.started" \
	FAKE_B_WAITFOR="$T/c.started" FAKE_C_WAITFOR="$T/b.started" \
		run -0 agentctl run -q -j 2 graph.yaml one.jsonl
	[ "$(recorded x.d)" = "x.d feature-1" ]
}

@test "a terminal gets a progress view on stderr; a pipe gets nothing" {
	command -v script > /dev/null || skip "script(1) is not installed"
	script -qfec "agentctl run graph.yaml in.jsonl > out.jsonl" /dev/null > tty.txt
	sed 's/\x1b\[[0-9]*[AK]//g; s/\r//g' tty.txt | grep -v '^$' | tail -5 > got
	sed -i 's/, [0-9.]*s$//' got
	cat > expect <<-'E'
		STAGE             IN     OUT RUNNING    DONE SKIPPED  FAILED   graph
		a                  2       2       0       2       0       0
		b                  2       2       0       2       0       0
		c                  2       2       0       2       0       0
		d                  2       2       0       2       0       0
	E
	test_cmp expect got
	[ "$(jq -r .type out.jsonl | wc -l)" -eq 10 ]
}

@test "bad pipeline files are refused with the place and the reason" {
	check() {
		printf '%s\n' "$1" > bad.yaml
		run -65 --separate-stderr agentctl run bad.yaml /dev/null
		[ "$stderr" = "agentctl: $2" ] || { echo "got: $stderr"; false; }
	}
	check 'stages: {a: {run: x, in: t.a, out: t.b, colour: red}}' "bad.yaml: stages.a.colour: unknown key"
	check 'stages: {a: {in: t.a, out: t.b}}' "bad.yaml: stages.a: run is required"
	check 'stages: {a: {run: x, in: T.A, out: t.b}}' "bad.yaml: stages.a.in: 'T.A' is not an event type"
	check 'stages: {a: {run: x, in: t.a, out: t.b, timeout: soon}}' \
		'bad.yaml: stages.a.timeout: must be a length of time up to 7d ("90s", "10m")'
	check 'stages: {a: {run: x, in: t.a, out: t.b, retries: 11}}' \
		"bad.yaml: stages.a.retries: must be a whole number from 0 to 10"
	check 'stages: {a: {run: "x \"y", in: t.a, out: t.b}}' "bad.yaml: stages.a.run: unterminated quote in 'x \"y'"
	check 'stages: {a: {run: x, in: [t.a, t.c], out: t.b}, c: {run: y, in: t.b, out: t.c}}' \
		"bad.yaml: stages.a: waits on what stage 'c' makes, which waits on it (a cycle)"
	check 'stages: {a: {run: x, in: t.b, out: t.b}}' \
		"bad.yaml: stages.a: waits on what stage 'a' makes, which waits on it (a cycle)"
	check 'stages: []' "bad.yaml: stages: must be a map of 1 to 64 stages"
	check 'nam: x' "bad.yaml: nam: unknown key"
	head -c 3000 /dev/urandom > bad.yaml
	run -65 agentctl run bad.yaml /dev/null
	run -64 --separate-stderr agentctl run
	[ "$stderr" = "agentctl: run needs a PIPELINE file"$'\n'"Try 'agentctl --help'." ] ||
		[[ "$stderr" == "agentctl: run needs a PIPELINE file"* ]]
	run -64 agentctl run -j 0 graph.yaml
}

@test "requirement documents are inputs too; a full disk gives 74" {
	cat > req.yaml <<-'E'
		stages:
		  first:
		    run: fake-stage first x.first
		    in: requirement.submitted
		    out: x.first
	E
	run -0 agentctl run -q req.yaml "$TOP/examples/requirements/password-reset.md"
	[ "$(printf '%s\n' "$output" | jq -r '[.type, .subject] | join(" ")')" = \
		"requirement.submitted password-reset-099d"$'\n'"x.first password-reset-099d" ]
	# a document that is not text is rejected, and said so in the store
	printf 'abc\0\1\2' > binary.md
	run -65 --separate-stderr agentctl run -q --store bin.db req.yaml binary.md
	AGENTKIT_STORE=bin.db agentctl replay | jq -r '[.type, .data.origin, .data.reason] | join(" | ")' > got
	echo "agent.rejected | binary.md | 'binary.md' is not a text document (NUL byte at byte 4)" > expect
	test_cmp expect got
	[ "$(printf '%s\n' "$output" | jq -r .type)" = agent.rejected ]
	run -74 bash -c "agentctl run -q --store full.db req.yaml '$TOP/examples/requirements/todo-app.md' > /dev/full"
}
