#!/usr/bin/env bats
# agent-deploy: the gate on feature.tested and feature.security_checked,
# the reproducible artifact and its SBOM, staging through Terraform and the
# deploy hook, the smoke check, approval, and production through the hook
# or a canary rollout.

bats_require_minimum_version 1.5.0
load helpers/lib
load helpers/rollout-env

PLANS=/usr/share/gocode/src/github.com/hashicorp/terraform-json/testdata
SDE=1700000000
ART=shop-1a2b/agent-deploy/shop-1a2b.tar.gz

setup() {
	common_setup
	T=$(pwd -P)
	D="$TOP/t/data/deploy"
	B="$T/ws/shop-1a2b/agent-backend"
	mkdir -p "$B/app"
	printf 'from app import routes\n' > "$B/main.py"
	printf '' > "$B/app/__init__.py"
	printf 'ROUTES = []\n' > "$B/app/routes.py"
	printf 'fastapi==0.95.0\n' > "$B/requirements.txt"
	# the deploy hook: one line per run, its arguments
	printf '#!/bin/sh\necho "$@" >> "%s/deploy.log"\n' "$T" > "$T/hook"
	chmod +x "$T/hook"
	HOOK="$T/hook {environment} {artifact} {version} {feature} {sha256}"
}
teardown() {
	renv_stop
	common_teardown
}

# event TYPE SUBJECT ID DATA: one event line
event() {
	jq -cn --arg t "$1" --arg s "$2" --arg id "$3" --argjson d "$4" \
		'{specversion: "1.0", id: $id, source: "t/bats", type: $t, subject: $s,
		  time: "2026-11-26T12:00:00.000Z", data: $d}'
}

tested() {
	event feature.tested "${2:-shop-1a2b}" t1 \
		"{\"status\":\"$1\",\"tests\":{\"passed\":7,\"failed\":${3:-0},\"errors\":0,\"skipped\":1}}"
}

checked() {
	event feature.security_checked "${2:-shop-1a2b}" s1 \
		"{\"status\":\"$1\",\"counts\":{\"critical\":${3:-0},\"high\":${4:-0},\"medium\":0,\"low\":2}}"
}

# the events of one type of out.jsonl, compact
of_type() {
	jq -c --arg t "$1" 'select(.type == $t)' "${2:-out.jsonl}"
}

sha_of() {
	sha256sum "$1" | cut -d' ' -f1
}

@test "both gates pass: staging, ready for production and production through the --deploy hook" {
	{ tested pass; checked pass; } > in.jsonl
	SOURCE_DATE_EPOCH=$SDE run -0 --separate-stderr agent-deploy --workspace "$T/ws" \
		--auto-approve --deploy "$HOOK" in.jsonl
	printf '%s\n' "$output" > out.jsonl
	jq -r .type out.jsonl > got
	printf '%s\n' feature.tested feature.security_checked feature.staging_deployed \
		feature.ready_for_production feature.production_deployed > expect
	test_cmp expect got
	sha=$(sha_of "ws/$ART")
	v="0.0.0+${sha:0:12}"
	abs="$T/ws/$ART"
	# the hook ran once per environment with every placeholder replaced
	printf '%s\n' "staging $abs $v shop-1a2b $sha" "production $abs $v shop-1a2b $sha" > expect
	test_cmp expect deploy.log
	# what the new events say, and what caused them
	jq -c 'select(.source == "agentkit/agent-deploy") | [.subject, .causationid]' out.jsonl |
		sort -u > got
	echo '["shop-1a2b","s1"]' > expect
	test_cmp expect got
	sbom_sha=$(sha_of ws/shop-1a2b/agent-deploy/sbom.cdx.json)
	jq -n --arg v "$v" --arg sha "$sha" --arg abs "$abs" --arg hook "$T/hook" \
		--arg sbom "$sbom_sha" --argjson bytes "$(stat -c %s "ws/$ART")" \
		--argjson sbytes "$(stat -c %s ws/shop-1a2b/agent-deploy/sbom.cdx.json)" '
		{environment: "staging", version: $v,
		 artifact: {path: "shop-1a2b/agent-deploy/shop-1a2b.tar.gz", sha256: $sha},
		 plan: null,
		 deploy: {command: [$hook, "staging", $abs, $v, "shop-1a2b", $sha], exit: 0},
		 artifacts: [
		  {path: "shop-1a2b/agent-deploy/shop-1a2b.tar.gz", sha256: $sha, bytes: $bytes,
		   media_type: "application/gzip"},
		  {path: "shop-1a2b/agent-deploy/sbom.cdx.json", sha256: $sbom, bytes: $sbytes,
		   media_type: "application/vnd.cyclonedx+json"}]}' > expect
	of_type feature.staging_deployed | jq '.data | del(.deploy.duration_ms)' > got
	test_cmp expect got
	of_type feature.ready_for_production | jq -c '.data | [.smoke, .performance, .approval.by]' > got
	echo '[{"skipped":"no --smoke URL"},{"skipped":"no --smoke URL"},"--auto-approve"]' > expect
	test_cmp expect got
	of_type feature.production_deployed |
		jq -c '.data | [.environment, .version, .strategy, .deploy.command[1], .deploy.exit]' > got
	echo "[\"production\",\"$v\",\"direct\",\"production\",0]" > expect
	test_cmp expect got
}

