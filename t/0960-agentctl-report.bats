#!/usr/bin/env bats
# agentctl report: the HTML page of a run, made from the events of a real
# pipeline and a real canary rollout, rendered in headless Chromium and
# checked by the text it shows (pdftotext of the printed page).

bats_require_minimum_version 1.5.0
load helpers/lib
load helpers/rollout-env

# One run for the whole file: password-reset through analysis, the
# generated service, its contract and its tests, a scan that finds the
# secret planted in it, and a canary rollout of 10, 50, 100 percent in
# front of a real service; then the page of that store, printed once.
setup_file() {
	R=$BATS_FILE_TMPDIR
	export R
	cd "$R"
	# the generated service runs on Debian's python3 and its packages
	PATH="$TOP/bin:$TOP/t/helpers:/usr/bin:$PATH"
	svc_start green --delay-ms 20
	cat > rollout.yaml <<-EOF
		steps: [10, 50, 100]
		window: 2s
		interval: 1s
		router:
		  type: cmd
		  command: "true {weight} {stable_weight}"
		metrics:
		  health: http://127.0.0.1:$GREEN_PORT/health
		  probe:
		    url: http://127.0.0.1:$GREEN_PORT/
		    requests: 5
	EOF
	agentctl submit "$TOP/examples/requirements/password-reset.md" |
		agent-analyze --workspace ws | agent-backend --workspace ws |
		agent-frontend --workspace ws | agent-integrate --workspace ws > integrated.jsonl
	# agent-test runs the service's tests only (the front end's would need
	# npm for another half minute); feature.integrated goes on beside it
	{
		jq -c 'select(.type != "feature.integrated")' integrated.jsonl |
			agent-test --workspace ws --quiet
		jq -c 'select(.type == "feature.integrated")' integrated.jsonl
	} > tested.jsonl
	F=$(jq -r 'select(.type == "requirement.submitted") | .subject' tested.jsonl)
	export F
	printf 'SMTP_PASSWORD = "hunter2hunter2"\n' > "ws/$F/agent-backend/settings_local.py"
	agent-secscan --workspace ws --no-progress --fail-on critical tested.jsonl |
		agent-deploy --workspace ws --store deploy.db --auto-approve --rollout rollout.yaml |
		agentctl validate --strict | agentctl record --store run.db > run.jsonl
	# a line no agent could read: an agent.rejected event of no feature
	printf '{not json\n' | agent-analyze --workspace ws | agentctl record --store run.db --quiet || true
	renv_stop
	agentctl report --store run.db -o page.html
	render-page "$R/page.html" "$R/page.txt" "$R/page.png"
	# the text as one line of words, for texts that wrap
	tr -s ' \n' '  ' < page.txt > words.txt
}

teardown_file() {
	renv_stop
}

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# of_type TYPE: the data of the run's (last) event of TYPE
of_type() {
	jq -c --arg t "$1" 'select(.type == $t) | .data' "$R/run.jsonl" | tail -1
}

# shows TEXT: the printed page shows TEXT (spaces and line breaks aside)
shows() {
	local want
	want=$(printf '%s' "$1" | tr -s ' \n' '  ')
	grep -qF -- "$want" "$R/words.txt" || { echo "the page does not show: $1"; false; }
}

@test "the run went through every stage (the checks below cannot pass empty)" {
	jq -r .type "$R/run.jsonl" | sort -u > got
	for t in requirement.analyzed feature.tested feature.security_checked security.finding \
		feature.staging_deployed feature.ready_for_production rollout.step rollout.promoted \
		feature.production_deployed; do
		grep -qxF "$t" got || { echo "no $t in the run"; false; }
	done
	[ "$(of_type feature.security_checked | jq .counts.high)" -ge 1 ]
	[ -s "$R/page.txt" ]
}

