#!/usr/bin/env bats
# agent-backend: the contract, the schemas and a service that passes its
# own tests, generated from agent-analyze's entity model; regeneration
# keeps a user's edits.

bats_require_minimum_version 1.5.0
load helpers/lib

setup() {
	common_setup
	# the generated service runs on Debian's python3 and its packages
	PY=/usr/bin/python3
}
teardown() {
	# a service a test started is stopped whatever the test's outcome
	if [ -f "$T/svc.pid" ]; then
		kill -TERM -- -"$(cat "$T/svc.pid")" 2> /dev/null || :
	fi
	common_teardown
}

# analyze DOC: requirement.analyzed for an example document into an.jsonl
analyze() {
	agentctl submit "$TOP/examples/requirements/$1" | agent-analyze --workspace ws > an.jsonl
}

# The one feature.backend_ready event of out.jsonl, as JSON.
ready() {
	jq -c 'select(.type == "feature.backend_ready")' out.jsonl
}

@test "task board: contract, schemas, endpoints and start info in feature.backend_ready" {
	analyze task-board.md
	agent-backend --workspace ws an.jsonl > out.jsonl
	ready > ev.json
	dir=$(jq -r .data.dir ev.json)
	[ "$(jq -r .data.openapi.path ev.json)" = "$dir/openapi.yaml" ]
	jq -c '.data.schema.checked' ev.json > got
	echo '["sqlite"]' > expect
	test_cmp expect got
	jq -r '.data.endpoints[] | "\(.method) \(.path) \(.operation_id)"' ev.json > got
	cat > expect <<-'END'
	GET /health health
	GET /metrics metrics
	GET /tasks listTasks
	POST /tasks createTask
	GET /tasks/{id} getTask
	PUT /tasks/{id} updateTask
	DELETE /tasks/{id} deleteTask
	GET /projects listProjects
	POST /projects createProject
	GET /projects/{id} getProject
	PUT /projects/{id} updateProject
	DELETE /projects/{id} deleteProject
	END
	test_cmp expect got
	jq -c '.data.start' ev.json > got
	echo "{\"argv\":[\"python3\",\"-m\",\"uvicorn\",\"app.main:app\",\"--host\",\"127.0.0.1\",\"--port\",\"8000\"],\"port\":8000,\"health\":\"/health\",\"cwd\":\"$dir\",\"scratch_env\":{\"DATABASE_URL\":\":memory:\"}}" > expect
	test_cmp expect got
	# every artifact is there with its digest
	jq -r '.data.artifacts[] | "\(.sha256)  ws/\(.path)"' ev.json | sha256sum -c --quiet
}

@test "the contract is OpenAPI 3.1 YAML whose schemas carry the model's constraints" {
	analyze task-board.md
	agent-backend --workspace ws an.jsonl > out.jsonl
	dir=$(ready | jq -r .data.dir)
	$PY -c 'import sys, yaml, json; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)' \
		"ws/$dir/openapi.yaml" > doc.json
	[ "$(jq -r .openapi doc.json)" = 3.1.0 ]
	jq -c '.components.schemas.TaskInput.required' doc.json > got
	echo '["title"]' > expect
	test_cmp expect got
	jq -c '.components.schemas.TaskInput.properties.title' doc.json > got
	echo '{"title":"Title","type":"string","maxLength":255,"minLength":1}' > expect
	test_cmp expect got
	jq -r '.paths["/tasks/{id}"].get.responses["404"]["$ref"]' doc.json > got
	echo '#/components/responses/NotFound' > expect
	test_cmp expect got
}

@test "the SQLite schema creates every table with its keys" {
	analyze task-board.md
	agent-backend --workspace ws an.jsonl > out.jsonl
	schema=ws/$(ready | jq -r .data.schema.sqlite)
	sqlite3 db.sqlite < "$schema"
	sqlite3 db.sqlite "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name" > got
	printf 'projects\ntasks\n' > expect
	test_cmp expect got
	sqlite3 db.sqlite "PRAGMA foreign_key_list(tasks)" | cut -d'|' -f3,4,5 > got
	echo 'projects|project_id|id' > expect
	test_cmp expect got
}

@test "the generated service passes its own tests with coverage" {
	analyze task-board.md
	agent-backend --workspace ws an.jsonl > out.jsonl
	cd "ws/$(ready | jq -r .data.dir)"
	run $PY -m pytest -q --cov=app --cov-branch -p no:cacheprovider
	echo "$output" | tail -5
	[ "$status" -eq 0 ]
	[[ "$output" =~ [0-9]+\ passed ]]
	[[ "$output" =~ "Required test coverage" ]]
}

