#!/usr/bin/env bats
# agent-secscan: secrets, risky code, infrastructure files and dependencies
# found in trees, git history and stdin; every rule's examples; redaction
# everywhere; SARIF that validates; gates, baselines and hostile files.

bats_require_minimum_version 1.5.0
load helpers/lib

# Planted secrets: fake, but shaped as the real ones are.
GHP=ghp_R2d7Kq9XvLm3Np8Tz4Wb6Yc1Hf5Jg0Sa2Qe7
AKIA=AKIAQ7ZJ3N5TLR2XW6KD
STRIPE=sk_live_51HbQ2eKx9TzLw4Rm8Vn3Yp7Cd
SLACK=xoxb-2741963850-4718293651024-Rk8Tq3ZmW9xLp2Vn7Yc4Hb6J
PGPASS=Zq8vR3kLm2xT9w
SECRETS="$GHP $AKIA $STRIPE $SLACK $PGPASS"

# The compiled rules are cached: compile them once for the whole file.
setup_file() {
	AGENTKIT_CACHE_DIR=$(mktemp -d "${BATS_TMPDIR:-/tmp}/agentkit-hs.XXXXXX")
	export AGENTKIT_CACHE_DIR
}
teardown_file() { rm -rf "$AGENTKIT_CACHE_DIR"; }

setup() {
	common_setup
	unset NO_COLOR
	mkdir -p proj/src proj/config proj/infra
	cat > proj/src/settings.py <<-PY
		import os
		GITHUB_TOKEN = "$GHP"
		DEBUG = True
	PY
	cat > proj/config/aws.ini <<-INI
		[default]
		aws_access_key_id = $AKIA
	INI
	cat > proj/config/app.env <<-ENV
		STRIPE_SECRET_KEY=$STRIPE
		SLACK_BOT_TOKEN=$SLACK
		DATABASE_URL=postgres://app:$PGPASS@db.internal:5432/app
	ENV
	# the same token twice: one finding, two locations
	printf 'token: %s\n' "$GHP" > proj/config/ci.yaml
	printf 'clean file\nnothing = "here"\n' > proj/src/clean.txt
}
teardown() { common_teardown; }

rules_of() { jq -r '[.findings[].rule] | unique | join(" ")' "$1"; }

@test "every rule's examples and negative examples pass; at least 150 secret rules" {
	run -0 --separate-stderr agent-secscan rules check
	[[ "$output" =~ ^[0-9]+\ rules,\ every\ example\ passes$ ]]
	run -0 agent-secscan rules list
	[ "$(awk '$2 == "secret"' <<< "$output" | wc -l)" -ge 150 ]
	[ "$(awk '$2 == "code"' <<< "$output" | wc -l)" -ge 20 ]
	[ "$(awk '$2 == "iac"' <<< "$output" | wc -l)" -ge 8 ]
}

