#!/usr/bin/env bats
# agent-analyze --engine llm against t/helpers/fake-llm: the requests the
# server received (headers, body, schema), the events produced, the cache,
# the repair round, retries, failures, the budget and agentctl llm.

load helpers/lib
bats_require_minimum_version 1.5.0

REPLY="$BATS_TEST_DIRNAME/data/llm/analysis.json"
KEY=sk-test-7f3a9c1e55d2

setup() {
	common_setup
	export AGENTKIT_LLM_MODEL=gpt-test AGENTKIT_LLM_KEY=$KEY AGENTKIT_WORKSPACE="$T/work"
	export AGENTKIT_ENGINE=llm AGENTKIT_LLM_RETRIES=2
	item '{"title":"Password reset","text":"As a user, I want to reset my password by email so that I can regain access.\nThe page must load within 2 seconds."}' > one.jsonl
}

teardown() {
	fake_llm_stop
	common_teardown
}

item() {
	printf '%s\n' "$1"
}

# script LINE...: a fake-llm script, one step per argument
script() {
	printf '%s\n' "$@" > script.jsonl
}

# What the run wrote besides the requirement.submitted wrappers of its items.
own() {
	printf '%s\n' "$output" | jq -c 'select(.type != "requirement.submitted")'
}

# The n-th request's body (1-based), compact.
req() {
	sed -n "${1}p" requests.jsonl | jq -c "${2:-.body}"
}

@test "the request: endpoint, headers, model, options, the schema as strict json_schema" {
	fake_llm_start --reply "$REPLY" --key "$KEY"
	run -0 --separate-stderr agent-analyze one.jsonl
	[ "$(llm_requests)" -eq 1 ]
	[ "$(req 1 .path)" = '"/v1/chat/completions"' ]
	[ "$(req 1 '.headers.authorization')" = "\"Bearer $KEY\"" ]
	[ "$(req 1 '.headers["content-type"]')" = '"application/json"' ]
	[ "$(req 1 .body.model)" = '"gpt-test"' ]
	[ "$(req 1 .body.temperature)" = 0 ]
	[ "$(req 1 .body.max_tokens)" = 4096 ]
	[ "$(req 1 '.body.messages | map(.role)')" = '["system","user"]' ]
	req 1 '.body.messages[1].content' | grep -q 'reset my password by email'
	req 1 '.body.messages[1].content' | grep -q 'Draft from the rules engine'
	[ "$(req 1 '.body.response_format.type')" = '"json_schema"' ]
	[ "$(req 1 '.body.response_format.json_schema | [.name, .strict]')" = '["analyze",true]' ]
	[ "$(req 1 '.body.response_format.json_schema.schema.required')" = \
	  '["stories","nfrs","entities","questions"]' ]
	[ "$(req 1 '.body.response_format.json_schema.schema.additionalProperties')" = false ]
}

@test "a valid reply becomes the analysis, with what the call cost" {
	fake_llm_start --reply "$REPLY"
	run -0 --separate-stderr agent-analyze --no-pass one.jsonl
	own > out.jsonl
	[ "$(jq -r .type out.jsonl)" = requirement.analyzed ]
	[ "$(jq -r .data.engine out.jsonl)" = llm ]
	[ "$(jq -c '.data.stories[0] | [.id, .role, .goal, .priority]' out.jsonl)" = \
	  '["US-1","user","reset my password by email","must"]' ]
	[ "$(jq -r '.data.stories[0].text' out.jsonl)" = \
	  'As a user, I want to reset my password by email, so that I can regain access.' ]
	[ "$(jq -r '.data.stories[0].acceptance | length' out.jsonl)" = 2 ]
	[ "$(jq -c '.data.entities | map(.name)' out.jsonl)" = '["User","ResetToken"]' ]
	[ "$(jq -c '.data.questions[0] | [.id, .kind]' out.jsonl)" = '["Q-1","model"]' ]
	[ "$(jq -c '.data.llm | [.model, .status, .repaired]' out.jsonl)" = '["gpt-test","ok",false]' ]
	[ "$(jq -r '.data.llm.tokens_out' out.jsonl)" -gt 0 ]
	grep -q 'ResetToken' "$T/work/$(jq -r .subject out.jsonl)/agent-analyze/model.json"
	grep -q 'expired' "$T/work/$(jq -r .subject out.jsonl)/agent-analyze/stories.feature"
}

