#!/usr/bin/env bats
# The "Scaling out" example of README.md runs as written: its code block is
# taken from the README and run with sh on a mock Kafka cluster, and what it
# prints, what the workers report and what the store holds are checked, so
# the README cannot drift from agentctl.

bats_require_minimum_version 1.5.0
load helpers/lib

# Work in a directory that looks like the tree's top (its folders linked),
# as a reader of the README would, without writing into the tree.
setup() {
	common_setup
	unset AGENTKIT_KAFKA_BROKERS AGENTKIT_KAFKA_TOPIC_PREFIX
	mkdir top tmp
	for d in "$TOP"/*; do
		ln -s "$d" "top/${d##*/}"
	done
	cd top
}

teardown() {
	common_teardown
}

@test "readme_block takes the first block of the section and nothing else" {
	cat > "$T/readme" <<-'EOF'
	## Before
	```sh
	echo before
	```
	## Scaling out
	Text.
	```sh
	echo one
	  echo two
	```
	```sh
	echo second block
	```
	## After
	```sh
	echo after
	```
	EOF
	readme_block "$T/readme" "Scaling out" > got
	printf '%s\n' 'echo one' '  echo two' > expect
	test_cmp expect got
	readme_block "$T/readme" "No such section" > got
	[ ! -s got ]
}

@test "the README's Scaling out example runs and consumes every event it submitted" {
	readme_block README.md "Scaling out" > "$T/example.sh"
	# the example is the one described: a mock cluster, publish, a worker
	# group of two over validate --strict, consume -e
	grep -q '^agentctl kafka mock' "$T/example.sh"
	grep -q 'agentctl submit examples/requirements/\*\.md | agentctl publish$' "$T/example.sh"
	[ "$(grep -c '^agentctl worker -G checkers .* -- agentctl validate --strict &$' "$T/example.sh")" -eq 2 ]
	grep -q '^agentctl consume .*-e' "$T/example.sh"

	# what it should print: one line per requirement event submit makes
	agentctl submit examples/requirements/*.md | jq -c '{type, subject}' | sort > "$T/expect"
	n=$(wc -l < "$T/expect")
	[ "$n" -ge 2 ]

	ls -A > "$T/top.before"
	export AGENTKIT_STORE="$T/agentkit.db" AGENTKIT_WORKSPACE="$T/work"
	status=$(run_session 300 "$(cat "$T/example.sh")" "$T/out" "$T/err")
	[ "$status" -eq 0 ] || { cat "$T/err"; false; }

	# consumed: every event submitted, each once, and nothing else
	sort "$T/out" > "$T/got"
	test_cmp "$T/expect" "$T/got"

	# the two workers reported; between them they answered every event once
	# (an event read again after a rebalance is replayed from the store)
	grep 'agentctl: worker checkers: ' "$T/err" > "$T/stats" || { cat "$T/err"; false; }
	[ "$(wc -l < "$T/stats")" -eq 2 ] || { cat "$T/err"; false; }
	sed 's/.*: \([0-9]*\) inputs, \([0-9]*\) runs, \([0-9]*\) outputs, \([0-9]*\) replayed, \([0-9]*\) rejected, \([0-9]*\) failed$/\1 \2 \3 \4 \5 \6/' \
		"$T/stats" > "$T/nums"
	read -r in1 runs1 out1 rep1 rej1 fail1 < <(sed -n 1p "$T/nums")
	read -r in2 runs2 out2 rep2 rej2 fail2 < <(sed -n 2p "$T/nums")
	[ $((in1 + in2 - rep1 - rep2)) -eq "$n" ]
	[ $((runs1 + runs2)) -ge 1 ]
	# validate passes valid events through: no outputs, nothing rejected
	[ $((out1 + out2 + rej1 + rej2 + fail1 + fail2)) -eq 0 ]
	# and nothing went wrong: stderr holds the reports, librdkafka's own
	# diagnostics ("agentctl: kafka: ..."), and the note of a member that
	# left while the group rebalanced; no error of agentctl's
	grep -v -e '^agentctl: worker checkers: ' -e '^agentctl: kafka: ' \
		-e '^agentctl: warning: offsets not committed, the group is rebalancing: ' \
		-e '^agentctl: store migrated from schema version 0 to ' "$T/err" > "$T/errors" || true
	test_cmp /dev/null "$T/errors"

	# record stored what was consumed, in the store the example was given
	agentctl log --json | jq -c '{type, subject}' | sort > "$T/stored"
	test_cmp "$T/expect" "$T/stored"

	# nothing left behind: not in the tree, not in the temporary directory
	ls -A > "$T/top.after"
	test_cmp "$T/top.before" "$T/top.after"
	ls -A "$T/tmp" > "$T/tmp.after"
	test_cmp /dev/null "$T/tmp.after"
}

@test "run_session fails a script that leaves a process running" {
	echo 'sleep 300 & echo started' > "$T/bad.sh"
	status=$(run_session 300 "$(cat "$T/bad.sh")" "$T/out" "$T/err")
	[ "$status" -eq 125 ]
	[ "$(cat "$T/out")" = started ]
	grep -q 'sleep 300' "$T/err"
}