@test "rules check fails, naming rule and example, when an example is not found" {
	cat > bad.yaml <<-'Y'
		rules:
		  - id: demo-token
		    name: Demo token
		    severity: high
		    pattern: '\b(demo_[a-z0-9]{20})\b'
		    help: Revoke it.
		    examples: ['x = demo_abcdefghij0123456789', 'x = demo_short']
		    negative_examples: ['x = demo_abcdefghij0123456789']
	Y
	run -1 --separate-stderr agent-secscan rules check --no-default-rules --rules bad.yaml
	[ "$stderr" = "bad.yaml: rule 'demo-token': example 2 not found
bad.yaml: rule 'demo-token': negative example 1 found
agent-secscan: 2 examples failed" ]
}

@test "a malformed rule file is an error naming the file and the rule" {
	printf 'rules:\n  - id: x1\n    name: X\n    severity: severe\n    pattern: a\n    help: h\n' > r1.yaml
	run -65 --separate-stderr agent-secscan --no-default-rules --rules r1.yaml --path proj
	[ "$stderr" = "agent-secscan: r1.yaml: rule 'x1': severity must be critical, high, medium or low" ]
	printf 'rules:\n  - id: x2\n    name: X\n    severity: low\n    pattern: "a(b"\n    help: h\n' > r2.yaml
	run -65 --separate-stderr agent-secscan --no-default-rules --rules r2.yaml --path proj
	[[ "$stderr" == "agent-secscan: r2.yaml: rule 'x2': pattern: missing closing parenthesis"* ]]
	printf 'rules:\n  - id: x3\n    name: X\n    severity: low\n    pattern: "a?"\n    help: h\n' > r3.yaml
	run -65 --separate-stderr agent-secscan --no-default-rules --rules r3.yaml --path proj
	[[ "$stderr" == "agent-secscan: r3.yaml: rule 'x3': pattern: "* ]]
	printf 'rules:\n  - id: x4\n    name: X\n    severity: low\n    pattern: a\n    help: h\n    colour: red\n' > r4.yaml
	run -65 --separate-stderr agent-secscan --no-default-rules --rules r4.yaml --path proj
	[ "$stderr" = "agent-secscan: r4.yaml: rule 'x4': unknown field 'colour'" ]
}

@test "--path: each planted secret found once, where it is, redacted" {
	run -1 --separate-stderr agent-secscan --path proj --format json --no-progress
	echo "$output" > out.json
	jq -r '.findings[] | select(.kind == "secret") | .locations[] |
		"\(.path):\(.line):\(.column)"' out.json | sort > got
	cat > want <<-W
		config/app.env:1:19
		config/app.env:2:17
		config/app.env:3:29
		config/aws.ini:2:21
		config/ci.yaml:1:8
		src/settings.py:2:17
	W
	# each secret once: a rule that also matches the same text is not counted twice
	sort -u got | test_cmp want -
	[ "$(jq '[.findings[] | select(.secret.redacted == "ghp_")] | length' out.json)" -ge 1 ]
	[ "$(jq -c '.findings[] | select(.rule == "github-pat") | [.occurrences, [.locations[].path]]' \
		out.json)" = '[2,["config/ci.yaml","src/settings.py"]]' ]
	[ "$(jq -r .status out.json)" = fail ]
	[ "$(jq -r .scanned.files out.json)" = 5 ]
	for s in $SECRETS; do
		! grep -qF "$s" out.json
	done
}

@test "no planted secret in clear in events, table, SARIF, logs or the store" {
	export AGENTKIT_STORE="$T/store.db"
	run -1 --separate-stderr agent-secscan --path proj --sarif out.sarif --log-level debug \
		--feature f-1
	echo "$output" > events.jsonl
	echo "$stderr" > log.txt
	agentctl record < events.jsonl > /dev/null
	agent-secscan --path proj --format table --no-progress > table.txt 2>> log.txt || true
	agent-secscan --path proj --format json > out.json 2>> log.txt || true
	[ -s events.jsonl ] && [ -s out.sarif ] && [ -s table.txt ]
	[ "$(jq -r 'select(.type == "feature.security_checked") | .data.status' events.jsonl)" = fail ]
	[ "$(jq -s '[.[] | select(.type == "security.finding")] | length' events.jsonl)" -ge 5 ]
	sqlite3 "$AGENTKIT_STORE" .dump > dump.sql
	[ "$(sqlite3 "$AGENTKIT_STORE" 'select count(*) from events')" -ge 6 ]
	for s in $SECRETS; do
		for f in events.jsonl log.txt table.txt out.json out.sarif dump.sql; do
			if grep -qF "$s" "$f"; then echo "$s in $f"; false; fi
		done
	done
}

@test "SARIF 2.1.0 output validates against the schema and fingerprints are stable" {
	run -1 agent-secscan --path proj --sarif a.sarif --format json
	run -1 agent-secscan --path proj --sarif b.sarif --format json
	run -0 sarif-validate a.sarif
	[ "$(jq -r .version a.sarif)" = 2.1.0 ]
	[ "$(jq '.runs[0].results | length' a.sarif)" -ge 5 ]
	jq -r '.runs[0].results[].partialFingerprints["agentkitFingerprint/v1"]' a.sarif > fa
	jq -r '.runs[0].results[].partialFingerprints["agentkitFingerprint/v1"]' b.sarif > fb
	test_cmp fa fb
	[ "$(jq -r '.runs[0].results[] | select(.ruleId | startswith("github")) |
		.locations[0].physicalLocation.artifactLocation.uri' a.sarif | sort -u | head -1)" = config/ci.yaml ]
}

@test "--fail-on sets the gate; none never fails" {
	printf 'x = 1\n' > low.py
	run -0 --separate-stderr agent-secscan --path low.py --format json
	[ "$(jq -r .status <<< "$output")" = pass ]
	run -1 agent-secscan --path proj --format json --fail-on critical
	run -0 agent-secscan --path proj --format json --fail-on none
	[ "$(jq -r .status <<< "$output")" = pass ]
	run -64 --separate-stderr agent-secscan --path proj --fail-on severe
	[ "${stderr%%$'\n'*}" = "agent-secscan: --fail-on wants critical, high, medium, low or none, not 'severe'" ]
}

@test "inline agentkit:allow and a baseline leave findings out" {
	printf 'GITHUB_TOKEN = "%s"  # agentkit:allow\n' "$GHP" > ok.py
	run -0 agent-secscan --path ok.py --format json
	[ "$(jq .total <<< "$output")" = 0 ]
	run -1 agent-secscan --path proj --format json
	echo "$output" > base.json
	total=$(jq .total base.json)
	[ "$total" -ge 5 ]
	run -0 agent-secscan --path proj --format json --baseline base.json
	[ "$(jq -c '[.total, .suppressed]' <<< "$output")" = "[0,$total]" ]
	# a SARIF log serves as a baseline too
	agent-secscan --path proj --format json --sarif base.sarif > /dev/null || true
	run -0 agent-secscan --path proj --format json --baseline base.sarif
	[ "$(jq .total <<< "$output")" = 0 ]
	run -65 --separate-stderr agent-secscan --path proj --baseline /dev/null
}

@test "--stdin scans what comes in, under --stdin-name" {
	run -1 --separate-stderr agent-secscan --stdin --stdin-name pasted.txt --format json \
		<<< "token=$GHP"
	[ "$(jq -r '.findings[0].locations[0] | "\(.path):\(.line)"' <<< "$output")" = pasted.txt:1 ]
	run -0 agent-secscan --stdin --format json < /dev/null
	[ "$(jq .total <<< "$output")" = 0 ]
}

@test "git history: each unique blob once, provenance of the commit that brought it" {
	git init -q repo
	cd repo
	git config user.name 'Ann Dev'
	git config user.email ann@example.org
	printf 'print(1)\n' > app.py
	git add app.py
	GIT_AUTHOR_DATE=2024-01-02T10:00:00Z GIT_COMMITTER_DATE=2024-01-02T10:00:00Z \
		git commit -qm one
	printf 'TOKEN = "%s"\n' "$GHP" > app.py
	cp app.py copy.py
	git add app.py copy.py
	GIT_AUTHOR_DATE=2024-02-03T10:00:00Z GIT_COMMITTER_DATE=2024-02-03T10:00:00Z \
		git commit -qm leak
	leak=$(git rev-parse HEAD)
	printf 'TOKEN = os.environ["TOKEN"]\n' > app.py
	git rm -q copy.py
	git add app.py
	GIT_AUTHOR_DATE=2024-03-04T10:00:00Z GIT_COMMITTER_DATE=2024-03-04T10:00:00Z \
		git commit -qm fix
	cd ..
	# the work tree is clean now; the history is not
	run -0 agent-secscan --path repo --format json
	[ "$(jq .total <<< "$output")" = 0 ]
	run -1 --separate-stderr agent-secscan --git repo --format json
	echo "$output" > h.json
	[ "$(jq -c .scanned.commits h.json)" = 3 ]
	[ "$(jq -c .scanned.blobs h.json)" = 3 ]     # print(1), the leak (twice by path, once by id), the fix
	[ "$(jq -c '[.findings[] | select(.kind == "secret")] | length' h.json)" = 1 ]
	[ "$(jq -r --arg c "$leak" '.findings[0].locations[0] |
		[.path, .line, (.commit == $c), .author, .date] | @tsv' h.json)" = \
		"$(printf 'app.py\t1\ttrue\tAnn Dev <ann@example.org>\t2024-02-03T10:00:00Z')" ]
	run -0 agent-secscan --git repo --format json --since 2024-03-01
	[ "$(jq -c '[.total, .scanned.commits]' <<< "$output")" = '[0,1]' ]
	run -1 agent-secscan --git repo --format json --branch "$leak"
	run -64 --separate-stderr agent-secscan --path repo --since 2024-01-01
	run -64 --separate-stderr agent-secscan --git repo --branch nope --format json
	[ "${stderr}" = "agent-secscan: 'repo': no branch or revision 'nope'" ]
	run -65 --separate-stderr agent-secscan --git proj --format json
}

@test "--gitignore leaves ignored files out; .git is never read as files" {
	git init -q proj
	printf 'config/\n' > proj/.gitignore
	run -1 agent-secscan --path proj --format json
	[ "$(jq -r '[.findings[].locations[].path] | unique | join(" ")' <<< "$output")" = \
		"config/app.env config/aws.ini config/ci.yaml src/settings.py" ]
	run -1 agent-secscan --path proj --format json --gitignore
	[ "$(jq -r '[.findings[] | select(.kind == "secret") | .locations[].path] | unique | join(" ")' \
		<<< "$output")" = "src/settings.py" ]
	run -1 agent-secscan --path proj --format json --exclude '*.py' --exclude 'config/ci.yaml'
	[ "$(jq -r '[.findings[] | select(.kind == "secret") | .locations[].path] | unique | join(" ")' \
		<<< "$output")" = "config/app.env config/aws.ini" ]
}

@test "binary, huge, special and looping files: skipped with a note, nothing hangs" {
	mkdir h
	printf 'token=%s\n\0\1\2' "$GHP" > h/blob.bin
	head -c 3000000 /dev/zero | tr '\0' a > h/big.txt
	printf '\ntoken=%s\n' "$GHP" >> h/big.txt
	mkfifo h/fifo
	ln -s . h/loop
	ln -s /nonexistent h/dangling
	run -0 --separate-stderr timeout 30 agent-secscan --path h --format json --max-file 1M
	echo "$output" > out.json
	[ "$(jq -c '[.total, .scanned.files, .scanned.skipped.binary, .scanned.skipped.large, .scanned.skipped.special]' out.json)" = '[0,0,1,1,1]' ]
	[ "$(jq -c '[.scanned.notes[] | "\(.path): \(.reason)"] | sort' out.json)" = \
		'["big.txt: larger than --max-file","fifo: not a regular file"]' ]
	run -1 --separate-stderr timeout 30 agent-secscan --path h --format json --max-file 4M
	[ "$(jq -r '.findings[0].locations[0] | "\(.path):\(.line)"' <<< "$output")" = big.txt:2 ]
	run -64 --separate-stderr agent-secscan --path h --max-file 12X
}

@test "risky code and infrastructure files are found with their lines" {
	mkdir c
	printf 'import subprocess\nsubprocess.call(cmd, shell=True)\nx = eval(data)\n' > c/app.py
	printf 'el.innerHTML = userInput;\n' > c/view.js
	cat > c/main.tf <<-'TF'
		resource "aws_security_group" "web" {
		  ingress {
		    from_port   = 22
		    to_port     = 22
		    protocol    = "tcp"
		    cidr_blocks = ["0.0.0.0/0"]
		  }
		}
	TF
	printf 'FROM python:latest\nRUN curl -sSL https://x.invalid/i.sh | sh\n' > c/Dockerfile
	run -1 --separate-stderr agent-secscan --path c --format json --fail-on medium
	echo "$output" > out.json
	jq -r '.findings[] | "\(.kind) \(.locations[0].path):\(.locations[0].line)"' out.json | sort -u > got
	cat > want <<-W
		code app.py:2
		code app.py:3
		code view.js:1
		iac Dockerfile:1
		iac Dockerfile:2
		iac main.tf:6
	W
	sort -u got | grep -v '^iac main.tf:[0-5]$' | test_cmp want - || {
		jq -c '.findings[] | [.rule, .locations[0]]' out.json; false; }
}

@test "events: feature.backend_ready's workspace is scanned; other events pass through" {
	mkdir -p ws/f-1/agent-backend
	cp proj/src/settings.py ws/f-1/agent-backend/
	{ mkevent requirement.analyzed f-1 e0
	  mkevent feature.backend_ready f-1 e1; } > in.jsonl
	run -1 --separate-stderr agent-secscan --workspace ws in.jsonl
	echo "$output" > out.jsonl
	[ "$(jq -r .type out.jsonl | tr '\n' ' ')" = \
		"requirement.analyzed feature.backend_ready security.finding feature.security_checked " ]
	[ "$(jq -r 'select(.type == "feature.security_checked") |
		[.subject, .causationid, .data.status, .data.counts.high] | @tsv' out.jsonl)" = \
		"$(printf 'f-1\te1\tfail\t1')" ]
	mkevent feature.backend_ready f-2 e2 > in2.jsonl
	run -65 --separate-stderr agent-secscan --workspace ws in2.jsonl
	[ "$(tail -1 <<< "$output" | jq -r '[.type, .data.reason] | @tsv')" = \
		"$(printf 'agent.rejected\tfeature.backend_ready: no workspace for '"'f-2'"' (ws/f-2)')" ]
}

@test "usage errors and a full disk" {
	run -64 --separate-stderr agent-secscan --path proj extra.jsonl
	run -64 --separate-stderr agent-secscan --format json
	run -64 --separate-stderr agent-secscan --threads 0 --path proj
	run -64 --separate-stderr agent-secscan rules frob
	run -74 --separate-stderr bash -c 'agent-secscan --path proj --format json --fail-on none > /dev/full'
	run -74 --separate-stderr agent-secscan --path nowhere --format json
	[ "$stderr" = "agent-secscan: cannot read 'nowhere': No such file or directory" ]
}

@test "the README's security example runs as shown" {
	readme_block "$TOP/README.md" "Security scanning" > block
	mkdir readme && cd readme
	# the commands of the block, run; their output compared with the block's
	sed -n 's/^\$ //p' ../block > cmds
	[ "$(wc -l < cmds)" = 3 ]
	sed '/^\$ /d' ../block > want
	bash cmds > got 2>&1 || true
	# the table is written for a terminal: the same rows without colours
	test_cmp want got
}

@test "db import, then lockfiles checked against the advisories, offline" {
	export AGENTKIT_STORE="$T/adv.db"
	run -0 --separate-stderr agent-secscan db import "$TOP/t/data/osv/dir"
	[ "${stderr##*$'\n'}" = "$TOP/t/data/osv/dir: 10 records: 6 imported (6 new or newer, 1 merged), 1 withdrawn, 1 of other ecosystems, 2 malformed" ]
	mkdir dep
	cat > dep/package-lock.json <<-'J'
		{"name": "app", "lockfileVersion": 3, "packages": {
		  "": {"name": "app"},
		  "node_modules/lodash": {"version": "4.17.20"},
		  "node_modules/left-pad": {"version": "1.3.0"}}}
	J
	run -1 --separate-stderr agent-secscan --path dep --format json
	[ "$(jq -c '.findings[] | [.kind, .rule, .package.name, .package.version, .package.fixed,
		.locations[0].path, .locations[0].line]' <<< "$output")" = \
		'["dependency","GHSA-aaaa-0001","lodash","4.17.20","4.17.21","package-lock.json",3]' ]
	# PyPI: names normalised, PEP 440 order, records naming each other merged
	printf 'Django==3.2.4\nrequests==2.31.0\n' > dep/requirements.txt
	run -1 --separate-stderr agent-secscan --path dep --format json
	[ "$(jq -c '.findings[] | select(.package.ecosystem == "PyPI") | [.rule, .severity, .package,
		.locations[0].line]' <<< "$output")" = \
		'["GHSA-bbbb-0002","high",{"ecosystem":"PyPI","name":"django","version":"3.2.4","fixed":"3.2.5","aliases":["CVE-2099-0002","PYSEC-2099-1"]},1]' ]
	rm dep/requirements.txt
	# fixed: nothing to say
	sed -i 's/4.17.20/4.17.21/' dep/package-lock.json
	run -0 agent-secscan --path dep --format json
	[ "$(jq .total <<< "$output")" = 0 ]
	run -64 --separate-stderr env -u AGENTKIT_STORE agent-secscan db import "$TOP/t/data/osv/dir"
	[ "$stderr" = "agent-secscan: db import needs a store: --store or AGENTKIT_STORE" ]
	run -74 --separate-stderr agent-secscan db import nowhere.zip
}