@test "a second identical run sends no request and prints the same bytes" {
	fake_llm_start --reply "$REPLY"
	export SOURCE_DATE_EPOCH=1700000000
	item '{"title":"Search","text":"As a shopper, I want to search products by name so that I find them."}' >> one.jsonl
	run -0 --separate-stderr agent-analyze one.jsonl
	printf '%s\n' "$output" > first.jsonl
	[ "$(llm_requests)" -eq 2 ]
	rm -rf "$T/work"
	run -0 --separate-stderr agent-analyze one.jsonl
	printf '%s\n' "$output" > second.jsonl
	[ "$(llm_requests)" -eq 2 ]
	test_cmp first.jsonl second.jsonl
	# --no-cache asks again
	run -0 --separate-stderr agent-analyze --no-cache one.jsonl
	[ "$(llm_requests)" -eq 4 ]
}

@test "invalid JSON, then valid: one repair round carries the error back" {
	script '{"content":"Sure! Here is the analysis: {stories: []"}'
	fake_llm_start --reply "$REPLY" --script script.jsonl
	run -0 --separate-stderr agent-analyze --no-pass one.jsonl
	[ "$(llm_requests)" -eq 2 ]
	[ "$(req 2 '.body.messages | map(.role)')" = '["system","user","assistant","user"]' ]
	[ "$(req 2 '.body.messages[2].content')" = '"Sure! Here is the analysis: {stories: []"' ]
	req 2 '.body.messages[3].content' | grep -q 'the reply is not JSON'
	[ "$(own | jq -c '.data | [.engine, .llm.repaired]')" = '["llm",true]' ]
}

@test "a reply that misses the schema twice is rejected and the rules answer" {
	script '{"content":"{\"stories\":[]}"}' '{"content":"{\"stories\":[],\"nfrs\":[],\"entities\":[],\"questions\":[],\"extra\":1}"}'
	fake_llm_start --reply "$REPLY" --script script.jsonl
	run -0 --separate-stderr agent-analyze --no-pass one.jsonl
	[ "$(llm_requests)" -eq 2 ]
	req 2 '.body.messages[3].content' | grep -q "missing required property 'nfrs'"
	own > out.jsonl
	[ "$(jq -r .type out.jsonl)" = requirement.analyzed ]
	[ "$(jq -c '.data | [.engine, .llm.status]' out.jsonl)" = '["rules","rejected"]' ]
	jq -r '.data.llm.errors[]' out.jsonl | grep -q "unexpected property 'extra'"
	[ "$(jq -r '.data.stories[0].goal' out.jsonl)" = 'reset my password by email' ]
	[[ "$stderr" == *"rejected"* || "$output" == *rejected* ]]
}

@test "a reply cut at the token limit goes back for a shorter one" {
	script '{"content":"{\"stories\":[{\"role\":\"us","finish":"length"}'
	fake_llm_start --reply "$REPLY" --script script.jsonl
	run -0 --separate-stderr agent-analyze --no-pass one.jsonl
	[ "$(llm_requests)" -eq 2 ]
	req 2 '.body.messages[3].content' | grep -q 'cut at the token limit'
	[ "$(own | jq -r .data.engine)" = llm ]
}

@test "429 with Retry-After and 500 are retried; the answer then counts" {
	script '{"status":429,"headers":{"retry-after":"1"}}' '{"status":500}' \
		'{"status":503,"headers":{"retry-after-ms":"50"}}'
	fake_llm_start --reply "$REPLY" --script script.jsonl
	AGENTKIT_LLM_RETRIES=3 run -0 --separate-stderr agent-analyze --no-pass one.jsonl
	[ "$(llm_requests)" -eq 4 ]
	[ "$(own | jq -r .data.engine)" = llm ]
	[[ "$stderr" == *"HTTP 429: rate limited; retrying in 1000 ms"* ]]
	[[ "$stderr" == *"HTTP 503"*"retrying in 50 ms"* ]]
}

