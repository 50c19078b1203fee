#!/usr/bin/env bats
# agentctl config: layers, origins, secrets, bad configuration; logging.

bats_require_minimum_version 1.5.0
load helpers/lib

setup() { common_setup; }
teardown() { common_teardown; }

@test "defaults, with their origin" {
	agentctl config > got
	cat > expect <<-'END'
	engine               rules                            default (built-in)
	llm.api              auto                             default (built-in)
	llm.cache            on                               default (built-in)
	llm.connect_timeout  10                               default (built-in)
	llm.jobs             4                                default (built-in)
	llm.max_tokens       4096                             default (built-in)
	llm.retries          4                                default (built-in)
	llm.structured       strict                           default (built-in)
	llm.temperature      0                                default (built-in)
	llm.timeout          120                              default (built-in)
	log.format           text                             default (built-in)
	log.level            info                             default (built-in)
	max_line             16M                              default (built-in)
	serve.burst          100                              default (built-in)
	serve.connections    256                              default (built-in)
	serve.ip_burst       40                               default (built-in)
	serve.ip_rate        20                               default (built-in)
	serve.jwt.leeway     30                               default (built-in)
	serve.listen         127.0.0.1:8080                   default (built-in)
	serve.max_body       1M                               default (built-in)
	serve.rate           50                               default (built-in)
	serve.sink           stdout                           default (built-in)
	serve.timeout        10                               default (built-in)
	workspace            ./agentkit-work                  default (built-in)
	END
	test_cmp expect got
}

@test "layers: user < project < --config < environment < flags" {
	mkdir -p xdg/agentkit
	printf 'workspace: user\nengine: llm\nlog:\n  format: json\nmax_line: 1M\n' > xdg/agentkit/config.yaml
	printf 'workspace: project\nlog:\n  level: warn\n' > agentkit.yaml
	printf '# explicit\nworkspace: explicit\nmax_line: 2M\n' > extra.yaml
	AGENTKIT_MAX_LINE=3M agentctl config --json --config extra.yaml --log-level error > got.json
	# the llm engine's and the server's defaults are the subject of the test above
	jq -r 'select(.key | (startswith("llm.") or startswith("serve.")) | not) | [.key, .value, .layer, .origin] | @tsv' \
		got.json > got
	cat > expect <<-END
	engine	llm	user	$T/xdg/agentkit/config.yaml:2
	log.format	json	user	$T/xdg/agentkit/config.yaml:4
	log.level	error	flag	--log-level
	max_line	3M	env	AGENTKIT_MAX_LINE
	workspace	explicit	file	extra.yaml:2
	END
	test_cmp expect got
}

@test "secrets are never shown" {
	printf 'llm:\n  key: sk-very-secret\n' > agentkit.yaml
	AGENTKIT_LLM_URL=http://127.0.0.1:1/v1 agentctl config > got
	! grep -q sk-very-secret got
	grep -q '^llm.key              (set) ' got
	grep -q '^llm.url              http://127.0.0.1:1/v1 ' got
}

@test "bad YAML names the file and line and exits 65" {
	printf 'workspace: a\nlog: [unclosed\n' > agentkit.yaml
	run agentctl config
	[ "$status" -eq 65 ]
	[[ "$output" == "agentctl: ./agentkit.yaml:"[0-9]*": "* ]]
	rm agentkit.yaml
	run agentctl config --config /nonexistent.yaml
	[ "$status" -eq 74 ]
	[[ "$output" == *"'/nonexistent.yaml'"* ]]
}

@test "unknown keys are kept and named in a warning" {
	printf 'workspace: w\nfuture:\n  thing: 1\n' > agentkit.yaml
	run --separate-stderr agentctl config
	[ "$status" -eq 0 ]
	[ "$stderr" = "agentctl: warning: unknown configuration keys: future.thing" ]
	[[ "$output" == *"future.thing         1 "* ]]
}

@test "bad values of common options are usage errors" {
	run agentctl validate --log-level loud < /dev/null
	[ "$status" -eq 64 ]
	[ "$output" = "agentctl: unknown log level 'loud' (use error, warn, info or debug)" ]
	run agentctl validate --engine magic < /dev/null
	[ "$status" -eq 64 ]
	[ "$output" = "agentctl: unknown engine 'magic' (use rules or llm)" ]
}

@test "--log-format json writes one JSON object per message on stderr" {
	echo 'nope' > in.jsonl
	run --separate-stderr agentctl validate --log-format json < in.jsonl
	[ "$status" -eq 65 ]
	[ "$(echo "$stderr" | jq -r '[.level, .prog, .msg] | @tsv')" = "$(printf 'warn\tagentctl\tstdin:1: rejected: not valid JSON: invalid literal at byte 1')" ]
	echo "$stderr" | jq -e '.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z$")'
	run --separate-stderr agentctl validate --log-level error < in.jsonl
	[ -z "$stderr" ]
}
