#!/usr/bin/env bats
# Kafka: publish, consume and worker on librdkafka's mock cluster
# (agentctl kafka mock), with kcat as the peer.

bats_require_minimum_version 1.5.0
load helpers/lib

setup() {
	common_setup
	export AGENTKIT_STORE="$T/events.db"
	agentctl kafka mock --topics in.events:3,out.events:3,agentkit.test.in:3 > boot 2> mock.err &
	MOCK=$!
	for i in $(seq 100); do [ -s boot ] && break; sleep 0.05; done
	B=$(head -1 boot)
	[ -n "$B" ]
	export AGENTKIT_KAFKA_BROKERS="$B"
}

teardown() {
	kill "$MOCK" 2>/dev/null || true
	wait "$MOCK" 2>/dev/null || true
	common_teardown
}

@test "kcat produces, agentctl consumes the same events" {
	gen-events 1000 > in.jsonl
	kcat -P -b "$B" -t in.events < in.jsonl
	agentctl consume -t in.events -e > out.jsonl
	sort in.jsonl > expect
	sort out.jsonl > got
	test_cmp expect got
	# -c stops after a count
	[ "$(agentctl consume -t in.events -c 10 | wc -l)" -eq 10 ]
}

@test "agentctl publishes, kcat reads the same values, keys and headers" {
	gen-events 300 > in.jsonl
	run --separate-stderr agentctl publish -t out.events < in.jsonl
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	kcat -C -b "$B" -t out.events -e -q -f '%s\n' | sort > got
	sort in.jsonl > expect
	test_cmp expect got
	# the key is the subject; structured mode says so in content-type
	kcat -C -b "$B" -t out.events -e -q -f '%k %h\n' | sort -u > got
	jq -r '"\(.subject) content-type=application/cloudevents+json; charset=UTF-8"' in.jsonl | sort -u > expect
	test_cmp expect got
}

@test "a topic per event type by default" {
	gen-events 16 > in.jsonl
	agentctl publish < in.jsonl
	kcat -C -b "$B" -t agentkit.feature.tested -e -q -f '%s\n' > got
	grep '"type":"feature.tested"' in.jsonl > expect
	test_cmp expect got
	agentctl consume --type feature.tested,rollout.step -e | sort > got
	grep -E '"type":"(feature.tested|rollout.step)"' in.jsonl | sort > expect
	test_cmp expect got
}

@test "binary mode: data as the value, attributes as ce_ headers, read back whole" {
	printf '%s\n' '{"specversion":"1.0","id":"b1","source":"t","type":"x.bin","subject":"f-1","time":"2026-11-26T12:00:00.000Z","datacontenttype":"application/json","data":{"n":1}}' > in.jsonl
	agentctl publish --binary -t out.events < in.jsonl
	kcat -C -b "$B" -t out.events -e -q -f '%s|%h\n' > got
	echo '{"n":1}|ce_specversion=1.0,ce_id=b1,ce_source=t,ce_type=x.bin,ce_subject=f-1,ce_time=2026-11-26T12:00:00.000Z,content-type=application/json' > expect
	test_cmp expect got
	agentctl consume -t out.events -e | jq -cS . > got
	jq -cS . in.jsonl > expect
	test_cmp expect got
}

@test "a malformed message becomes agent.rejected and consuming goes on" {
	mkevent x.a f-1 a1 > in.jsonl
	echo 'not json' >> in.jsonl
	mkevent x.a f-1 a2 >> in.jsonl
	kcat -P -b "$B" -t in.events -p 0 < in.jsonl
	run --separate-stderr agentctl consume -t in.events -e
	[ "$status" -eq 65 ]
	echo "$output" | jq -r '[.type, .id] | @tsv' | sed 's/\t[0-9a-f-]\{36\}$/\treject/' > got
	printf 'x.a\ta1\nagent.rejected\treject\nx.a\ta2\n' > expect
	test_cmp expect got
}