@test "a server error that stays: agent.failed, exit 69, the next item still tried" {
	script '{"status":500}' '{"status":500}' '{"status":500}'
	fake_llm_start --reply "$REPLY" --script script.jsonl
	item '{"title":"Search","text":"As a shopper, I want to search products so that I find them."}' >> one.jsonl
	run -69 --separate-stderr agent-analyze --no-pass --jobs 1 one.jsonl
	[ "$(llm_requests)" -eq 4 ]
	own > out.jsonl
	[ "$(jq -r .type out.jsonl | paste -sd,)" = agent.failed,requirement.analyzed ]
	jq -r 'select(.type == "agent.failed") | .data.reason' out.jsonl | grep -q 'HTTP 500: server error: gave up after 3 attempts'
}

@test "a reply slower than the timeout, and a truncated body, are retried" {
	script '{"delay_ms":2500}' '{"truncate":40}'
	fake_llm_start --reply "$REPLY" --script script.jsonl
	AGENTKIT_LLM_TIMEOUT=1 run -0 --separate-stderr agent-analyze --no-pass one.jsonl
	[ "$(llm_requests)" -eq 3 ]
	[[ "$stderr" == *"imeout"* || "$stderr" == *"timed out"* ]]
	[ "$(own | jq -r .data.engine)" = llm ]
	# with no retries left, a timeout fails the item
	script '{"delay_ms":2500}'
	fake_llm_stop
	rm -f requests.jsonl
	fake_llm_start --reply "$REPLY" --script script.jsonl
	AGENTKIT_LLM_TIMEOUT=1 AGENTKIT_LLM_RETRIES=0 run -69 --separate-stderr agent-analyze --no-pass --no-cache one.jsonl
	[ "$(own | jq -r .type)" = agent.failed ]
}

@test "a bad key fails at once: exit 69, no retry, no request for the next item" {
	fake_llm_start --reply "$REPLY" --key right-key
	item '{"title":"Search","text":"As a shopper, I want to search products so that I find them."}' >> one.jsonl
	run -69 --separate-stderr agent-analyze --no-pass --jobs 1 one.jsonl
	[ "$(llm_requests)" -eq 1 ]
	own > out.jsonl
	[ "$(jq -r .type out.jsonl | paste -sd,)" = agent.failed,agent.failed ]
	[[ "$stderr" == *"HTTP 401: invalid api key"* ]]
}

@test "an exhausted quota is not retried" {
	script '{"status":429,"type":"insufficient_quota"}'
	fake_llm_start --reply "$REPLY" --script script.jsonl
	run -69 --separate-stderr agent-analyze --no-pass one.jsonl
	[ "$(llm_requests)" -eq 1 ]
	[[ "$stderr" == *"insufficient quota"* ]]
}

@test "the key appears in no output, log, store or workspace file" {
	script '{"status":500}' '{"content":"nonsense"}'
	fake_llm_start --reply "$REPLY" --script script.jsonl
	AGENTKIT_LOG_LEVEL=debug run --separate-stderr agent-analyze one.jsonl
	[ "$status" -eq 0 ]
	! grep -rq "$KEY" <<< "$output$stderr"
	! grep -rqa "$KEY" "$T/cache" "$T/work"
	run -0 agentctl llm log --json
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 3 ]
	! grep -q "$KEY" <<< "$output"
	# the key did reach the server
	[ "$(req 1 .headers.authorization)" = "\"Bearer $KEY\"" ]
}

