#!/usr/bin/env bats
# The event store: record, log, status, show, replay, dlq and store, against
# SQLite, and against PostgreSQL when STORE_BACKEND=postgres.

bats_require_minimum_version 1.5.0
load helpers/lib

setup_file() { store_setup_file; }
teardown_file() { store_teardown_file; }
setup() { common_setup; store_setup; }
teardown() { common_teardown; }

@test "record is a tee: the same bytes out, every event stored" {
	gen-events 3000 > in.jsonl
	agentctl record < in.jsonl > out.jsonl
	cmp in.jsonl out.jsonl
	[ "$(store_count)" -eq 3000 ]
	agentctl record --quiet < in.jsonl > quiet.out
	[ ! -s quiet.out ]
}

@test "recording twice stores once; replay gives the lines back in order" {
	gen-events 2000 > in.jsonl
	agentctl record --quiet < in.jsonl
	agentctl record --quiet < in.jsonl
	[ "$(store_count)" -eq 2000 ]
	agentctl replay > replayed
	cmp in.jsonl replayed
	agentctl store export > exported
	cmp in.jsonl exported
}

@test "bad lines are stored as agent.rejected and listed by dlq" {
	gen-events 100 10 > in.jsonl
	run --separate-stderr agentctl record < in.jsonl
	[ "$status" -eq 65 ]
	[ "$(echo "$output" | wc -l)" -eq 100 ]
	[ "$(store_count)" -eq 100 ]
	agentctl dlq --json | jq -r '[.type, .line, .reason] | @tsv' > got
	agentctl validate < in.jsonl 2>/dev/null | jq -r 'select(.type == "agent.rejected") |
		[.type, .data.line, .data.reason] | @tsv' > expect || true
	test_cmp expect got
	[ "$(wc -l < got)" -eq 10 ]
	agentctl dlq | head -1 | grep -q '^TIME  *TYPE  *LINE  *REASON$'
}

@test "log filters by subject, type, time and count" {
	gen-events 64 > in.jsonl
	agentctl record --quiet < in.jsonl
	subject=$(sed -n 17p in.jsonl | jq -r .subject)
	agentctl log --json --subject "$subject" | jq -r .type > got
	jq -r --arg s "$subject" 'select(.subject == $s) | .type' in.jsonl > expect
	test_cmp expect got
	[ "$(wc -l < got)" -eq 8 ]
	agentctl log --json --type 'feature.*' | jq -r .id > got
	jq -r 'select(.type | startswith("feature.")) | .id' in.jsonl > expect
	test_cmp expect got
	agentctl log --json --type rollout.step --limit 3 | jq -r .id > got
	jq -r 'select(.type == "rollout.step") | .id' in.jsonl | head -3 > expect
	test_cmp expect got
	agentctl log --json --since 2026-11-01T00:00:05Z --until 2026-11-01T00:00:07Z | jq -r .time > got
	printf '2026-11-01T00:00:0%s\n' 5.000Z 5.250Z 5.500Z 5.750Z 6.000Z 6.250Z 6.500Z 6.750Z > expect
	test_cmp expect got
	agentctl log --json --reverse --limit 2 | jq -r .id > got
	tail -2 in.jsonl | jq -r .id | tac > expect
	test_cmp expect got
	run agentctl log --since yesterday
	[ "$status" -eq 64 ]
	[ "${lines[0]}" = "agentctl: 'yesterday' is not a time (RFC 3339, or an age such as 30m, 2h, 7d)" ]
}