@test "unreachable brokers: a clear error and exit 69, never a silent 0" {
	gen-events 5 > in.jsonl
	run --separate-stderr agentctl publish -b 127.0.0.1:1 --timeout 2000 < in.jsonl
	[ "$status" -eq 69 ]
	[[ "$stderr" == *"agentctl: 5 events not delivered: "* ]]
	run --separate-stderr agentctl consume -b 127.0.0.1:1 --timeout 2000 -t in.events -e
	[ "$status" -eq 69 ]
}

@test "worker: every input answered once, outputs published and stored" {
	gen-events 200 | jq -c '.type = "test.in"' > in.jsonl
	agentctl publish < in.jsonl
	run --separate-stderr agentctl worker -G g1 --in test.in --batch 25 -e -- answer-agent
	[ "$status" -eq 0 ]
	agentctl log --json --type test.answered | wc -l > got
	echo 200 > expect
	test_cmp expect got
	# published too, each caused by its input
	agentctl consume --type test.answered -e | jq -r .causationid | sort > got
	jq -r .id in.jsonl | sort > expect
	test_cmp expect got
}

@test "two workers in one group split the partitions and answer everything" {
	gen-events 600 | jq -c '.type = "test.in"' > in.jsonl
	ANSWER_SLEEP=0.1 agentctl worker -G g2 --in test.in --batch 10 -- answer-agent 2> w1.err &
	w1=$!
	ANSWER_SLEEP=0.1 agentctl worker -G g2 --in test.in --batch 10 -- answer-agent 2> w2.err &
	w2=$!
	sleep 3    # both join the group before there is work
	agentctl publish < in.jsonl
	# a rebalance on a loaded machine can take a while: up to 90 s
	for i in $(seq 900); do
		[ "$(agentctl log --json --type test.answered | wc -l)" -ge 600 ] && break
		sleep 0.1
	done
	kill -TERM "$w1" "$w2"
	s1=0 s2=0
	wait "$w1" || s1=$?
	wait "$w2" || s2=$?
	grep -v 'kafka: FAIL' w1.err w2.err || true
	[ "$s1" -eq 0 ]
	[ "$s2" -eq 0 ]
	agentctl log --json --type test.answered | wc -l > got
	echo 600 > expect
	test_cmp expect got
	# each worker had a share
	n1=$(sed -n 's/.*worker g2: \([0-9]*\) inputs.*/\1/p' w1.err)
	n2=$(sed -n 's/.*worker g2: \([0-9]*\) inputs.*/\1/p' w2.err)
	[ "$n1" -gt 0 ]
	[ "$n2" -gt 0 ]
}

@test "a worker killed mid-batch and restarted: every input answered, each output stored once" {
	gen-events 300 | jq -c '.type = "test.in"' > in.jsonl
	agentctl publish < in.jsonl
	ANSWER_SLEEP=0.2 agentctl worker -G g3 --in test.in --batch 20 -- answer-agent 2> w.err &
	w=$!
	for i in $(seq 200); do
		[ "$(agentctl log --json --type test.answered | wc -l)" -ge 60 ] && break
		sleep 0.05
	done
	kill -9 "$w"
	wait "$w" || true
	agentctl worker -G g3 --in test.in --batch 20 -e -- answer-agent 2> w2.err
	# exactly one stored answer per input, though answers have new ids every run
	agentctl log --json --type test.answered | wc -l > got
	echo 300 > expect
	test_cmp expect got
	agentctl replay --type test.answered | jq -r .causationid | sort > got
	jq -r .id in.jsonl | sort > expect
	test_cmp expect got
	# published at least once each
	agentctl consume --type test.answered -e | jq -r .causationid | sort -u > got
	test_cmp expect got
}

@test "a worker goes on past a malformed message" {
	gen-events 10 | jq -c '.type = "test.in"' > in.jsonl
	{ head -5 in.jsonl; echo 'garbage'; tail -5 in.jsonl; } | kcat -P -b "$B" -t agentkit.test.in -p 0
	run --separate-stderr agentctl worker -G g4 --in test.in -e -- answer-agent
	[ "$status" -eq 65 ]
	[ "$(agentctl log --json --type test.answered | wc -l)" -eq 10 ]
	agentctl dlq --json | jq -r .reason > got
	echo "not valid JSON: unexpected character at byte 1" > expect
	test_cmp expect got
}
