#!/usr/bin/env bats
# agentctl validate: pass-through, rejection of every class of bad input,
# output errors.

bats_require_minimum_version 1.5.0
load helpers/lib

setup() { common_setup; }
teardown() { common_teardown; }

@test "valid events pass through byte for byte" {
	gen-events 2000 > in.jsonl
	run agentctl validate < in.jsonl
	[ "$status" -eq 0 ]
	agentctl validate < in.jsonl > out.jsonl
	cmp in.jsonl out.jsonl
}

@test "nothing lost: N lines in, N lines out, bad ones rejected by line number" {
	gen-events 1000 7 > in.jsonl
	run agentctl validate < in.jsonl
	[ "$status" -eq 65 ]
	agentctl validate < in.jsonl > out.jsonl 2> err || true
	[ "$(wc -l < out.jsonl)" -eq 1000 ]
	# every 7th line is rejected and names its line
	jq -r 'select(.type == "agent.rejected") | .data.line' out.jsonl > rejected
	seq 7 7 1000 > expect
	test_cmp expect rejected
	# the others are byte-identical to their input
	awk 'NR % 7' in.jsonl > expect.valid
	jq -c 'select(.type != "agent.rejected")' out.jsonl > /dev/null
	grep -v '"type":"agent.rejected"' out.jsonl > got.valid
	cmp expect.valid got.valid
	# one line on stderr per rejection
	[ "$(wc -l < err)" -eq 142 ]
}

@test "each class of bad input gets its own reason" {
	{
		echo 'not json'
		echo '{"specversion":"1.0","id":"a","source":"s","type":"t"'
		printf '{"specversion":"1.0","id":"a","source":"s","type":"t","data":"\xff"}\n'
		printf '{"specversion":"1.0","id":"a","source":"s","type":"t","data":"a\0b"}\n'
		echo '{"specversion":"1.0","id":7,"source":"s","type":"t"}'
		echo '{"specversion":"1.0","source":"s","type":"t"}'
		echo '{"specversion":"1.0","id":"a","id":"b","source":"s","type":"t"}'
		echo '{"specversion":"0.3","id":"a","source":"s","type":"t"}'
		echo '{"specversion":"1.0","id":"a","source":"s","type":"t","time":"yesterday"}'
		echo '{"specversion":"1.0","id":"a","source":"s","type":"t","Bad_Name":1}'
		echo '[1,2,3]'
		echo ''
	} > in.jsonl
	run agentctl validate < in.jsonl
	[ "$status" -eq 65 ]
	agentctl validate < in.jsonl 2>/dev/null | jq -r '"\(.data.line): \(.data.reason)"' > got || true
	cat > expect <<-'END'
	1: not valid JSON: invalid literal at byte 1
	2: not valid JSON: truncated JSON at byte 54
	3: not valid JSON: invalid UTF-8 at byte 63
	4: NUL byte at byte 64
	5: attribute 'id' must be a string
	6: missing required attribute 'id'
	7: not valid JSON: duplicate member name at byte 31
	8: specversion must be "1.0"
	9: attribute 'time' is not an RFC 3339 time
	10: invalid attribute name 'Bad_Name' (a-z and 0-9, 1 to 20 characters)
	11: not a JSON object but an array
	12: not valid JSON: empty line at byte 1
	END
	test_cmp expect got
}

@test "nesting 100,000 deep is rejected, not a crash" {
	{ printf '{"specversion":"1.0","id":"a","source":"s","type":"t","data":'
	  head -c 100000 /dev/zero | tr '\0' '['
	  head -c 100000 /dev/zero | tr '\0' ']'
	  echo '}'; mkevent ok; } > in.jsonl
	run agentctl validate < in.jsonl
	[ "$status" -eq 65 ]
	agentctl validate < in.jsonl 2>/dev/null > out.jsonl || true
	[ "$(jq -r '.data.reason' < <(head -1 out.jsonl))" = "not valid JSON: nesting too deep at byte 573" ]
	mkevent ok > expect
	tail -1 out.jsonl > got
	test_cmp expect got
}

@test "a 20 MiB line is rejected with its size, and the next line still passes" {
	{ printf '{"specversion":"1.0","id":"a","source":"s","type":"t","data":"'
	  head -c 20971520 /dev/zero | tr '\0' 'x'
	  echo '"}'; mkevent after; } > in.jsonl
	run agentctl validate < in.jsonl
	[ "$status" -eq 65 ]
	agentctl validate < in.jsonl 2>/dev/null > out.jsonl || true
	[ "$(wc -l < out.jsonl)" -eq 2 ]
	len=$(( $(head -1 in.jsonl | wc -c) - 1 ))
	[ "$(head -1 out.jsonl | jq -r .data.reason)" = "line too long ($len bytes, limit 16777216)" ]
	# the copy in the event is truncated
	[ "$(head -1 out.jsonl | jq -r '.data.input | length')" -eq 1024 ]
	mkevent after > expect
	tail -1 out.jsonl > got
	test_cmp expect got
}