@test "the hook's {artifact} is an absolute path even with a relative --workspace" {
	{ tested pass; checked pass; } > in.jsonl
	run -0 --separate-stderr agent-deploy --workspace ws --auto-approve --deploy "$HOOK" in.jsonl
	sha=$(sha_of "ws/$ART")
	printf '%s\n' "staging $T/ws/$ART 0.0.0+${sha:0:12} shop-1a2b $sha" \
		"production $T/ws/$ART 0.0.0+${sha:0:12} shop-1a2b $sha" > expect
	test_cmp expect deploy.log
}

@test "the gate refuses failing tests: deploy_refused with the counts, exit 1, nothing packaged" {
	{ tested fail shop-1a2b 3; checked pass; } > in.jsonl
	run -1 --separate-stderr agent-deploy --workspace ws --auto-approve --deploy "$HOOK" in.jsonl
	printf '%s\n' "$output" > out.jsonl
	jq -r .type out.jsonl > got
	printf '%s\n' feature.tested feature.security_checked feature.deploy_refused > expect
	test_cmp expect got
	of_type feature.deploy_refused | jq -c '[.subject, .causationid, .data]' > got
	echo '["shop-1a2b","s1",{"stage":"gate","reasons":["the tests did not pass: 3 of 10 failed"]}]' > expect
	test_cmp expect got
	[ "$stderr" = "agent-deploy: warning: shop-1a2b: not deployed: the tests did not pass: 3 of 10 failed" ]
	[ ! -e ws/shop-1a2b/agent-deploy ]
	[ ! -e deploy.log ]
}

@test "the gate refuses a failing security check, and gives both reasons when both fail" {
	{ tested pass; checked fail shop-1a2b 1 2; } > in.jsonl
	run -1 --separate-stderr agent-deploy --workspace ws --auto-approve --no-pass --deploy "$HOOK" \
		in.jsonl
	jq -c .data <<< "$output" > got
	echo '{"stage":"gate","reasons":["the security check did not pass: 1 critical, 2 high, 0 medium, 2 low findings"]}' > expect
	test_cmp expect got
	{ tested fail shop-1a2b 1; checked fail shop-1a2b 0 4; } > in.jsonl
	run -1 --separate-stderr agent-deploy --workspace ws --auto-approve --no-pass --deploy "$HOOK" \
		in.jsonl
	jq -c .data.reasons <<< "$output" > got
	echo '["the tests did not pass: 1 of 8 failed","the security check did not pass: 0 critical, 4 high, 0 medium, 2 low findings"]' > expect
	test_cmp expect got
	[ ! -e ws/shop-1a2b/agent-deploy ]
	[ ! -e deploy.log ]
}