@test "the page shows every story's goal and the acceptance criteria" {
	n=0
	while IFS= read -r goal; do
		shows "I want $goal"
		n=$((n + 1))
	done < <(of_type requirement.analyzed | jq -r '.stories[].goal')
	[ "$n" -ge 3 ]
	# the criteria short enough not to wrap in their column
	n=0
	while IFS= read -r line; do
		shows "$line"
		n=$((n + 1))
	done < <(of_type requirement.analyzed | jq -r '.stories[].acceptance[] | .then | select(length < 40)')
	[ "$n" -ge 2 ]
	shows "Stories and acceptance criteria"
	for id in $(of_type requirement.analyzed | jq -r '.nfrs[].id'); do
		grep -qE "(^| )$id " "$R/page.txt"
	done
}

@test "the page shows the test counts and the coverage" {
	of_type feature.tested | jq -r '"\(.tests.passed) \(.tests.failed) \(.tests.skipped) \(.tests.errors) \(.tests.duration_ms) ms \(.coverage.lines_pct)% \(.coverage.branches_pct)%"' > want
	grep -A1 -E '^ *Passed +Failed +Skipped +Errors +Duration' "$R/page.txt" | tail -1 |
		tr -s ' ' | sed 's/^ //; s/ $//' > got
	test_cmp want got
	e2e=$(of_type feature.integrated | jq -r '"\(.contract.mismatches | length) \(.e2e.passed) \(.e2e.failed)"')
	grep -A1 -E '^ *Contract mismatches +E2E passed +E2E failed' "$R/page.txt" | tail -1 |
		tr -s ' ' | sed 's/^ //; s/ $//' > got
	echo "$e2e" > want
	test_cmp want got
}

@test "the page shows the findings by severity, and each finding" {
	of_type feature.security_checked | jq -r '.counts | "\(.critical) \(.high) \(.medium) \(.low)"' > want
	grep -A1 -E '^ *Critical +High +Medium +Low *$' "$R/page.txt" | tail -1 |
		tr -s ' ' | sed 's/^ //; s/ $//' > got
	test_cmp want got
	rule=$(of_type security.finding | jq -r .rule)
	path=$(of_type security.finding | jq -r '.locations[0].path | split("/") | last')
	grep -qE "^ *high +${rule:0:12}" "$R/page.txt"
	shows "$path:$(of_type security.finding | jq -r '.locations[0].line')"
}

@test "the page shows the rollout steps and the chart's axes, legend and bands" {
	shows "Rollout"
	grep -qE ': ✓? ?promoted' "$R/page.txt" || shows "promoted"
	# the table: one row per rollout event, in order
	jq -r 'select(.type | startswith("rollout.")) | "\(.type) \(.data.step) \(.data.weight)% \(.data.phase // "")"' \
		"$R/run.jsonl" | sed 's/ $//' > want
	[ "$(wc -l < want)" -eq 7 ]
	awk '/^ *Time +Event +Step +Weight/ { on = 1; next } on && /Deploys/ { exit } on' "$R/page.txt" |
		grep -oE 'rollout\.[a-z_]+ +[0-9]+ +[0-9]+% +(set|passed)?' | tr -s ' ' | sed 's/ $//' > got
	test_cmp want got
	# the chart: axis titles, time labels, legend, weight bands
	for s in "error rate (%)" "p95 (ms)" "time (UTC)" "canary weight (%)"; do
		shows "$s"
	done
	grep -qE '[0-9][0-9]:[0-9][0-9]:[0-9][0-9]' "$R/page.txt"
	grep -qE '(^| )10% ' "$R/page.txt"
	grep -qE '(^| )50% ' "$R/page.txt"
	# a point, with its tooltip, for every measurement
	n=$(jq -s '[.[] | select(.type | startswith("rollout.")) | .data.measurements.p95_ms // empty] | length' \
		"$R/run.jsonl")
	[ "$n" -ge 3 ]
	[ "$(grep -c '<rect class="point"' "$R/page.html")" -eq "$n" ]
	[ "$(grep -c '<title>step [0-9]* ([0-9]*%) at .*: p95 [0-9]* ms</title>' "$R/page.html")" -eq "$n" ]
}