@test "--max-line sets the limit" {
	mkevent t > in.jsonl
	run --separate-stderr agentctl validate --max-line 100 < in.jsonl
	[ "$status" -eq 65 ]
	[ "$(echo "$output" | jq -r .data.reason)" = "line too long (131 bytes, limit 100)" ]
	[ "$stderr" = "agentctl: warning: stdin:1: rejected: line too long (131 bytes, limit 100)" ]
	AGENTKIT_MAX_LINE=1K agentctl validate < in.jsonl > out.jsonl
	cmp in.jsonl out.jsonl
	run agentctl validate --max-line 12X < in.jsonl
	[ "$status" -eq 64 ]
}

@test "CRLF line ends and a last line without newline" {
	mkevent a > expect
	mkevent b >> expect
	{ mkevent a | sed 's/$/\r/'; mkevent b | tr -d '\n'; } > in.jsonl
	agentctl validate < in.jsonl > got
	test_cmp expect got
}

@test "work items pass; --strict refuses them and checks data fields" {
	echo '{"title":"Login","text":"Users can log in."}' > in.jsonl
	agentctl validate < in.jsonl > got
	test_cmp in.jsonl got
	run --separate-stderr agentctl validate --strict < in.jsonl
	[ "$status" -eq 65 ]
	[ "$(echo "$output" | jq -r .data.reason)" = "a work item, not an event" ]
	printf '%s\n' '{"specversion":"1.0","id":"a","source":"s","type":"feature.tested","data":{"status":"maybe","tests":{}}}' > t.jsonl
	run --separate-stderr agentctl validate --strict < t.jsonl
	[ "$status" -eq 65 ]
	[ "$(echo "$output" | jq -r .data.reason)" = 'feature.tested: data.status must be "pass" or "fail"' ]
	agentctl validate < t.jsonl > got
	test_cmp t.jsonl got
}

@test "duplicate names deep inside data are caught by --strict" {
	echo '{"specversion":"1.0","id":"a","source":"s","type":"x","data":{"a":1,"a":2}}' > in.jsonl
	agentctl validate < in.jsonl > got
	test_cmp in.jsonl got
	run --separate-stderr agentctl validate --strict < in.jsonl
	[ "$status" -eq 65 ]
	[[ "$(echo "$output" | jq -r .data.reason)" == "not valid JSON: duplicate object key"* ]]
}

@test "rejections are themselves valid events and carry the input's ids" {
	printf '%s\n' '{"specversion":"1.0","id":"in-1","source":"s","type":"t","subject":"f-1","time":"nope"}' > in.jsonl
	agentctl validate < in.jsonl 2>/dev/null > out.jsonl || true
	agentctl validate --strict < out.jsonl > again
	test_cmp out.jsonl again
	[ "$(jq -r '[.subject, .data.input_id, .source] | join(" ")' out.jsonl)" = "f-1 in-1 agentkit/agentctl" ]
}

@test "secrets in a rejected line are redacted" {
	echo '{"user":"a","password":"hunter2","api_token":"abc"' > in.jsonl
	agentctl validate < in.jsonl 2>/dev/null > out.jsonl || true
	[ "$(jq -r .data.input out.jsonl)" = '{"user":"a","password":"[REDACTED]","api_token":"[REDACTED]"' ]
	! grep -q hunter2 out.jsonl
}

@test "files as operands, read in order" {
	mkevent a > a.jsonl
	mkevent b > b.jsonl
	cat a.jsonl b.jsonl > expect
	agentctl validate a.jsonl - < b.jsonl > got
	test_cmp expect got
	run --separate-stderr agentctl validate missing.jsonl a.jsonl
	[ "$status" -eq 74 ]
	[ "$stderr" = "agentctl: cannot open 'missing.jsonl': No such file or directory" ]
	# the files after it are still read
	[ "$output" = "$(cat a.jsonl)" ]
}

@test "writing to a full disk: exit 74 and a message" {
	gen-events 10 > in.jsonl
	run bash -c 'agentctl validate < in.jsonl > /dev/full'
	[ "$status" -eq 74 ]
	[ "$output" = "agentctl: write error: No space left on device" ]
}

@test "a reader that goes away ends the program quietly" {
	gen-events 200000 > in.jsonl
	agentctl validate < in.jsonl 2> err | head -1 > first
	[ ! -s err ]
	head -1 in.jsonl > expect
	test_cmp expect first
}

@test "output streams: each line answered before the next is read" {
	mkfifo fifo
	# the writer keeps the pipe open after its first line
	(mkevent one; sleep 5; mkevent two) > fifo &
	agentctl validate < fifo > out.jsonl &
	for i in $(seq 40); do [ -s out.jsonl ] && break; sleep 0.1; done
	mkevent one > expect
	test_cmp expect out.jsonl
	wait
	{ mkevent one; mkevent two; } > expect
	test_cmp expect out.jsonl
}