@test "the artifact: entries sorted, owner 0/0, one mtime, modes normalised, caches left out" {
	mkdir -p "$B/app/__pycache__" "$B/__pycache__" "$B/node_modules/left-pad" "$B/.git" \
		"$B/.venv/bin" "$B/static"
	printf '#!/bin/sh\nexec uvicorn main:app\n' > "$B/run.sh"
	chmod 755 "$B/run.sh"
	chmod 600 "$B/main.py"
	printf 'a\n' > "$B/app.cfg"
	printf 'logo\n' > "$B/static/logo.svg"
	for f in app/__pycache__/routes.cpython-311.pyc __pycache__/main.cpython-311.pyc \
		node_modules/left-pad/index.js .git/HEAD .venv/bin/python stale.pyc; do
		printf 'x\n' > "$B/$f"
	done
	{ tested pass; checked pass; } > in.jsonl
	SOURCE_DATE_EPOCH=$SDE run -0 --separate-stderr agent-deploy --workspace ws --auto-approve \
		--no-pass in.jsonl
	TZ=UTC tar --full-time -tzvf "ws/$ART" 2> tar.err | awk '{ print $1, $2, $3, $4, $5, $6 }' > got
	cat > expect <<-'L'
		drwxr-xr-x 0/0 0 2023-11-14 22:13:20 shop-1a2b/
		drwxr-xr-x 0/0 0 2023-11-14 22:13:20 shop-1a2b/app/
		-rw-r--r-- 0/0 2 2023-11-14 22:13:20 shop-1a2b/app.cfg
		-rw-r--r-- 0/0 0 2023-11-14 22:13:20 shop-1a2b/app/__init__.py
		-rw-r--r-- 0/0 12 2023-11-14 22:13:20 shop-1a2b/app/routes.py
		-rw-r--r-- 0/0 23 2023-11-14 22:13:20 shop-1a2b/main.py
		-rw-r--r-- 0/0 16 2023-11-14 22:13:20 shop-1a2b/requirements.txt
		-rwxr-xr-x 0/0 32 2023-11-14 22:13:20 shop-1a2b/run.sh
		drwxr-xr-x 0/0 0 2023-11-14 22:13:20 shop-1a2b/static/
		-rw-r--r-- 0/0 5 2023-11-14 22:13:20 shop-1a2b/static/logo.svg
	L
	test_cmp expect got
	# bytewise order of the paths
	tar -tzf "ws/$ART" 2> /dev/null | sed 's,/$,,' > names
	LC_ALL=C sort names | test_cmp - names
	# the content is the tree's
	mkdir x && tar -xzf "ws/$ART" -C x 2> /dev/null
	cmp "$B/run.sh" x/shop-1a2b/run.sh
	cmp "$B/app/routes.py" x/shop-1a2b/app/routes.py
}

@test "GNU tar reads the artifact without warnings: no pax header for ASCII names" {
	{ tested pass; checked pass; } > in.jsonl
	run -0 --separate-stderr agent-deploy --workspace ws --auto-approve --no-pass in.jsonl
	tar -tzf "ws/$ART" > names 2> tar.err
	[ "$(wc -l < names)" -eq 6 ]
	test_cmp /dev/null tar.err
	[ "$(zcat "ws/$ART" | grep -ac hdrcharset)" -eq 0 ]
}

@test "the artifact is reproducible: the same bytes after touching files; its sha256 in the event" {
	{ tested pass; checked pass; } > in.jsonl
	SOURCE_DATE_EPOCH=$SDE run -0 --separate-stderr agent-deploy --workspace ws --auto-approve --no-pass in.jsonl
	printf '%s\n' "$output" > out.jsonl
	cp "ws/$ART" first.tar.gz
	sha=$(sha_of first.tar.gz)
	of_type feature.staging_deployed | jq -r '.data | .artifact.sha256, .artifacts[0].sha256, .version' > got
	printf '%s\n' "$sha" "$sha" "0.0.0+${sha:0:12}" > expect
	test_cmp expect got
	# new times, another mode and umask, the same tree
	touch -d '2030-01-02 03:04:05' "$B/main.py" "$B/app" "$B/app/routes.py"
	chmod 600 "$B/requirements.txt"
	(umask 077 && SOURCE_DATE_EPOCH=$SDE agent-deploy --workspace ws --auto-approve --no-pass \
		in.jsonl) > out2.jsonl 2> /dev/null
	cmp first.tar.gz "ws/$ART"
	cmp <(jq -c .data out.jsonl) <(jq -c .data out2.jsonl)
	# --release names the version; the bytes stay the same
	SOURCE_DATE_EPOCH=$SDE run -0 --separate-stderr agent-deploy --workspace ws --auto-approve \
		--no-pass --release 1.4.0 in.jsonl
	[ "$(jq -r 'select(.type == "feature.staging_deployed") | .data.version' <<< "$output")" = 1.4.0 ]
	cmp first.tar.gz "ws/$ART"
	# a changed file is a new artifact
	printf 'ROUTES = [1]\n' > "$B/app/routes.py"
	SOURCE_DATE_EPOCH=$SDE run -0 --separate-stderr agent-deploy --workspace ws --auto-approve --no-pass in.jsonl
	[ "$(jq -r 'select(.type == "feature.staging_deployed") | .data.artifact.sha256' <<< "$output")" = \
		"$(sha_of "ws/$ART")" ]
	run -1 cmp -s first.tar.gz "ws/$ART"
}

