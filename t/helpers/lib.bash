# t/helpers/lib.bash - shared setup for the bats tests.
#
# Each test runs in its own temporary directory ($T) with a clean agentkit
# environment: no user or project configuration, no SOURCE_DATE_EPOCH
# unless the test sets it.

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
export PATH="$TOP/bin:$TOP/t/helpers:$PATH"

common_setup() {
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/agentkit.XXXXXX")
	export XDG_CONFIG_HOME="$T/xdg" XDG_CACHE_HOME="$T/cache" HOME="$T/home"
	mkdir -p "$HOME"
	unset SOURCE_DATE_EPOCH AGENTKIT_WORKSPACE AGENTKIT_STORE AGENTKIT_ENGINE \
		AGENTKIT_LOG_LEVEL AGENTKIT_LOG_FORMAT AGENTKIT_MAX_LINE AGENTKIT_SOURCE \
		OPENAI_API_KEY ANTHROPIC_API_KEY
	for v in $(env | sed -n 's/^\(AGENTKIT_LLM_[A-Z_]*\)=.*/\1/p'); do
		unset "$v"
	done
	cd "$T"
}

# fake_llm_start [fake-llm options]: start the stand-in model server with
# its request log in $T/requests.jsonl, and point AGENTKIT_LLM_URL at it.
fake_llm_start() {
	rm -f "$T/llm.port"
	fake-llm --port-file "$T/llm.port" --log "$T/requests.jsonl" "$@" > /dev/null &
	FAKE_LLM_PID=$!
	for _ in $(seq 100); do
		[ -s "$T/llm.port" ] && break
		sleep 0.05
	done
	[ -s "$T/llm.port" ] || { echo "fake-llm did not start" >&2; return 1; }
	export AGENTKIT_LLM_URL="http://127.0.0.1:$(cat "$T/llm.port")/v1"
}

fake_llm_stop() {
	if [ -n "${FAKE_LLM_PID:-}" ]; then
		kill "$FAKE_LLM_PID" 2>/dev/null || true
		wait "$FAKE_LLM_PID" 2>/dev/null || true
		FAKE_LLM_PID=
	fi
}

# How many requests the fake server has received.
llm_requests() {
	if [ -f "$T/requests.jsonl" ]; then wc -l < "$T/requests.jsonl"; else echo 0; fi
}

common_teardown() {
	cd /
	rm -rf "$T"
}

# test_cmp EXPECT ACTUAL: fail showing the difference
test_cmp() {
	diff -u "$1" "$2"
}

# A valid event line with the given type and subject.
mkevent() {
	printf '{"specversion":"1.0","id":"%s","source":"t/bats","type":"%s","subject":"%s","time":"2026-11-26T12:00:00.000Z","data":{"n":1}}\n' \
		"${3:-e1}" "$1" "${2:-feature-1}"
}

# The store under test: a SQLite file, or with STORE_BACKEND=postgres a
# fresh database on the server that store_setup_file started (t/helpers/pg).
store_setup_file() {
	if [ "${STORE_BACKEND:-sqlite}" = postgres ]; then
		PGDIR=$(mktemp -d "${BATS_TMPDIR:-/tmp}/agentkit-pg.XXXXXX")
		export PGDIR
		pg start "$PGDIR" > /dev/null
	fi
}

store_teardown_file() {
	if [ -n "${PGDIR:-}" ]; then
		pg stop "$PGDIR"
		rm -rf "$PGDIR"
	fi
}

store_setup() {
	if [ "${STORE_BACKEND:-sqlite}" = postgres ]; then
		AGENTKIT_STORE=$(pg createdb "$PGDIR" "t${BATS_TEST_NUMBER}_$$")
	else
		AGENTKIT_STORE="$T/events.db"
	fi
	export AGENTKIT_STORE
}

# Count the events in the store.
store_count() {
	agentctl log --json | wc -l
}

# run_session LIMIT SCRIPT OUT ERR: run the shell text SCRIPT with sh from
# the current directory in a session of its own, for at most LIMIT seconds,
# stdout to OUT and stderr to ERR, temporary files in $T/tmp, and print its
# exit status. SCRIPT may start a program in the background (an example
# starting "agentctl kafka mock") but must stop it: a process of its session
# still running a few seconds after it ended is named on ERR and killed, and
# the status is then 125.
run_session() {
	local limit=$1 pidfile="$T/session.pid" status=0 sid i
	mkdir -p "$T/tmp"
	rm -f "$pidfile"
	TMPDIR="$T/tmp" timeout -k 5 "$limit" setsid sh -c 'echo $$ > "$1"; exec sh -c "$2"' \
		_ "$pidfile" "$2" > "$3" 2> "$4" < /dev/null || status=$?
	sid=$(cat "$pidfile" 2> /dev/null) || sid=
	[ -n "$sid" ] || { echo "did not start" >> "$4"; echo 125; return; }
	for i in $(seq 50); do
		kill -0 -- "-$sid" 2> /dev/null || break
		sleep 0.1
	done
	if kill -0 -- "-$sid" 2> /dev/null; then
		{ echo "left processes running:"; ps -o pid,args -s "$sid"; } >> "$4"
		kill -KILL -- "-$sid" 2> /dev/null || true
		status=125
	fi
	echo "$status"
}

# readme_block FILE SECTION: the lines of the Nth (default first) ``` code block of the
# "## SECTION" section of FILE (up to the next "## " heading).
readme_block() {
	awk -v head="## $2" -v want="${3:-1}" '
		$0 == head { on = 1; next }
		on && /^## / { exit }
		on && /^```/ { if (inblock) { if (n == want) exit; inblock = 0; next }
			inblock = 1; n++; next }
		on && inblock && n == want' "$1"
}
