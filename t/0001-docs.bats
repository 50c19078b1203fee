#!/usr/bin/env bats
# Documentation: the committed completions and man pages are generated from
# their sources, the man page and --help agree on every option, and every
# example in the man pages runs as it says.

bats_require_minimum_version 1.5.0
load helpers/lib

# Work in a directory that looks like the tree's top (its folders linked)
# so the tests and the examples they run write nothing into the tree.
setup() {
	common_setup
	unset AGENTKIT_KAFKA_BROKERS AGENTKIT_KAFKA_TOPIC_PREFIX
	mkdir top
	for d in "$TOP"/*; do
		ln -s "$d" "top/${d##*/}"
	done
	cd top
}

teardown() {
	common_teardown
}

# The options of one block of a --help text ("Options" or "Common options"),
# spelled as the man page spells them: "*-h*, *--help*", "*--max-line* _SIZE_".
# An option's argument is the one word in capitals after it; the help text
# follows after two spaces, or after one when the option and its argument
# fill the column ("--topics NAME[:PARTS],... mock: topics to create").
help_block() {
	awk -v block="$1" '
		index($0, block) == 1 && /:$/ { on = 1; next }
		on && !/^ / { on = 0 }
		on && /^ +-/ {
			line = $0
			sub(/^ +/, "", line)
			out = ""
			if (line ~ /^-[A-Za-z0-9], /) {
				out = "*" substr(line, 1, 2) "*, "
				line = substr(line, 5)
			}
			if (!match(line, /^--[A-Za-z0-9][A-Za-z0-9-]*/)) {
				print "unparsed: " $0
				next
			}
			out = out "*" substr(line, 1, RLENGTH) "*"
			rest = substr(line, RLENGTH + 1)
			if (match(rest, /^ [A-Z][^ ]*/))
				out = out " _" substr(rest, 2, RLENGTH - 1) "_"
			print out
		}'
}

# The verbs listed by agentctl --help.
help_verbs() {
	agentctl --help | awk '/^Verbs:/ { on = 1; next } on && !/^ / { on = 0 } on { print $1 }'
}

# The lines of section "# NAME" (level 1) or subsection "## NAME" of a
# scdoc file, up to the next heading of the same or a higher level.
scd_section() {
	awk -v head="$2" '
		$0 == head { on = 1; next }
		on && /^# / { exit }
		on && head ~ /^## / && /^## / { exit }
		on' "$1"
}

# The option terms of a block of scdoc text: lines starting with "*-".
scd_terms() {
	grep '^\*-' || true
}

@test "--help lists verbs and options to check (the checks below cannot pass empty)" {
	help_verbs > verbs.out
	printf '%s\n' submit validate config version record log status show replay dlq store \
		publish consume worker kafka llm tf rollout approve serve keys doctor run report help > verbs.expect
	test_cmp verbs.expect verbs.out
	agentctl --help | help_block "Common options" > common.out
	grep -qxF '*--max-line* _SIZE_' common.out
	grep -qxF '*-h*, *--help*' common.out
	# an argument is found after one space too, where the option fills its column
	agentctl kafka --help | help_block "Options" > kafka.out
	grep -qxF '*--topics* _NAME[:PARTS],..._' kafka.out
	grep -qxF '*-X*, *--property* _NAME=VALUE_' kafka.out
	grep -qxF '*--create* _TOPIC_' kafka.out
}