@test "hostile names: keywords, a required foreign key, an enum with duplicates, a self reference" {
	cat > an.json <<-'END'
	{"title":"Odd shop","entities":[
	 {"name":"Order","fields":[{"name":"from","type":"string","required":true},
	  {"name":"class","type":"enum","values":["a b","A-B","new"],"required":true},
	  {"name":"date","type":"date"},{"name":"total","type":"money"},
	  {"name":"customer","type":"id","required":true}],
	  "relations":[{"kind":"belongs_to","entity":"Customer"},{"kind":"belongs_to","entity":"Order"}]},
	 {"name":"Customer","fields":[{"name":"email","type":"email","required":true,"unique":true}],
	  "relations":[{"kind":"has_many","entity":"Order"}]}]}
	END
	jq -c '{specversion:"1.0", id:"a1", source:"t", type:"requirement.analyzed",
		subject:"odd-shop-0001", data:.}' an.json > an.jsonl
	agent-backend --workspace ws an.jsonl > out.jsonl
	cd "ws/$(ready | jq -r .data.dir)"
	run $PY -m pytest -q -p no:cacheprovider
	echo "$output" | tail -5
	[ "$status" -eq 0 ]
}

@test "a rerun rewrites nothing it may not: edits are kept, --force overwrites, .agentkitignore protects" {
	analyze task-board.md
	agent-backend --workspace ws an.jsonl > out.jsonl
	dir=ws/$(ready | jq -r .data.dir)
	n=$(ready | jq '.data.artifacts | length')
	agent-backend --workspace ws an.jsonl > out.jsonl
	[ "$(ready | jq '.data.artifacts | length')" -eq "$n" ]
	[ "$(ready | jq -c .data.kept)" = "[]" ]
	echo '# my change' >> "$dir/app/main.py"
	printf '# generated tests are mine now\ntests/\n' > "$dir/.agentkitignore"
	rm "$dir/tests/conftest.py"
	agent-backend --workspace ws an.jsonl > out.jsonl
	ready | jq -c '.data.kept[]' > got
	echo "{\"path\":\"${dir#ws/}/app/main.py\",\"reason\":\"changed since it was generated\"}" > expect
	test_cmp expect got
	[ "$(tail -1 "$dir/app/main.py")" = '# my change' ]
	[ ! -e "$dir/tests/conftest.py" ]
	ready | jq -r '.data.ignored[]' | grep -qx "${dir#ws/}/tests/conftest.py"
	agent-backend --workspace ws --force an.jsonl > out.jsonl
	[ "$(ready | jq -c .data.kept)" = "[]" ]
	[ "$(tail -1 "$dir/app/main.py")" != '# my change' ]
}

@test "an analysis without entities is rejected and the stream goes on" {
	echo '{"specversion":"1.0","id":"a","source":"t","type":"requirement.analyzed","subject":"x-0001","data":{"title":"x","entities":[]}}' > in.jsonl
	echo '{"specversion":"1.0","id":"z","source":"t","type":"other.thing"}' >> in.jsonl
	run -65 --separate-stderr agent-backend --workspace ws in.jsonl
	echo "$output" | jq -r 'select(.type == "agent.rejected") | .data.reason' > got
	echo 'requirement.analyzed: the analysis has no entities to build an API on' > expect
	test_cmp expect got
	echo "$output" | grep -q '"type":"other.thing"'
}

@test "a stack of the user's own: --templates DIR, with a partial and escaping by language" {
	analyze task-board.md
	mkdir -p mine/files/docs mine/partials
	printf '{{#entities}}\n{{> row}}\n{{/entities}}\n' > mine/files/docs/list.md.mustache
	printf -- '- {{name}} at {{path}}\n' > mine/partials/row.mustache
	printf 'TITLE = "{{title}}"\n' > mine/files/title.py.mustache
	agent-backend --workspace ws --templates mine an.jsonl > out.jsonl
	dir=ws/$(ready | jq -r .data.dir)
	printf -- '- Task at /tasks\n- Project at /projects\n' > expect
	test_cmp expect "$dir/docs/list.md"
	$PY -c "import runpy; print(runpy.run_path('$dir/title.py')['TITLE'])" > got
	jq -r 'select(.type=="requirement.analyzed") | .data.title' an.jsonl > expect
	test_cmp expect got
}

@test "a template with an unknown name fails the input with the file and line" {
	analyze task-board.md
	mkdir -p bad/files
	printf 'ok\n{{nope}}\n' > bad/files/x.txt.mustache
	run agent-backend --workspace ws --templates bad an.jsonl
	[ "$status" -ne 0 ]
	[[ "$output" =~ "files/x.txt.mustache:2: unknown name 'nope'" ]]
}