@test "the page shows the deploys and the summary of the run" {
	v=$(of_type feature.production_deployed | jq -r .version)
	sha=$(of_type feature.staging_deployed | jq -r .artifact.sha256)
	shows "$v"
	grep -qF "${sha:0:40}" "$R/page.txt" || grep -qF "$sha" "$R/page.html"
	shows "approved by --auto-approve" || shows "--auto-approve"
	# the summary: one row of the feature, its production version at the end
	grep -E "^ *$F +feature\.production_deployed +✓ pass " "$R/page.txt" | grep -qF " $v"
	shows "1 feature; as of"
	# the line no agent read is not hidden
	shows "1 event name no feature (1 agent.rejected, 0 agent.failed)"
}

@test "the screenshot is a page of the expected width" {
	[ "$(head -c 8 "$R/page.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ]
	w=$(od -An -tu1 -j16 -N4 "$R/page.png" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	h=$(od -An -tu1 -j20 -N4 "$R/page.png" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	[ "$w" -eq 1280 ]
	[ "$h" -ge 1000 ]
}

@test "texts from events are shown as text, never as markup" {
	export AGENTKIT_STORE="$T/x.db"
	jq -cn '{specversion: "1.0", id: "h1", source: "t/<b>bats</b>", type: "requirement.analyzed",
		subject: "hostile-1", time: "2026-11-26T12:00:00.000Z",
		data: {title: "</title><script>alert(2)</script>",
		       stories: [{id: "US-1", role: "tester", goal: "<script>alert(1)</script>",
				  acceptance: [{given: "<img src=x onerror=alert(3)>", when: "&amp;", then: "\"><iframe>"}]}],
		       nfrs: [], questions: ["<style>body{display:none}</style>"]}}' | agentctl record --quiet
	agentctl report -o page.html hostile-1
	run ! grep -iE '<(script|img|iframe|b>|/?title>.*<script)' page.html
	grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' page.html
	[ "$(grep -ciE '<style' page.html)" -eq 1 ]
	render-page "$T/page.html" "$T/page.txt"
	grep -qF 'I want <script>alert(1)</script>' page.txt
	grep -qF '<img src=x onerror=alert(3)>' page.txt
	grep -qF '"><iframe>' page.txt
	grep -qF '<style>body{display:none}</style>' page.txt
	grep -qF 'agentkit report: hostile-1' page.txt
}

@test "the page is valid HTML5, loads nothing and runs nothing" {
	/usr/bin/python3 - "$R/page.html" <<-'PY'
		import sys
		from html.parser import HTMLParser
		VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "embed",
		        "source", "track", "wbr"}
		class Check(HTMLParser):
		    def __init__(self):
		        super().__init__(convert_charrefs=True)
		        self.stack, self.errors, self.tags = [], [], set()
		    def handle_starttag(self, tag, attrs):
		        self.tags.add(tag)
		        if tag not in VOID:
		            self.stack.append(tag)
		    def handle_startendtag(self, tag, attrs):
		        self.tags.add(tag)
		    def handle_endtag(self, tag):
		        if not self.stack or self.stack[-1] != tag:
		            self.errors.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else ""))
		        else:
		            self.stack.pop()
		text = open(sys.argv[1], encoding="utf-8").read()
		assert text.startswith("<!DOCTYPE html>\n"), "no doctype"
		c = Check()
		c.feed(text)
		c.close()
		assert not c.errors, c.errors[:5]
		assert not c.stack, c.stack
		assert "script" not in c.tags and "link" not in c.tags and "img" not in c.tags, c.tags
		assert "svg" in c.tags and "table" in c.tags
		print("ok")
	PY
	grep -qF '<meta http-equiv="Content-Security-Policy" content="default-src '"'none'"'; style-src '"'unsafe-inline'"'; img-src data:">' "$R/page.html"
	run ! grep -qE '(src|href)="(https?:|//)' "$R/page.html"
	run ! grep -qF 'url(' "$R/page.html"
}

@test "the same store gives the same bytes, to a file or to stdout" {
	agentctl report --store "$R/run.db" > a.html
	agentctl report --store "$R/run.db" -o b.html
	cmp a.html b.html
	cmp a.html "$R/page.html"
	# the time shown is the newest event's, not the clock's
	newest=$(agentctl log --store "$R/run.db" --json | jq -rs 'map(.time) | max')
	grep -qF "as of $newest" a.html
}