@test "status derives each feature's stage and status from its events" {
	{
		printf '%s\n' '{"specversion":"1.0","id":"1","source":"t","type":"feature.tested","subject":"login-1a2b","time":"2026-11-26T10:00:00Z","data":{"status":"fail"}}'
		printf '%s\n' '{"specversion":"1.0","id":"2","source":"t","type":"feature.tested","subject":"login-1a2b","time":"2026-11-26T10:05:00Z","data":{"status":"pass"}}'
		printf '%s\n' '{"specversion":"1.0","id":"3","source":"t","type":"agent.failed","subject":"login-1a2b","time":"2026-11-26T10:06:00Z","data":{"reason":"boom"}}'
		printf '%s\n' '{"specversion":"1.0","id":"4","source":"t","type":"requirement.submitted","subject":"export-9f9f","time":"2026-11-26T10:07:00Z","data":{"title":"Export"}}'
	} > in.jsonl
	agentctl record --quiet < in.jsonl
	agentctl status --json | jq -r '[.subject, .stage, (.status // "-"), .events, .last_id] | @tsv' > got
	printf 'export-9f9f\trequirement.submitted\t-\t1\t4\nlogin-1a2b\tfeature.tested\tfailed\t3\t3\n' > expect
	test_cmp expect got
	agentctl status login-1a2b | awk 'NR == 2 { print $1, $2, $3, $4 }' > got
	echo "login-1a2b feature.tested failed 3" > expect
	test_cmp expect got
	run agentctl status nope-0000
	[ "$status" -eq 65 ]
	[ "$output" = "agentctl: no feature 'nope-0000' in the store" ]
	agentctl show login-1a2b > got
	cat > expect <<-'END'
	TIME                      TYPE                          SOURCE                  SUMMARY
	2026-11-26T10:00:00Z      feature.tested                t                       status=fail
	2026-11-26T10:05:00Z      feature.tested                t                       status=pass
	2026-11-26T10:06:00Z      agent.failed                  t                       reason=boom
	END
	test_cmp expect got
	agentctl show --json login-1a2b > got
	head -3 in.jsonl > expect
	test_cmp expect got
}

@test "dlq --reemit gives failed inputs back from the store, and whole rejected lines" {
	{
		printf '%s\n' '{"specversion":"1.0","id":"in-1","source":"t","type":"feature.integrated","subject":"f-1","data":{"n":1}}'
		printf '%s\n' '{"specversion":"1.0","id":"fail-1","source":"t","type":"agent.failed","subject":"f-1","data":{"reason":"boom","input_id":"in-1","input_source":"t","line":1}}'
		echo '{"title": "half'
		echo '{"password":"hunter2"'
	} > in.jsonl
	agentctl record --quiet < in.jsonl 2>/dev/null || true
	run --separate-stderr agentctl dlq --reemit
	[ "$status" -eq 0 ]
	printf '%s\n' '{"specversion":"1.0","id":"in-1","source":"t","type":"feature.integrated","subject":"f-1","data":{"n":1}}' '{"title": "half' > expect
	echo "$output" > got
	test_cmp expect got
	[ "$stderr" = "agentctl: warning: 1 dead letters cannot be re-emitted (input incomplete or not stored)" ]
}

