#!/usr/bin/env bats
# agentctl submit: requirement documents to requirement.submitted events.

bats_require_minimum_version 1.5.0
load helpers/lib

setup() { common_setup; }
teardown() { common_teardown; }

@test "one event per document, with title, text, format and origin" {
	printf '# Login\n\nUsers can log in with email and password.\n' > login.md
	printf 'Export reports\nThe system shall export reports as CSV.\n' > export.txt
	agentctl submit login.md export.txt > out.jsonl
	jq -c '[.type, .subject, .data.title, .data.format, .data.origin]' out.jsonl > got
	h1=$(printf '# Login\n\nUsers can log in with email and password.\n' | sha256sum | cut -c1-4)
	h2=$(printf 'Export reports\nThe system shall export reports as CSV.\n' | sha256sum | cut -c1-4)
	cat > expect <<-END
	["requirement.submitted","login-$h1","Login","markdown","login.md"]
	["requirement.submitted","export-reports-$h2","Export reports","text","export.txt"]
	END
	test_cmp expect got
	# the text goes on whole
	[ "$(jq -r 'select(.data.origin == "login.md") | .data.text' out.jsonl)" = "$(cat login.md)" ]
	agentctl validate --strict < out.jsonl > again
	test_cmp out.jsonl again
}

@test "SOURCE_DATE_EPOCH makes output byte-identical between runs" {
	SOURCE_DATE_EPOCH=1700000000 agentctl submit "$TOP"/examples/requirements/*.md > one
	SOURCE_DATE_EPOCH=1700000000 agentctl submit "$TOP"/examples/requirements/*.md > two
	cmp one two
	[ "$(jq -r .time one | sort -u)" = "2023-11-14T22:13:20.000Z" ]
	# without it, ids differ
	agentctl submit "$TOP"/examples/requirements/*.md > three
	agentctl submit "$TOP"/examples/requirements/*.md > four
	[ "$(jq -r .id three)" != "$(jq -r .id four)" ]
	run agentctl submit --help
	SOURCE_DATE_EPOCH=yesterday run agentctl submit "$TOP"/examples/requirements/task-board.md
	[ "$status" -eq 64 ]
	[ "$output" = "agentctl: SOURCE_DATE_EPOCH 'yesterday' is not a time in seconds" ]
}

@test "ids are UUIDv7 and traceparents W3C" {
	agentctl submit "$TOP"/examples/requirements/*.md > out.jsonl
	jq -r .id out.jsonl | grep -Eqx '[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'
	jq -r .traceparent out.jsonl | grep -Eqx '00-[0-9a-f]{32}-[0-9a-f]{16}-01'
	[ "$(jq -r .id out.jsonl | sort | uniq | wc -l)" -eq "$(ls "$TOP"/examples/requirements/*.md | wc -l)" ]
}

@test "--split gives one event per top-level section" {
	agentctl submit --split "$TOP"/examples/requirements/password-reset.md > out.jsonl
	jq -r '[.data.section, .data.title] | @tsv' out.jsonl > got
	printf '1\tPassword reset\n2\tRequest a reset link\n3\tChoose a new password\n' > expect
	test_cmp expect got
	[ "$(jq -r 'select(.data.section == 2) | .data.text' out.jsonl | head -1)" = "## Request a reset link" ]
}

@test "headings inside code blocks do not split" {
	printf '# A\n\ntext\n\n```\n# not a heading\n```\n\n# B\n\nmore\n' > doc.md
	agentctl submit --split doc.md | jq -r .data.title > got
	printf 'A\nB\n' > expect
	test_cmp expect got
}

@test "stdin, --title and --format" {
	printf 'Users can reset passwords.\n' | agentctl submit --title 'Reset' --format text > out.jsonl
	[ "$(jq -r '[.data.title, .data.format, .data.origin] | join(" ")' out.jsonl)" = "Reset text stdin" ]
	run agentctl submit --format rst x.md
	[ "$status" -eq 64 ]
	[ "${lines[0]}" = "agentctl: --format takes markdown or text" ]
	[ "${lines[1]}" = "Try 'agentctl --help' for more information." ]
}

@test "bad documents are rejected and the good ones still go out" {
	printf '# Good\n\nUsers can log in.\n' > good.md
	printf 'bin\0ary' > binary.md
	printf '\xff\xfe text' > latin.txt
	printf '  \n\n' > empty.md
	run --separate-stderr agentctl submit binary.md good.md latin.txt empty.md missing.md
	[ "$status" -eq 65 ]
	echo "$output" | jq -r '[.type, (.data.reason // .data.title)] | @tsv' > got
	cat > expect <<-'END'
	agent.rejected	'binary.md' is not a text document (NUL byte at byte 4)
	requirement.submitted	Good
	agent.rejected	'latin.txt' is not UTF-8 (invalid byte at byte 1)
	agent.rejected	'empty.md' is empty
	agent.rejected	cannot open 'missing.md': No such file or directory
	END
	test_cmp expect got
	[ "$(echo "$stderr" | wc -l)" -eq 4 ]
}

@test "a document larger than --max-line is refused, not truncated" {
	{ echo '# Big'; head -c 300000 /dev/zero | tr '\0' 'a'; echo; } > big.md
	run --separate-stderr agentctl submit --max-line 64K big.md
	[ "$status" -eq 65 ]
	[ "$(echo "$output" | jq -r .data.reason)" = "'big.md' is too large (limit 65536 bytes)" ]
}

@test "usage errors exit 64 with a hint" {
	run agentctl --bogus
	[ "$status" -eq 64 ]
	[ "$output" = "agentctl: unknown option '--bogus'
Try 'agentctl --help' for more information." ]
	run agentctl frobnicate
	[ "$status" -eq 64 ]
	[ "${lines[0]}" = "agentctl: unknown verb 'frobnicate'" ]
	run agentctl
	[ "$status" -eq 64 ]
	run agentctl submit --max-line
	[ "$status" -eq 64 ]
	[ "${lines[0]}" = "agentctl: option '--max-line' needs an argument" ]
}

@test "--version names the linked libraries" {
	run agentctl --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^agentctl\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[[ "${lines[1]}" == "jansson $(pkg-config --modversion jansson)" ]]
	[[ "${lines[2]}" == "libyaml $(pkg-config --modversion yaml-0.1)" ]]
	[[ "${lines[3]}" == OpenSSL\ * ]]
	run agentctl version
	[ "${lines[0]}" = "$(agentctl --version | head -1)" ]
}