@test "--json writes the page's model" {
	agentctl report --store "$R/run.db" --json > model.json
	jq -c --arg f "$F" '.features[] | select(.subject == $f) |
		[.tests.passed, .tests.failed, .tests.lines_pct, .security.high,
		 (.requirement.stories | map(.goal)), (.rollout.rows | length), .rollout.outcome]' model.json > got
	jq -sc '[(.[] | select(.type == "feature.tested") | .data | .tests.passed, .tests.failed, .coverage.lines_pct),
		(.[] | select(.type == "feature.security_checked") | .data.counts.high),
		(.[] | select(.type == "requirement.analyzed") | .data.stories | map(.goal)),
		([.[] | select(.type | startswith("rollout."))] | length), "promoted"]' "$R/run.jsonl" > want
	test_cmp want got
	[ "$(jq -r .title model.json)" = "agentkit report" ]
	[ "$(jq -r --arg t "My run" .title <(agentctl report --store "$R/run.db" --json --title "My run"))" = "My run" ]
}

@test "a feature with little recorded says what is missing" {
	export AGENTKIT_STORE="$T/s.db"
	agentctl submit "$TOP/examples/requirements/todo-app.md" | agentctl record --quiet
	f=$(agentctl log --json | jq -r .subject)
	agentctl report -o page.html "$f"
	render-page "$T/page.html" "$T/page.txt"
	for s in "no requirement analysis recorded" "no tests recorded" "no integration recorded" \
		"no security check recorded" "no rollout" "no deploys recorded"; do
		grep -qF "$s" page.txt || { echo "missing: $s"; false; }
	done
}

@test "--since and --until keep the events of a window" {
	export AGENTKIT_STORE="$R/run.db"
	agentctl report --since 2099-01-01T00:00:00Z --json > got.json
	[ "$(jq '.features | length' got.json)" -eq 0 ]
	agentctl report --since 2099-01-01T00:00:00Z > page.html
	grep -qF 'no features recorded' page.html
	run -65 --separate-stderr agentctl report --until 2000-01-01T00:00:00Z "$F"
	[ "$stderr" = "agentctl: no events for '$F'" ]
	# the window of the rollout alone
	first=$(jq -r 'select(.type == "rollout.step") | .time' "$R/run.jsonl" | head -1)
	agentctl report --since "$first" --json "$F" > got.json
	[ "$(jq -r '.features[0].requirement' got.json)" = null ]
	[ "$(jq -r '.features[0].rollout.outcome' got.json)" = promoted ]
}

@test "errors: an unknown feature, no store, a full disk, a bad option" {
	export AGENTKIT_STORE="$R/run.db"
	run -65 --separate-stderr agentctl report "$F" no-such-feature
	[ "$stderr" = "agentctl: no events for 'no-such-feature'" ]
	[ -z "$output" ]
	run -69 --separate-stderr agentctl report --store "postgresql://127.0.0.1:1/none?connect_timeout=2"
	[ -n "$stderr" ]
	run -74 --separate-stderr agentctl report -o /dev/full
	[[ "$stderr" == *"No space left on device"* ]]
	run -74 --separate-stderr sh -c 'agentctl report > /dev/full'
	[[ "$stderr" == *"No space left on device"* ]]
	run -74 --separate-stderr agentctl report -o "$T/no/such/page.html"
	[ ! -e "$T/no" ]
	run -64 --separate-stderr agentctl report --since yesterday
	[[ "$stderr" == *"Try 'agentctl --help'"* ]] || [[ "$stderr" == *"--help"* ]]
	# a failed write leaves the old page as it was, and no temporary file
	echo old > page.html
	chmod 555 .
	run agentctl report -o page.html
	chmod 755 .
	if [ "$(id -u)" != 0 ]; then
		[ "$status" -eq 74 ]
		[ "$(cat page.html)" = old ]
	fi
	[ "$(ls -A | grep -c 'page.html.')" -eq 0 ]
}