@test "the SBOM: a purl per pinned dependency of requirements.txt and package-lock.json" {
	printf '# pinned\nfastapi==0.95.0\nuvicorn[standard]==0.22.0\nPyYAML==6.0.1\n' > "$B/requirements.txt"
	cp "$D/package-lock.json" "$B/"
	{ tested pass; checked pass; } > in.jsonl
	SOURCE_DATE_EPOCH=$SDE run -0 --separate-stderr agent-deploy --workspace ws --auto-approve --no-pass in.jsonl
	S=ws/shop-1a2b/agent-deploy/sbom.cdx.json
	jq -r '.components[] | "\(.purl) \(.name) \(.version) \([.properties[].value] | join(","))"' "$S" > got
	cat > expect <<-'P'
		pkg:npm/%40tanstack/react-query@5.8.4 @tanstack/react-query 5.8.4 package-lock.json
		pkg:npm/loose-envify@1.4.0 loose-envify 1.4.0 package-lock.json
		pkg:npm/react@18.2.0 react 18.2.0 package-lock.json
		pkg:pypi/fastapi@0.95.0 fastapi 0.95.0 requirements.txt
		pkg:pypi/pyyaml@6.0.1 pyyaml 6.0.1 requirements.txt
		pkg:pypi/uvicorn@0.22.0 uvicorn 0.22.0 requirements.txt
	P
	test_cmp expect got
	v=$(jq -r 'select(.type == "feature.staging_deployed") | .data.version' <<< "$output")
	jq -c '[.bomFormat, .specVersion, .metadata.timestamp, .metadata.component.name,
		.metadata.component.version]' "$S" > got
	echo "[\"CycloneDX\",\"1.5\",\"2023-11-14T22:13:20Z\",\"shop-1a2b\",\"$v\"]" > expect
	test_cmp expect got
	[ "$(jq -r 'select(.type == "feature.staging_deployed") | .data.artifacts[1] |
		"\(.path) \(.sha256)"' <<< "$output")" = "shop-1a2b/agent-deploy/sbom.cdx.json $(sha_of "$S")" ]
	# without a lockfile, no SBOM
	rm "$B/requirements.txt" "$B/package-lock.json" "$S"
	run -0 --separate-stderr agent-deploy --workspace ws --auto-approve --no-pass in.jsonl
	[ "$(jq -c 'select(.type == "feature.staging_deployed") | [.data.artifacts[].path]' <<< "$output")" = \
		"[\"$ART\"]" ]
	[ ! -e "$S" ]
}

@test "--build runs in the package folder first; a failing build is agent.failed with its message" {
	{ tested pass; checked pass; } > in.jsonl
	run -0 --separate-stderr agent-deploy --workspace ws --auto-approve --no-pass \
		--build "sh -c 'pwd > built.txt; echo {feature} >> built.txt'" in.jsonl
	printf '%s\n%s\n' "$B" shop-1a2b > expect
	test_cmp expect "$B/built.txt"
	tar -xzOf "ws/$ART" shop-1a2b/built.txt 2> /dev/null | test_cmp expect -
	rm -r ws/shop-1a2b/agent-deploy "$B/built.txt"
	run -69 --separate-stderr agent-deploy --workspace ws --deploy "$HOOK" \
		--build "sh -c 'echo main.py:1: syntax error >&2; exit 3'" in.jsonl
	printf '%s\n' "$output" > out.jsonl
	jq -r .type out.jsonl > got
	printf '%s\n' feature.tested feature.security_checked agent.failed > expect
	test_cmp expect got
	of_type agent.failed | jq -c '[.subject, .causationid, .data.reason]' > got
	echo '["shop-1a2b","s1","the build '\''sh'\'' exited with status 3: main.py:1: syntax error"]' > expect
	test_cmp expect got
	[ ! -e "ws/$ART" ]
	[ ! -e deploy.log ]
}