@test "completions are generated from the current option tables" {
	out="$T/completions"
	mkdir -p "$out"
	for prog in bin/*; do
		[ -x "$prog" ] || continue
		scripts/gen-completions "$prog" "$out"
	done
	[ -s "$out/agentctl.bash" ] && [ -s "$out/_agentctl" ] && [ -s "$out/agentctl.fish" ]
	diff -ru completions "$out"
}

@test "completions are deterministic" {
	mkdir -p "$T/a" "$T/b"
	scripts/gen-completions bin/agentctl "$T/a"
	scripts/gen-completions "$PWD/bin/agentctl" "$T/b"
	diff -ru "$T/a" "$T/b"
}

# complete_bash WORD...: what the bash completion offers for the command
# line WORD... (the last word is the one being completed), one per line.
complete_bash() {
	bash -c 'source completions/agentctl.bash
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_agentctl
		for w in "${COMPREPLY[@]}"; do printf "%s\n" "$w"; done | sort' _ "$@"
}

@test "bash completes verbs, options per verb, and files and directories" {
	[ "$(complete_bash agentctl sub)" = submit ]
	[ "$(complete_bash agentctl v | tr '\n' ' ')" = "validate version " ]
	# before a verb: common options only
	complete_bash agentctl --s > got
	: > expect
	test_cmp expect got
	[ "$(complete_bash agentctl --no- | tr '\n' ' ')" = "--no-pass " ]
	# after a verb: its own options and the common ones
	[ "$(complete_bash agentctl submit --s)" = --split ]
	[ "$(complete_bash agentctl validate --s)" = --strict ]
	[ "$(complete_bash agentctl config --j)" = --json ]
	[ -z "$(complete_bash agentctl config --s)" ]
	[ "$(complete_bash agentctl --log-level debug submit --no)" = --no-pass ]
	# the verb is found past common options and their arguments
	[ "$(complete_bash agentctl --workspace examples sub)" = submit ]
	[ "$(complete_bash agentctl --workspace=examples sub)" = submit ]
	[ "$(complete_bash agentctl --workspace = examples sub)" = submit ]
	# operands: files for submit and validate, nothing for config
	[ "$(complete_bash agentctl submit examples/requirements/pass)" = \
		examples/requirements/password-reset.md ]
	[ "$(complete_bash agentctl validate -- Makef)" = Makefile ]
	[ -z "$(complete_bash agentctl config Makef)" ]
	# DIR arguments complete directories only, FILE arguments files
	[ "$(complete_bash agentctl --workspace examples/)" = \
		"$(printf '%s\n' examples/*/ | sed 's,/$,,' | sort)" ]
	[ -z "$(complete_bash agentctl --workspace Makef)" ]
	[ "$(complete_bash agentctl --config Makef)" = Makefile ]
	[ "$(complete_bash agentctl --workspace=examp)" = --workspace=examples ]
	[ "$(complete_bash agentctl --workspace = examp)" = examples ]
	# other arguments complete nothing
	[ -z "$(complete_bash agentctl submit --title Makef)" ]
	# the Kafka verbs: their own options, FILE arguments, operands
	[ "$(complete_bash agentctl pub)" = publish ]
	[ "$(complete_bash agentctl consume --gr)" = --group ]
	[ "$(complete_bash agentctl consume -e --ty)" = --type ]
	[ "$(complete_bash agentctl worker --ba)" = --batch ]
	[ "$(complete_bash agentctl kafka --mock)" = --mock-brokers ]
	[ -z "$(complete_bash agentctl publish --gr)" ]
	[ "$(complete_bash agentctl publish -F Makef)" = Makefile ]
	[ "$(complete_bash agentctl worker --kafka-config Makef)" = Makefile ]
	[ -z "$(complete_bash agentctl consume -G Makef)" ]
	[ -z "$(complete_bash agentctl consume Makef)" ]
	[ "$(complete_bash agentctl publish examples/requirements/pass)" = \
		examples/requirements/password-reset.md ]
}

@test "zsh and fish completions parse and complete" {
	if command -v zsh > /dev/null; then
		zsh -n completions/_agentctl
	fi
	if ! command -v fish > /dev/null; then
		command -v zsh > /dev/null || skip "neither zsh nor fish is installed"
		return 0
	fi
	fish -n completions/agentctl.fish
	fish_complete() {
		HOME="$T/home" XDG_CONFIG_HOME="$T/xdg" fish --no-config -c \
			"source completions/agentctl.fish; complete -C '$1'" | cut -f1 | sort
	}
	[ "$(fish_complete 'agentctl sub')" = submit ]
	[ "$(fish_complete 'agentctl submit --sp')" = --split ]
	[ -z "$(fish_complete 'agentctl --sp')" ]
	[ "$(fish_complete 'agentctl --workspace examples val')" = validate ]
	[ "$(fish_complete 'agentctl submit examples/requirements/pass')" = \
		examples/requirements/password-reset.md ]
	[ -z "$(fish_complete 'agentctl config Makef')" ]
}