@test "with a PostgreSQL store the schema is also run there, and a server that is away fails the input" {
	command -v initdb > /dev/null || [ -x /usr/lib/postgresql/15/bin/initdb ] ||
		skip "no PostgreSQL server binaries"
	analyze task-board.md
	with-pg sh -c 'AGENTKIT_STORE="$AGENTKIT_TEST_PG" agent-backend --workspace ws an.jsonl' > out.jsonl
	[ "$(ready | jq -c .data.schema.checked)" = '["sqlite","postgres"]' ]
	run -69 --separate-stderr env AGENTKIT_STORE='postgresql://127.0.0.1:1/x?connect_timeout=2' \
		agent-backend --workspace ws an.jsonl
	[[ "$stderr" =~ "cannot reach PostgreSQL to check the schema" ]]
}

@test "the service starts as the event says: health, items over HTTP, Prometheus metrics" {
	analyze task-board.md
	port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	agent-backend --workspace ws --port "$port" an.jsonl > out.jsonl
	ready | jq -r '.data.start.argv[]' > argv
	[ "$(sed -n 8p argv)" = "$port" ]
	cd "ws/$(ready | jq -r .data.start.cwd)"
	# Debian's python3 and its packages run the service
	(PATH=/usr/bin:$PATH DATABASE_URL="$T/svc.db" exec setsid $(cat "$T/argv") \
		> "$T/svc.out" 2> "$T/svc.err") &
	echo $! > "$T/svc.pid"
	for _ in $(seq 100); do
		curl -fsS "http://127.0.0.1:$port/health" > "$T/health" 2> /dev/null && break
		sleep 0.1
	done
	echo '{"status":"ok"}' > "$T/expect"
	jq -c . "$T/health" > "$T/got"
	test_cmp "$T/expect" "$T/got"
	curl -fsS -X POST -H 'content-type: application/json' -d '{"title":"Ship it"}' \
		"http://127.0.0.1:$port/tasks" | jq -c '{id, title}' > "$T/got"
	echo '{"id":1,"title":"Ship it"}' > "$T/expect"
	test_cmp "$T/expect" "$T/got"
	code=$(curl -s -o "$T/problem" -w '%{http_code} %{content_type}' "http://127.0.0.1:$port/tasks/99")
	[ "$code" = "404 application/problem+json" ]
	[ "$(jq -r .status "$T/problem")" = 404 ]
	curl -fsS "http://127.0.0.1:$port/metrics" > "$T/metrics"
	grep -q '^http_requests_total{.*status="201".*} 1' "$T/metrics"
	if command -v promtool > /dev/null; then
		promtool check metrics < "$T/metrics"
	fi
	# one JSON object per request on stderr
	grep '"path"' "$T/svc.err" | head -1 | jq -e '.status and .method and .duration_ms' > /dev/null
}

@test ".agentkitignore: a name matches at any depth, a leading / only at the top, dir/ only folders" {
	analyze task-board.md
	agent-backend --workspace ws an.jsonl > out.jsonl
	dir=ws/$(ready | jq -r .data.dir)
	printf '# comments and blank lines are skipped\n\n/__init__.py\nrouters/\n*.ini\n' > "$dir/.agentkitignore"
	rm "$dir/app/__init__.py" "$dir/app/routers/task.py" "$dir/pytest.ini"
	agent-backend --workspace ws an.jsonl > out.jsonl
	ready | jq -r '.data.ignored[]' | sed "s|^${dir#ws/}/||" | sort > got
	cat > expect <<-'END'
	app/routers/__init__.py
	app/routers/project.py
	app/routers/task.py
	pytest.ini
	END
	test_cmp expect got
	# /__init__.py is the top one only: app/__init__.py is written again
	[ -f "$dir/app/__init__.py" ]
	[ ! -e "$dir/app/routers/task.py" ] && [ ! -e "$dir/pytest.ini" ]
}

@test "an entity whose table would start with sqlite_ gets a table SQLite accepts" {
	printf '%s\n' '{"specversion":"1.0","id":"x","source":"t","type":"requirement.analyzed","subject":"f-1","time":"2026-11-26T12:00:00.000Z","data":{"stories":[],"nfrs":[],"questions":[],"entities":[{"name":"SqliteProject","fields":[{"name":"name","type":"string","required":true}],"relations":[]}]}}' > in.jsonl
	run -0 --separate-stderr agent-backend --workspace ws in.jsonl
	[ "$(tail -1 <<< "$output" | jq -r .type)" = feature.backend_ready ]
	grep -q '^CREATE TABLE IF NOT EXISTS "t_sqlite_projects" (' ws/f-1/agent-backend/app/schema_sqlite.sql
	grep -q '^CREATE TABLE IF NOT EXISTS "t_sqlite_projects" (' ws/f-1/agent-backend/app/schema_postgres.sql
}