@test "--package DIR with {feature}; a folder that is not there is rejected naming it" {
	mkdir -p "pkgs/shop-1a2b"
	printf 'hello\n' > pkgs/shop-1a2b/index.html
	{ tested pass; checked pass; } > in.jsonl
	run -0 --separate-stderr agent-deploy --workspace ws --auto-approve --no-pass \
		--package 'pkgs/{feature}' in.jsonl
	tar -tzf "ws/$ART" 2> /dev/null > got
	printf '%s\n' shop-1a2b/ shop-1a2b/index.html > expect
	test_cmp expect got
	run -65 --separate-stderr agent-deploy --workspace ws --auto-approve --no-pass \
		--package 'none/{feature}' in.jsonl
	[ "$(jq -r '[.type, .data.reason] | join(" ")' <<< "$output")" = \
		"agent.rejected feature.security_checked: nothing to package for shop-1a2b: 'none/shop-1a2b': No such file or directory" ]
}

@test "its inputs and events it does not consume pass through byte for byte" {
	{
		printf '{"specversion": "1.0", "id":"r1","source":"t/bats","type":"requirement.submitted","subject":"other-9f9f","time":"2026-11-26T12:00:00.000Z","data":{"b":2, "a":"\\u00e9t\\u00e9"}}\n'
		printf '{"data":{"status":"pass","tests":{"passed":1}}, "type":"feature.tested","specversion":"1.0","id":"t1","source":"t/bats","subject":"shop-1a2b","time":"2026-11-26T12:00:00.000Z"}\n'
		checked pass
	} > in.jsonl
	run -0 --separate-stderr agent-deploy --workspace ws --auto-approve in.jsonl
	printf '%s\n' "$output" | head -3 > got
	cmp in.jsonl got
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 5 ]
	# --no-pass: only its own events
	run -0 --separate-stderr agent-deploy --workspace ws --auto-approve --no-pass in.jsonl
	[ "$(jq -r .source <<< "$output" | sort -u)" = agentkit/agent-deploy ]
}

@test "--store joins the two events across runs; without one each run waits alone" {
	tested pass > t.jsonl
	checked pass > s.jsonl
	# in memory: two runs never meet
	run -0 --separate-stderr agent-deploy --workspace ws --auto-approve t.jsonl
	run -0 --separate-stderr agent-deploy --workspace ws --auto-approve s.jsonl
	[ "$output" = "$(cat s.jsonl)" ]
	[ ! -e ws/shop-1a2b/agent-deploy ]
	# through the store
	run -0 --separate-stderr agent-deploy --workspace ws --store "$T/s.db" --auto-approve \
		--deploy "$HOOK" t.jsonl
	[ "$output" = "$(cat t.jsonl)" ]
	[ ! -e ws/shop-1a2b/agent-deploy ]
	[ ! -e deploy.log ]
	run -0 --separate-stderr agent-deploy --workspace ws --store "$T/s.db" --auto-approve \
		--deploy "$HOOK" --no-pass s.jsonl
	jq -r '[.type, .causationid] | join(" ")' <<< "$output" > got
	printf '%s\n' "feature.staging_deployed s1" "feature.ready_for_production s1" \
		"feature.production_deployed s1" > expect
	test_cmp expect got
	cut -d' ' -f1,4 deploy.log > got
	printf '%s\n' "staging shop-1a2b" "production shop-1a2b" > expect
	test_cmp expect got
	# the join is done with: the second event alone again starts nothing
	run -0 --separate-stderr agent-deploy --workspace ws --store "$T/s.db" --auto-approve \
		--deploy "$HOOK" --no-pass s.jsonl
	[ "$output" = "" ]
}