@test "the options of agentctl(1) are those of --help, section by section" {
	man=man/agentctl.1.scd
	scd_section "$man" "# OPTIONS" > options.scd
	[ -s options.scd ]

	agentctl --help | help_block "Common options" > expect
	scd_section options.scd "## Common options" | scd_terms > got
	test_cmp expect got

	# help takes no options (so it has no --help of its own)
	agentctl --list-options | awk -F '\t' '$1 == "help" && $2 != ""' > got
	: > expect
	test_cmp expect got

	# a subsection per verb with options, and no other
	echo "## Common options" > expect.heads
	for verb in $(help_verbs); do
		[ "$verb" != help ] || continue
		agentctl "$verb" --help | help_block "Options" > expect
		[ -s expect ] && echo "## Options of $verb" >> expect.heads
		scd_section options.scd "## Options of $verb" | scd_terms > got
		test_cmp expect got
		# every verb accepts the same common options
		agentctl --help | help_block "Common options" > expect
		agentctl "$verb" --help | help_block "Common options" > got
		test_cmp expect got
	done
	grep '^## ' options.scd > got.heads
	test_cmp expect.heads got.heads
}

@test "every --option the OPTIONS section of agentctl(1) mentions exists" {
	{
		agentctl --help | help_block "Common options"
		for verb in $(help_verbs); do
			[ "$verb" = help ] || agentctl "$verb" --help | help_block "Options"
		done
	} | grep -o -- '--[a-z0-9-]*' | sort -u > known
	[ -s known ]
	scd_section man/agentctl.1.scd "# OPTIONS" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u > mentioned
	[ -s mentioned ]
	comm -13 known mentioned > unknown
	: > expect
	test_cmp expect unknown
}

@test "agentctl(1) describes every verb" {
	scd_section man/agentctl.1.scd "# VERBS" | grep '^\*[a-z]' | sed 's/^\*\([a-z-]*\)\*.*/\1/' > got
	help_verbs > expect
	test_cmp expect got
}

