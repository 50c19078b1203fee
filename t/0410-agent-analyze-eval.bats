#!/usr/bin/env bats
# The requirement classifier against the labelled sets in t/data, as
# `make eval` runs it, and the scorer itself.

bats_require_minimum_version 1.5.0
load helpers/lib

setup() { common_setup; }
teardown() { common_teardown; }

# score SET: the scorer's report for agent-analyze --classify on SET
score() {
	grep -v '^#' "$1" | grep . | cut -f2- | agent-analyze --classify |
		classify-score "$1"
}

# f1 REPORT CLASS: the F1 of CLASS in the functional vs non-functional block
f1() {
	awk -v c="$2" '/^functional vs non-functional/ { on = 1 } on && index($0, c " ") == 1 { print $(NF - 1) }' "$1"
}

@test "functional vs non-functional F1 stays above 0.9 on both labelled sets" {
	for set in requirements requirements-holdout; do
		score "$TOP/t/data/$set.tsv" > report
		for class in non-functional functional; do
			v=$(f1 report "$class")
			[ -n "$v" ]
			awk -v v="$v" 'BEGIN { exit !(v >= 0.9) }' ||
				{ echo "$set: $class F1 $v"; cat report; false; }
		done
	done
}

@test "every category is predicted and scored" {
	score "$TOP/t/data/requirements.tsv" > report
	for class in functional availability "fault tolerance" legal "look and feel" \
		maintainability operational performance portability scalability security usability; do
		grep -q "^$class  " report || { echo "no row for $class"; false; }
	done
	grep -q '^accuracy' report
}

@test "the scorer counts exactly, and refuses inputs that do not line up" {
	printf '# a set\nperformance\tA is fast.\nfunctional\tB exports.\nsecurity\tC logs in.\n' > set.tsv
	printf '%s\n' '{"text":"A is fast.","class":"performance","cue":"x"}' \
		'{"text":"B exports.","class":"performance","cue":"x"}' \
		'{"text":"C logs in.","class":"security","cue":"x"}' > pred.jsonl
	classify-score set.tsv < pred.jsonl > report
	# performance: 1 right of 2 predicted, 1 of 1 relevant
	grep -Eq '^performance +0\.500 +1\.000 +0\.667 +1$' report
	grep -Eq '^functional +0\.000 +0\.000 +0\.000 +1$' report
	[ "$(f1 report non-functional)" = 0.800 ]
	head -2 pred.jsonl > short.jsonl
	run classify-score set.tsv < short.jsonl
	[ "$status" -eq 1 ]
}