@test "without approval: pending and exit 75; approved with agentctl approve, --feature releases it" {
	{ tested pass; checked pass; } > in.jsonl
	# no store: nowhere to find an approval
	run -75 --separate-stderr agent-deploy --workspace ws --no-pass in.jsonl
	[ "$(jq -c 'select(.type == "feature.ready_for_production") | .data.approval' <<< "$output")" = \
		'{"status":"pending","reason":"no store to find an approval in"}' ]
	# the pipeline records the events; the deployer waits for a person
	agentctl record --store "$T/s.db" < in.jsonl > /dev/null
	run -75 --separate-stderr agent-deploy --workspace ws --store "$T/s.db" --deploy "$HOOK" \
		--no-pass in.jsonl
	jq -r .type <<< "$output" > got
	printf '%s\n' feature.staging_deployed feature.ready_for_production > expect
	test_cmp expect got
	[ "$(jq -c 'select(.type == "feature.ready_for_production") | .data.approval' <<< "$output")" = \
		'{"status":"pending","reason":"waiting for `agentctl approve`"}' ]
	[[ "$stderr" == *"waiting for \`agentctl approve shop-1a2b --by NAME\`"* ]]
	v=$(jq -r 'select(.type == "feature.staging_deployed") | .data.version' <<< "$output")
	[ "$(cut -d' ' -f1 deploy.log)" = staging ]
	run -0 --separate-stderr agentctl approve shop-1a2b --by alice --note "release window" \
		--store "$T/s.db"
	at=$(jq -r .time <<< "$output")
	run -0 --separate-stderr agent-deploy --feature shop-1a2b --store "$T/s.db" --workspace ws \
		--deploy "$HOOK"
	printf '%s\n' "$output" > out.jsonl
	of_type feature.ready_for_production | jq -c .data.approval > got
	echo "{\"by\":\"alice\",\"at\":\"$at\",\"note\":\"release window\"}" > expect
	test_cmp expect got
	of_type feature.production_deployed | jq -r '[.data.environment, .data.version, .data.strategy,
		.causationid] | join(" ")' > got
	echo "production $v direct s1" > expect
	test_cmp expect got
	[ "$(tail -1 deploy.log | cut -d' ' -f1,3,4)" = "production $v shop-1a2b" ]
	[ "$(grep -c '^production ' deploy.log)" -eq 1 ]
}

@test "--approval-timeout waits for an approval given meanwhile" {
	{ tested pass; checked pass; } > in.jsonl
	agentctl record --store "$T/s.db" < in.jsonl > /dev/null
	(sleep 1; agentctl approve shop-1a2b --by bob --store "$T/s.db" > /dev/null) &
	start=$SECONDS
	run -0 --separate-stderr agent-deploy --workspace ws --store "$T/s.db" --deploy "$HOOK" \
		--approval-timeout 20s --no-pass in.jsonl
	wait
	[ $((SECONDS - start)) -lt 15 ]
	[ "$(jq -r 'select(.type == "feature.ready_for_production") | .data.approval.by' <<< "$output")" = bob ]
	[ "$(jq -r 'select(.type == "feature.production_deployed") | .data.environment' <<< "$output")" = production ]
}

@test "--smoke: a healthy staging passes; one failing half its requests is refused at staging" {
	svc_start good
	svc_start bad --error-rate 0.5
	{ tested pass; checked pass; } > in.jsonl
	url="http://127.0.0.1:$GOOD_PORT/"
	run -0 --separate-stderr agent-deploy --workspace ws --auto-approve --deploy "$HOOK" --no-pass \
		--smoke "$url" in.jsonl
	of=$(jq -c 'select(.type == "feature.ready_for_production") | .data' <<< "$output")
	[ "$(jq -c .smoke <<< "$of")" = "{\"url\":\"$url\",\"status\":\"pass\",\"requests\":20,\"reason\":\"\"}" ]
	[ "$(jq -c '.performance | [.status, .error_rate, .p95_ms < 1000]' <<< "$of")" = '["pass",0,true]' ]
	# the probes reached the service
	[ "$(curl -s "http://127.0.0.1:$GOOD_PORT/metrics" |
		awk '$1 == "http_requests_total{track=\"good\",code=\"200\"}" { print $2 }')" -ge 20 ]
	rm deploy.log
	run -1 --separate-stderr agent-deploy --workspace ws --auto-approve --deploy "$HOOK" --no-pass \
		--smoke "http://127.0.0.1:$BAD_PORT/" --smoke-requests 10 in.jsonl
	jq -r .type <<< "$output" > got
	printf '%s\n' feature.staging_deployed feature.deploy_refused > expect
	test_cmp expect got
	jq -e 'select(.type == "feature.deploy_refused") | .data.stage == "staging" and
		(.data.reasons | length) == 1 and
		(.data.reasons[0] | test("^the staging check failed: error_rate 0\\.5 above the limit 0\\.01"))' <<< "$output"
	# staging was deployed, production never
	[ "$(cut -d' ' -f1 deploy.log)" = staging ]
}