@test "--jobs keeps the output in input order" {
	fake_llm_start --reply "$REPLY" --delay 150
	export SOURCE_DATE_EPOCH=1700000000
	: > many.jsonl
	for i in 1 2 3 4 5 6 7 8; do
		item "{\"title\":\"Feature $i\",\"text\":\"As a user, I want to do thing $i so that I get value $i.\"}" >> many.jsonl
	done
	run -0 --separate-stderr agent-analyze --jobs 4 --no-cache many.jsonl
	printf '%s\n' "$output" > four.jsonl
	run -0 --separate-stderr agent-analyze --jobs 1 --no-cache many.jsonl
	printf '%s\n' "$output" > one-at-a-time.jsonl
	test_cmp one-at-a-time.jsonl four.jsonl
	[ "$(jq -r 'select(.type == "requirement.analyzed") | .data.title' four.jsonl | paste -sd,)" = \
	  "Feature 1,Feature 2,Feature 3,Feature 4,Feature 5,Feature 6,Feature 7,Feature 8" ]
	[ "$(llm_requests)" -eq 16 ]
}

@test "the budget stops the run where it would overspend; a rerun goes on from the cache" {
	fake_llm_start --reply "$REPLY"
	: > many.jsonl
	for i in 1 2 3; do
		item "{\"title\":\"Feature $i\",\"text\":\"As a user, I want to do thing $i so that I get value $i.\"}" >> many.jsonl
	done
	# a request is estimated as its prompt (about 1,040 tokens) plus max_tokens: 1,700 fits one of them
	AGENTKIT_LLM_MAX_TOKENS=300 run -75 --separate-stderr agent-analyze --no-pass --jobs 1 \
		--max-tokens-total 1700 many.jsonl
	own > out.jsonl
	[ "$(jq -r .type out.jsonl | paste -sd,)" = requirement.analyzed,agent.stopped ]
	[ "$(jq -r 'select(.type == "agent.stopped") | .data.reason' out.jsonl)" = budget ]
	[ "$(jq -r 'select(.type == "agent.stopped") | .data.max_tokens_total' out.jsonl)" = 1700 ]
	[ "$(llm_requests)" -eq 1 ]
	[[ "$stderr" == *"budget reached"* ]]
	agentctl validate --strict < out.jsonl > /dev/null
	AGENTKIT_LLM_MAX_TOKENS=300 run -75 --separate-stderr agent-analyze --no-pass --jobs 1 --max-tokens-total 1700 many.jsonl
	[ "$(own | jq -r .type | paste -sd,)" = \
	  requirement.analyzed,requirement.analyzed,agent.stopped ]
	[ "$(llm_requests)" -eq 2 ]
}

@test "--max-cost needs a price, and stops before passing it" {
	fake_llm_start --reply "$REPLY"
	run -64 agent-analyze --max-cost 0.01 one.jsonl
	[[ "$output" == *"llm.prices.gpt-test"* ]]
	printf 'llm:\n  prices:\n    gpt-test: 1000,1000\n' > agentkit.yaml
	run -75 --separate-stderr agent-analyze --no-pass --max-cost 0.01 one.jsonl
	[ "$(own | jq -r .type)" = agent.stopped ]
	[ "$(llm_requests)" -eq 0 ]
	run -0 --separate-stderr agent-analyze --no-pass --max-cost 100 one.jsonl
	[ "$(own | jq '.data.llm.cost > 0')" = true ]
}

@test "--cache-only answers from the cache or fails without a request" {
	fake_llm_start --reply "$REPLY"
	run -69 --separate-stderr agent-analyze --no-pass --cache-only one.jsonl
	[ "$(own | jq -r .type)" = agent.failed ]
	[[ "$stderr" == *"--cache-only"* ]]
	[ "$(llm_requests)" -eq 0 ]
	run -0 --separate-stderr agent-analyze one.jsonl
	run -0 --separate-stderr agent-analyze --no-pass --cache-only one.jsonl
	[ "$(own | jq -r .data.engine)" = llm ]
	[ "$(llm_requests)" -eq 1 ]
}