@test "the man pages have the sections every page has" {
	for scd in man/*.scd; do
		grep '^# ' "$scd" > heads
		for s in NAME DESCRIPTION "EXIT STATUS" EXAMPLES "SEE ALSO"; do
			grep -qxF "# $s" heads || { echo "$scd: no $s section"; false; }
		done
	done
	for s in SYNOPSIS OPTIONS ENVIRONMENT FILES; do
		grep -qxF "# $s" man/agentctl.1.scd || { echo "agentctl.1: no $s"; false; }
	done
	# the exit statuses of the contract, each documented
	for st in 0 1 64 65 69 70 74 75; do
		scd_section man/agentctl.1.scd "# EXIT STATUS" | grep -qxF "*$st*"
		scd_section man/agentkit.7.scd "# EXIT STATUS" | grep -qxF "*$st*"
	done
}

@test "agentctl(1) documents every environment variable agentctl reads" {
	scd_section man/agentctl.1.scd "# ENVIRONMENT" > env.scd
	for v in AGENTKIT_WORKSPACE AGENTKIT_STORE AGENTKIT_ENGINE AGENTKIT_LOG_LEVEL \
		AGENTKIT_LOG_FORMAT AGENTKIT_MAX_LINE AGENTKIT_SOURCE AGENTKIT_LLM_URL \
		AGENTKIT_LLM_MODEL AGENTKIT_LLM_KEY AGENTKIT_KAFKA_BROKERS AGENTKIT_KAFKA_TOPIC_PREFIX \
		SOURCE_DATE_EPOCH XDG_CONFIG_HOME NO_COLOR; do
		grep '^\*' env.scd | grep -qE "(^|, )\*$v\*" || { echo "no entry for $v"; false; }
	done
	# and each AGENTKIT_ variable really is read: agentctl config names it
	for v in $(grep -o 'AGENTKIT_[A-Z_]*[A-Z]' env.scd | sort -u); do
		case $v in
		AGENTKIT_ENGINE) val=llm ;;
		AGENTKIT_LOG_LEVEL) val=debug ;;
		AGENTKIT_LOG_FORMAT) val=json ;;
		AGENTKIT_MAX_LINE) val=1M ;;
		*) val=x ;;
		esac
		env "$v=$val" agentctl config --json 2> /dev/null | grep -qF "\"origin\":\"$v\"" ||
			{ echo "agentctl config does not read $v"; false; }
	done
}

# Print each page with the date of its .TH line (the day it was generated)
# replaced, so a page made on another day still compares equal.
undate() {
	sed 's/^\(\.TH "[^"]*" "[^"]*"\) "[^"]*"/\1 "DATE"/'
}

@test "the generated man pages are up to date with their scdoc sources" {
	command -v scdoc > /dev/null || skip "scdoc is not installed"
	n=0
	for scd in man/*.scd; do
		page=${scd%.scd}
		[ -f "$page" ] || { echo "$page is missing: run make man"; false; }
		scdoc < "$scd" | undate > "$T/new"
		undate < "$page" > "$T/old"
		diff -u "$T/old" "$T/new"
		n=$((n + 1))
	done
	[ "$n" -ge 2 ]
}

@test "the man pages render without warnings" {
	command -v man > /dev/null || skip "man is not installed"
	for page in man/*.[1-9]; do
		warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 > /dev/null)
		[ -z "$warnings" ] || { echo "$page: $warnings"; false; }
		# and say something
		[ "$(MANWIDTH=80 man -l "$page" 2> /dev/null | wc -l)" -gt 50 ]
	done
}

# Split the EXAMPLES section of a scdoc page into $2/N.sh (the command,
# with scdoc's backslash escapes undone) and $2/N.desc (the paragraph
# before it). Prints the number of examples.
extract_examples() {
	scd_section "$1" "# EXAMPLES" | awk -v dir="$2" '
		/^```/ {
			if (!inblock) {
				n++
				inblock = 1
				print (para != "" ? para : last) > (dir "/" n ".desc")
				close(dir "/" n ".desc")
				printf "" > (dir "/" n ".sh")
			} else {
				inblock = 0
				close(dir "/" n ".sh")
				para = last = ""
			}
			next
		}
		inblock {
			line = $0
			sub(/^\t/, "", line)
			out = ""
			while ((i = index(line, "\\")) > 0) {
				out = out substr(line, 1, i - 1) substr(line, i + 1, 1)
				line = substr(line, i + 2)
			}
			print out line > (dir "/" n ".sh")
			next
		}
		/^$/ { if (para != "") last = para; para = ""; next }
		{ para = para (para == "" ? "" : " ") $0 }
		END { print n + 0 }'
}

# Run every example of one page from the top of the tree and check its exit
# status (0 unless its description says "status N") and that it printed.
run_examples() {
	local scd=$1 min=$2 dir="$T/examples/${1##*/}" n i want status
	mkdir -p "$dir" "$T/work"
	n=$(extract_examples "$scd" "$dir")
	[ "$n" -ge "$min" ] || { echo "$scd: $n examples, expected at least $min"; false; }
	ls -A > "$T/top.before"
	for ((i = 1; i <= n; i++)); do
		want=$(sed -n 's/.*status \([0-9][0-9]*\).*/\1/p' "$dir/$i.desc")
		# the examples of the event store share one store, kept out of the tree
		status=$(SOURCE_DATE_EPOCH=1700000000 AGENTKIT_WORKSPACE="$T/work" \
			AGENTKIT_STORE="$T/work/agentkit.db" \
			run_session 180 "$(cat "$dir/$i.sh")" "$dir/$i.out" "$dir/$i.err")
		if [ "$status" -ne "${want:-0}" ] || [ ! -s "$dir/$i.out" ]; then
			echo "$scd: example $i: $(cat "$dir/$i.desc")"
			cat "$dir/$i.sh"
			echo "exit status $status, expected ${want:-0}; stdout: $(wc -c < "$dir/$i.out") bytes"
			cat "$dir/$i.err"
			false
		fi
	done
	# examples leave nothing behind in the tree, nor in the temporary directory
	ls -A > "$T/top.after"
	test_cmp "$T/top.before" "$T/top.after"
	ls -A "$T/tmp" > "$T/tmp.after"
	test_cmp /dev/null "$T/tmp.after"
}

@test "every example in agentctl(1) runs as documented" {
	run_examples man/agentctl.1.scd 10
}

@test "every example in agentkit(7) runs as documented" {
	run_examples man/agentkit.7.scd 3
}

@test "the example runner fails an example that leaves a process running" {
	status=$(run_session 180 'sleep 300 & echo started' "$T/out" "$T/err")
	[ "$status" -eq 125 ]
	[ "$(cat "$T/out")" = started ]
	grep -q 'left processes running' "$T/err"
	grep -q 'sleep 300' "$T/err"
	# and one that stops what it started passes, with its own status
	status=$(run_session 180 'sleep 300 & pid=$!; echo started; kill $pid; exit 3' "$T/out" "$T/err")
	[ "$status" -eq 3 ]
	[ ! -s "$T/err" ]
}