@test "--infra: terraform init, plan and apply of environments/staging; the counts in the event" {
	[ -d "$PLANS" ] || skip "no terraform-json test data in $PLANS"
	export AGENTKIT_TF_BIN=fake-terraform FAKE_TF_LOG="$T/tf.log" FAKE_TF_PLAN="$PLANS/basic/plan.json"
	mkdir -p infra/environments/staging
	{ tested pass; checked pass; } > in.jsonl
	run -0 --separate-stderr agent-deploy --workspace ws --auto-approve --no-pass --infra infra in.jsonl
	[ "$(jq -c 'select(.type == "feature.staging_deployed") | .data.plan' <<< "$output")" = \
		'{"add":7,"change":0,"destroy":0,"replace":0}' ]
	cut -f1 tf.log | sort -u > got
	echo "$T/infra/environments/staging" > expect
	test_cmp expect got
	cut -f2 tf.log | awk '{ print $1 }' | uniq > got
	printf '%s\n' init plan show apply > expect
	test_cmp expect got
	[ ! -e infra/environments/staging/agentkit.tfplan ]
}

@test "--infra: a plan that deletes is refused without --allow-destroy: exit 1, not applied, not deployed" {
	export AGENTKIT_TF_BIN=fake-terraform FAKE_TF_LOG="$T/tf.log" FAKE_TF_PLAN="$D/plan-delete.json"
	mkdir -p infra/environments/staging
	{ tested pass; checked pass; } > in.jsonl
	run -1 --separate-stderr agent-deploy --workspace ws --auto-approve --no-pass --deploy "$HOOK" \
		--infra infra in.jsonl
	[ "$(of_type feature.staging_deployed <(printf '%s\n' "$output"))" = "" ]
	jq -r '.data | (.reason // empty), (.reasons // [] | .[])' <<< "$output" > got
	echo "plan for 'staging' deletes 1 resource (null_resource.database): refused without --allow-destroy" > want
	grep -qxF -f want got
	run -1 grep -q apply tf.log
	[ ! -e infra/environments/staging/agentkit.tfplan ]
	[ ! -e deploy.log ]
	# allowed
	rm tf.log
	run -0 --separate-stderr agent-deploy --workspace ws --auto-approve --no-pass --deploy "$HOOK" \
		--infra infra --allow-destroy in.jsonl
	[ "$(jq -c 'select(.type == "feature.staging_deployed") | .data.plan' <<< "$output")" = \
		'{"add":1,"change":1,"destroy":1,"replace":0}' ]
	[ "$(cut -f2 tf.log | awk '{ print $1 }' | tail -1)" = apply ]
}

# rollout_file STEPS: a canary file; the router appends the weights to w.log
rollout_file() {
	printf '#!/bin/sh\necho "$1 $2" >> "%s/w.log"\n' "$T" > "$T/route"
	chmod +x "$T/route"
	cat > rollout.yaml <<-EOF
		steps: [$1]
		window: 2s
		interval: 1s
		router:
		  type: cmd
		  command: "$T/route {weight} {stable_weight}"
		metrics:
		  health: http://127.0.0.1:$GREEN_PORT/health
		  probe:
		    url: http://127.0.0.1:$GREEN_PORT/
		    requests: 5
	EOF
}

@test "--rollout: canary steps 10, 50, 100 through a cmd router, then production_deployed canary" {
	svc_start green
	rollout_file '10, 50, 100'
	{ tested pass; checked pass; } > in.jsonl
	run -0 --separate-stderr agent-deploy --workspace ws --store "$T/s.db" --auto-approve \
		--rollout rollout.yaml --no-pass in.jsonl
	printf '%s\n' "$output" > out.jsonl
	v=$(of_type feature.staging_deployed | jq -r .data.version)
	jq -r '[.type, .data.step // "", .data.weight // "", .data.phase // .data.strategy // ""] |
		join(" ")' out.jsonl > got
	cat > expect <<-E
		feature.staging_deployed   
		feature.ready_for_production   
		rollout.step 1 10 set
		rollout.step 1 10 passed
		rollout.step 2 50 set
		rollout.step 2 50 passed
		rollout.step 3 100 set
		rollout.step 3 100 passed
		rollout.promoted 3 100 
		feature.production_deployed   canary
	E
	test_cmp expect got
	of_type rollout.step | jq -r '[.subject, .data.version, .data.verdict // "-"] | join(" ")' | sort -u > got
	printf '%s\n' "shop-1a2b $v -" "shop-1a2b $v successful" > expect
	test_cmp expect got
	[ "$(of_type feature.production_deployed | jq -c '.data | [.environment, .version, .strategy]')" = \
		"[\"production\",\"$v\",\"canary\"]" ]
	printf '%s\n' "10 90" "50 50" "100 0" > expect
	test_cmp expect w.log
}