@test "the Anthropic API: messages endpoint, x-api-key, version, schema in the prompt" {
	fake_llm_start --reply "$REPLY" --key "$KEY"
	export AGENTKIT_LLM_API=anthropic AGENTKIT_LLM_MODEL=claude-test
	unset AGENTKIT_LLM_KEY
	ANTHROPIC_API_KEY=$KEY run -0 --separate-stderr agent-analyze --no-pass one.jsonl
	[ "$(own | jq -r .data.engine)" = llm ]
	[ "$(req 1 .path)" = '"/v1/messages"' ]
	[ "$(req 1 '.headers["x-api-key"]')" = "\"$KEY\"" ]
	[ "$(req 1 '.headers["anthropic-version"]')" = '"2023-06-01"' ]
	[ "$(req 1 '.headers.authorization')" = null ]
	[ "$(req 1 '.body.response_format')" = null ]
	[ "$(req 1 '.body.messages | map(.role)')" = '["user"]' ]
	req 1 '.body.system' | grep -q 'matching this JSON Schema'
}

@test "a prompt template of the user's replaces the installed one" {
	fake_llm_start --reply "$REPLY"
	mkdir prompts
	printf '[system]\nBe brief.\n[user]\nTitle: {{title}}\n' > prompts/analyze.md
	AGENTKIT_LLM_PROMPTS=$T/prompts AGENTKIT_LLM_STRUCTURED=prompt run -0 --separate-stderr agent-analyze one.jsonl
	[ "$(req 1 '.body.messages[1].content')" = '"Title: Password reset\n"' ]
	req 1 '.body.messages[0].content' | grep -q '^"Be brief.'
	[ "$(req 1 '.body.response_format')" = null ]
	printf '[system]\nx\n[user]\n{{nope}}\n' > prompts/analyze.md
	AGENTKIT_LLM_PROMPTS=$T/prompts run -65 agent-analyze --no-pass one.jsonl
	[[ "$output" == *"prompt 'analyze' [user]:1: unknown name 'nope'"* ]]
}

@test "agentctl llm log, stats and cache clear" {
	script '{"status":500}'
	fake_llm_start --reply "$REPLY" --script script.jsonl
	run -0 --separate-stderr agent-analyze one.jsonl
	run -0 agentctl llm log
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == *gpt-test*" 500 "* ]]
	[[ "${lines[1]}" == *gpt-test*" 200 "* ]]
	run -0 agentctl llm log --json --reverse --limit 1
	[ "$(own | jq -c '[.status, .request.model, (.response.choices | length)]')" = '[200,"gpt-test",1]' ]
	run -0 agentctl llm stats --json
	[ "$(printf '%s\n' "$output" | head -1 | jq -c '[.model, .requests, .errors]')" = '["gpt-test",2,1]' ]
	[ "$(printf '%s\n' "$output" | tail -1 | jq -r .cache.entries)" = 1 ]
	run -0 --separate-stderr agentctl llm cache clear
	[[ "$stderr" == *"removed 1 cached answer"* ]]
	run -0 --separate-stderr agent-analyze one.jsonl
	[ "$(llm_requests)" -eq 3 ]
	run -64 agentctl llm cache
}

@test "no model, a bad setting: usage errors before any request" {
	fake_llm_start --reply "$REPLY"
	unset AGENTKIT_LLM_MODEL
	run -64 agent-analyze one.jsonl
	[[ "$output" == *"no model"* ]]
	AGENTKIT_LLM_MODEL=m AGENTKIT_LLM_JOBS=0 run -64 agent-analyze one.jsonl
	[[ "$output" == *"llm.jobs"* ]]
	[ "$(llm_requests)" -eq 0 ]
}

@test "an unreachable server: agent.failed with exit 69 after the retries" {
	export AGENTKIT_LLM_URL=http://127.0.0.1:9/v1 AGENTKIT_LLM_RETRIES=1
	run -69 --separate-stderr agent-analyze --no-pass one.jsonl
	[ "$(own | jq -r .type)" = agent.failed ]
	[[ "$stderr" == *"gave up after 2 attempts"* ]]
}