@test "hostile data is stored and replayed byte for byte" {
	{
		printf '{"specversion":"1.0","id":"big","source":"t","type":"x.big","data":"'
		head -c 10485760 /dev/zero | tr '\0' 'z'
		echo '"}'
		printf '%s\n' '{"specversion":"1.0","id":"'"'"'; DROP TABLE events; --","source":"t\"\\;--","type":"x.sql","subject":"a'"'"'b\"c","data":{"q":"1'"'"' OR '"'"'1'"'"'='"'"'1","e":"\u0000 nul escape"}}'
		printf '%s\n' '{"specversion":"1.0","id":"uni","source":"t","type":"x.uni","subject":"ǅ🙂","data":{"s":"\u2028\u2029 ‮rtl‬ 𝔘𝔫𝔦 \ud83d\ude00 e\u0301"}}'
	} > in.jsonl
	agentctl record --quiet < in.jsonl
	agentctl replay > got
	cmp in.jsonl got
	[ "$(agentctl log --json --subject "a'b\"c" | jq -r .id)" = "'; DROP TABLE events; --" ]
}

@test "store migrate goes forward only; opening a store migrates it" {
	run --separate-stderr agentctl store migrate --to 1
	[ "$status" -eq 0 ]
	[ "$stderr" = "agentctl: store migrated from schema version 0 to 1" ]
	run --separate-stderr agentctl store migrate
	[ "$stderr" = "agentctl: store migrated from schema version 1 to 5" ]
	agentctl store migrate --to 1 --store "$T/v1.db" 2>/dev/null
	gen-events 16 > in.jsonl
	agentctl record --quiet --store "$T/v1.db" < in.jsonl
	run --separate-stderr agentctl store migrate --store "$T/v1.db"
	[ "$stderr" = "agentctl: store is at schema version 5" ]
	agentctl replay --store "$T/v1.db" > got
	cmp in.jsonl got
	run agentctl store migrate --to 1
	[ "$status" -eq 64 ]
	[[ "$output" == *"is at version 5; migrations only go forward" ]]
	run --separate-stderr agentctl store migrate
	[ "$stderr" = "agentctl: store is at schema version 5" ]
}

@test "store import moves a store's events into another" {
	gen-events 500 > in.jsonl
	agentctl record --quiet < in.jsonl
	agentctl store export > exported
	AGENTKIT_STORE="$T/other.db" agentctl store import exported
	AGENTKIT_STORE="$T/other.db" agentctl replay > got
	cmp in.jsonl got
	agentctl store vacuum
	[ "$(store_count)" -eq 500 ]
}

@test "record killed with SIGKILL mid-stream, then run again: every event exactly once" {
	gen-events 200000 > in.jsonl
	agentctl record --quiet < in.jsonl &
	pid=$!
	# wait until some batches are in, then kill it in the middle
	for i in $(seq 200); do
		n=$(agentctl log --json --limit 3000 2>/dev/null | wc -l)
		[ "$n" -ge 2000 ] && break
		sleep 0.05
	done
	kill -9 "$pid"
	wait "$pid" || true
	before=$(store_count)
	[ "$before" -gt 0 ]
	[ "$before" -lt 200000 ]
	agentctl record --quiet < in.jsonl
	agentctl replay > got
	cmp in.jsonl got
}

@test "two writers at once lose nothing and see no error" {
	gen-events 20000 > a.jsonl
	sed 's/"source":"agentkit\/agent-test"/"source":"agentkit\/agent-other"/' a.jsonl > b.jsonl
	agentctl record --quiet < a.jsonl 2> a.err &
	pa=$!
	agentctl record --quiet < b.jsonl 2> b.err &
	pb=$!
	wait "$pa"
	wait "$pb"
	[ ! -s a.err ]
	[ ! -s b.err ]
	[ "$(store_count)" -eq 40000 ]
	agentctl replay | grep -c agent-other > got
	echo 20000 > expect
	test_cmp expect got
}

@test "a store that cannot be opened is a clear error" {
	if [ "${STORE_BACKEND:-sqlite}" = postgres ]; then
		run agentctl log --store "host=$T/nosuchdir dbname=x"
		[ "$status" -eq 69 ]
		[[ "$output" == "agentctl: cannot connect to store 'host=$T/nosuchdir dbname=x': "* ]]
	else
		run agentctl log --store "$T/no/such/dir/events.db"
		[ "$status" -eq 74 ]
		[[ "$output" == "agentctl: cannot open store '$T/no/such/dir/events.db': "* ]]
		echo "not a database" > junk.db
		run agentctl log --store junk.db
		[ "$status" -eq 65 ]
	fi
}

@test "a PostgreSQL server that goes away mid-stream: exit 69, only committed events went downstream" {
	[ "${STORE_BACKEND:-sqlite}" = postgres ] || skip "PostgreSQL only"
	gen-events 400 > in.jsonl
	mkfifo fifo
	# a slow producer: one line every 20 ms, so record commits many small batches
	(while IFS= read -r l; do printf '%s\n' "$l"; sleep 0.02; done < in.jsonl) > fifo &
	producer=$!
	agentctl record < fifo > out.jsonl 2> err &
	rec=$!
	for i in $(seq 100); do [ "$(wc -l < out.jsonl)" -ge 20 ] && break; sleep 0.1; done
	pg stop "$PGDIR"
	status=0
	wait "$rec" || status=$?
	kill "$producer" 2>/dev/null || true
	wait "$producer" 2>/dev/null || true
	[ "$status" -eq 69 ]
	grep -q "^agentctl: store '.*' went away: " err
	n=$(wc -l < out.jsonl)
	[ "$n" -ge 20 ]
	[ "$n" -lt 400 ]
	pg restart "$PGDIR" > /dev/null
	# everything that went downstream was committed, in order
	agentctl replay > stored
	head -n "$n" in.jsonl > expect
	cmp expect out.jsonl
	head -n "$n" stored > got
	cmp expect got
}