@test "--rollout: progress lines on stderr name agent-deploy" {
	svc_start green
	rollout_file 100
	sed -i 's/^window: 2s/window: 1s/' rollout.yaml
	{ tested pass; checked pass; } > in.jsonl
	run -0 --separate-stderr agent-deploy --workspace ws --store "$T/s.db" --auto-approve \
		--rollout rollout.yaml --no-pass in.jsonl
	[ "$(jq -r 'select(.type == "feature.production_deployed") | .data.strategy' <<< "$output")" = canary ]
	grep -q 'measurement 1/1' <<< "$stderr"
	[ "$(grep -vc '^agent-deploy: ' <<< "$stderr")" -eq 0 ]
}

@test "--rollout without --store is a usage error found before anything is done" {
	printf 'steps: [100]\nrouter: {type: cmd, command: "true {weight}"}\nmetrics: {health: "http://127.0.0.1:9/"}\n' > rollout.yaml
	{ tested pass; checked pass; } > in.jsonl
	run -64 --separate-stderr agent-deploy --workspace ws --auto-approve --deploy "$HOOK" \
		--rollout rollout.yaml in.jsonl
	[ "$output" = "" ]
	[[ "$stderr" == *"--rollout needs a store"* ]]
	[ ! -e ws/shop-1a2b/agent-deploy ]
	[ ! -e deploy.log ]
}

@test "usage errors: exit 64 and a message, nothing done" {
	{ tested pass; checked pass; } > in.jsonl
	run -64 --separate-stderr agent-deploy --workspace ws --feature ../x --store s.db
	[[ "$stderr" == "agent-deploy: bad feature id '../x'"* ]]
	run -64 --separate-stderr agent-deploy --workspace ws --smoke ftp://staging.example in.jsonl
	[[ "$stderr" == "agent-deploy: --smoke wants an http(s) URL, not 'ftp://staging.example'"* ]]
	run -64 --separate-stderr agent-deploy --workspace ws --smoke-requests 0 in.jsonl
	[[ "$stderr" == "agent-deploy: --smoke-requests wants 1 to 100000, not '0'"* ]]
	run -64 --separate-stderr agent-deploy --workspace ws --feature shop-1a2b --store s.db in.jsonl
	[[ "$stderr" == "agent-deploy: --feature takes no input files"* ]]
	run -64 --separate-stderr agent-deploy --workspace ws --feature shop-1a2b
	[ "$stderr" = "agent-deploy: --feature needs a store (--store) to read the feature's test and security results from" ]
	run -64 --separate-stderr agent-deploy --workspace ws --no-such-option in.jsonl
	[ "$output" = "" ]
	[ ! -e ws/shop-1a2b/agent-deploy ]
}

@test "a write error on standard output is exit 74" {
	{ tested pass; checked pass; } > in.jsonl
	run -74 --separate-stderr sh -c 'agent-deploy --workspace ws --auto-approve in.jsonl > /dev/full'
	[[ "$stderr" == *"agent-deploy: write error: No space left on device"* ]]
}

@test "the README's release example runs as written" {
	readme_block "$TOP/README.md" "Releasing" > block
	mkdir readme && cd readme
	ln -s "$TOP/examples" examples
	sh ../block > got 2> err
	# three events, one version from the archive's digest, two environments deployed
	jq -r '[.type, .environment // "-"] | join(" ")' < <(head -3 got) > types
	printf '%s\n' 'feature.staging_deployed staging' 'feature.ready_for_production -' \
		'feature.production_deployed production' > want
	test_cmp want types
	head -3 got | jq -r 'select(.version != null) | .version' | sort -u > versions
	[ "$(wc -l < versions)" = 1 ]
	grep -q '^0\.0\.0+[0-9a-f]\{12\}$' versions
	printf '%s\n' production staging > want
	tail -n +4 got > dirs
	test_cmp want dirs
	# the release is the example folder itself, unpacked
	cmp "$TOP/examples/deploy/nginx.conf" deployments/staging/nginx.conf
}