@test "examples with SOURCE_DATE_EPOCH print the same bytes twice" {
	local dir="$T/ex" n i runs=0 status
	mkdir -p "$dir" "$T/work"
	export AGENTKIT_WORKSPACE="$T/work" AGENTKIT_STORE="$T/work/agentkit.db"
	n=$(extract_examples man/agentctl.1.scd "$dir")
	ls -A > "$T/top.before"
	for ((i = 1; i <= n; i++)); do
		grep -q 'agentctl submit' "$dir/$i.sh" || continue
		for run in a b; do
			status=$(SOURCE_DATE_EPOCH=1700000000 \
				run_session 180 "$(cat "$dir/$i.sh")" "$dir/$run" "$dir/$run.err")
			[ "$status" -ne 125 ] || { cat "$dir/$i.sh" "$dir/$run.err"; false; }
		done
		[ -s "$dir/a" ]
		cmp "$dir/a" "$dir/b" || { cat "$dir/$i.sh"; diff "$dir/a" "$dir/b"; false; }
		runs=$((runs + 1))
	done
	[ "$runs" -ge 3 ]
	ls -A > "$T/top.after"
	test_cmp "$T/top.before" "$T/top.after"
}

@test "the options of agent-analyze(1) are those of --help" {
	man=man/agent-analyze.1.scd
	scd_section "$man" "# OPTIONS" > options.scd
	agent-analyze --help | help_block "Options" > expect
	[ -s expect ]
	scd_section options.scd "## Options" | scd_terms > got
	test_cmp expect got
	agent-analyze --help | help_block "Common options" > expect
	scd_section options.scd "## Common options" | scd_terms > got
	test_cmp expect got
	# and the common options are agentctl's
	agentctl --help | help_block "Common options" > agentctl.common
	test_cmp agentctl.common got
}

@test "every example in agent-analyze(1) runs as documented" {
	run_examples man/agent-analyze.1.scd 5
}

# The options of a generator's page against its --help, as for agent-analyze.
check_generator_options() {
	local prog=$1 man=man/$1.1.scd
	scd_section "$man" "# OPTIONS" > options.scd
	"$prog" --help | help_block "Options" > expect
	[ -s expect ]
	scd_section options.scd "## Options" | scd_terms > got
	test_cmp expect got
	"$prog" --help | help_block "Common options" > expect
	scd_section options.scd "## Common options" | scd_terms > got
	test_cmp expect got
	agentctl --help | help_block "Common options" > agentctl.common
	test_cmp agentctl.common got
}

@test "the options of agent-backend(1) are those of --help" {
	check_generator_options agent-backend
}

@test "every example in agent-backend(1) runs as documented" {
	run_examples man/agent-backend.1.scd 4
}

@test "the options of agent-frontend(1) are those of --help" {
	check_generator_options agent-frontend
}

@test "every example in agent-frontend(1) runs as documented" {
	run_examples man/agent-frontend.1.scd 3
}

@test "the options of agent-app(1) are those of --help" {
	check_generator_options agent-app
}

@test "every example in agent-app(1) runs as documented" {
	run_examples man/agent-app.1.scd 4
}

@test "every example in agentkit-templates(5) runs as documented" {
	run_examples man/agentkit-templates.5.scd 2
}

@test "the options of agent-secscan(1) are those of --help" {
	check_generator_options agent-secscan
}

@test "every example in agent-secscan(1) runs as documented" {
	run_examples man/agent-secscan.1.scd 5
}

@test "every example in agentkit-rules(5) runs as documented" {
	run_examples man/agentkit-rules.5.scd 2
}

@test "the options of agent-deploy(1) are those of --help" {
	check_generator_options agent-deploy
}

@test "every example in agent-deploy(1) runs as documented" {
	run_examples man/agent-deploy.1.scd 4
}

@test "the options of agent-monitor(1) are those of --help" {
	check_generator_options agent-monitor
}

@test "every example in agent-monitor(1) runs as documented" {
	run_examples man/agent-monitor.1.scd 5
}
