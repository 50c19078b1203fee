#!/usr/bin/env bats
# agentctl keys: the API keys of agentctl serve, kept hashed in the store.

bats_require_minimum_version 1.5.0
load helpers/lib

setup() {
	common_setup
	export AGENTKIT_STORE="$T/keys.db"
}

teardown() { common_teardown; }

# add_key NAME [OPTION]...: add a key; its text in $KEY, its id in $ID
add_key() {
	KEY=$(agentctl keys add "$@" 2> "$T/add.err")
	ID=${KEY:3:12}
}

@test "keys add prints the key once, and the store keeps only its hash" {
	run --separate-stderr agentctl keys add ci-bot
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^ak_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$ ]]
	key=$output
	id=${key:3:12}
	[ "$stderr" = "agentctl: key $id added for ci-bot (scopes submit,read); it is shown only once" ]
	printf '%s|ci-bot|%s|submit,read|\n' "$id" "$(printf %s "$key" | sha256sum | cut -d' ' -f1)" > expect
	sqlite3 keys.db "SELECT id, name, hash, scopes, revoked_ms FROM api_keys" > got
	test_cmp expect got
	# the secret part is nowhere in the file
	run ! grep -qF "${key:16}" keys.db
	[ "$(sqlite3 keys.db 'SELECT version FROM schema_version')" = 5 ]
}

@test "two keys are never alike" {
	add_key a
	k1=$KEY
	add_key a
	[ "$KEY" != "$k1" ]
	[ "${KEY:3:12}" != "${k1:3:12}" ]
}

@test "keys list shows a table, and --json one object per key" {
	export SOURCE_DATE_EPOCH=1790000000
	run --separate-stderr agentctl keys list
	[ "$status" -eq 0 ]
	[ "$output" = "ID  NAME  SCOPES  CREATED  REVOKED" ]
	add_key deploy.prod --scope read
	id1=$ID
	export SOURCE_DATE_EPOCH=1790000060
	add_key ci --scope submit
	id2=$ID
	cat > expect <<-EOF
	ID            NAME         SCOPES  CREATED                   REVOKED
	$id1  deploy.prod  read    2026-09-21T14:13:20.000Z  -
	$id2  ci           submit  2026-09-21T14:14:20.000Z  -
	EOF
	agentctl keys list > got
	test_cmp expect got
	cat > expect <<-EOF
	{"id":"$id1","name":"deploy.prod","scopes":"read","created":"2026-09-21T14:13:20.000Z","revoked":null}
	{"id":"$id2","name":"ci","scopes":"submit","created":"2026-09-21T14:14:20.000Z","revoked":null}
	EOF
	agentctl keys list --json > got
	test_cmp expect got
	run ! grep -q hash got
}

@test "keys revoke by id and by name; list --all shows revoked keys" {
	export SOURCE_DATE_EPOCH=1790000000
	add_key web
	web=$ID
	export SOURCE_DATE_EPOCH=1790000001
	add_key ci --scope read+submit
	ci1=$ID
	export SOURCE_DATE_EPOCH=1790000002
	add_key ci --scope read
	ci2=$ID
	export SOURCE_DATE_EPOCH=1790000100
	run --separate-stderr agentctl keys revoke "$web"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$stderr" = "agentctl: revoked 1 key(s)" ]
	export SOURCE_DATE_EPOCH=1790000200
	run --separate-stderr agentctl keys revoke ci
	[ "$status" -eq 0 ]
	[ "$stderr" = "agentctl: revoked 2 key(s)" ]
	agentctl keys list > got
	echo "ID  NAME  SCOPES  CREATED  REVOKED" > expect
	test_cmp expect got
	cat > expect <<-EOF
	ID            NAME  SCOPES       CREATED                   REVOKED
	$web  web   submit,read  2026-09-21T14:13:20.000Z  2026-09-21T14:15:00.000Z
	$ci1  ci    submit,read  2026-09-21T14:13:21.000Z  2026-09-21T14:16:40.000Z
	$ci2  ci    read         2026-09-21T14:13:22.000Z  2026-09-21T14:16:40.000Z
	EOF
	agentctl keys list --all > got
	test_cmp expect got
	cat > expect <<-EOF
	{"id":"$web","name":"web","scopes":"submit,read","created":"2026-09-21T14:13:20.000Z","revoked":"2026-09-21T14:15:00.000Z"}
	{"id":"$ci1","name":"ci","scopes":"submit,read","created":"2026-09-21T14:13:21.000Z","revoked":"2026-09-21T14:16:40.000Z"}
	{"id":"$ci2","name":"ci","scopes":"read","created":"2026-09-21T14:13:22.000Z","revoked":"2026-09-21T14:16:40.000Z"}
	EOF
	agentctl keys list --all --json > got
	test_cmp expect got
}

@test "keys revoke that matches no active key exits 1" {
	run --separate-stderr agentctl keys revoke nobody
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[ "$stderr" = "agentctl: no active key has the id or name 'nobody'" ]
	add_key ci
	agentctl keys revoke "$ID" 2> /dev/null
	run --separate-stderr agentctl keys revoke "$ID"
	[ "$status" -eq 1 ]
	[ "$stderr" = "agentctl: no active key has the id or name '$ID'" ]
	# a revoked key keeps the time it was first revoked
	[ "$(sqlite3 keys.db 'SELECT count(*) FROM api_keys WHERE revoked_ms IS NOT NULL')" = 1 ]
}

@test "usage errors exit 64 and change nothing" {
	run --separate-stderr agentctl keys add ci --scope write
	[ "$status" -eq 64 ]
	[ "$output" = "" ]
	[ "$stderr" = "agentctl: --scope: unknown scope 'write' in 'write' (use submit, read or both)
Try 'agentctl --help' for more information." ]
	run --separate-stderr agentctl keys add ci --scope ''
	[ "$status" -eq 64 ]
	[ "${stderr%%$'\n'*}" = "agentctl: --scope: bad scopes '': an empty name (use submit, read or both)" ]
	run --separate-stderr agentctl keys add 'c i'
	[ "$status" -eq 64 ]
	[ "${stderr%%$'\n'*}" = "agentctl: bad key name 'c i' (1 to 64 of A-Z a-z 0-9 . _ -)" ]
	run --separate-stderr agentctl keys add "$(printf 'n%.0s' $(seq 65))"
	[ "$status" -eq 64 ]
	run --separate-stderr agentctl keys add
	[ "$status" -eq 64 ]
	[ "${stderr%%$'\n'*}" = "agentctl: keys add needs one NAME" ]
	run --separate-stderr agentctl keys revoke
	[ "$status" -eq 64 ]
	[ "${stderr%%$'\n'*}" = "agentctl: keys revoke needs one ID or NAME" ]
	run --separate-stderr agentctl keys list extra
	[ "$status" -eq 64 ]
	run --separate-stderr agentctl keys rotate ci
	[ "$status" -eq 64 ]
	[ "${stderr%%$'\n'*}" = "agentctl: unknown keys command 'rotate'" ]
	run --separate-stderr agentctl keys
	[ "$status" -eq 64 ]
	[ ! -e keys.db ]
	# 64 names, the most there may be
	run --separate-stderr agentctl keys add "$(printf 'n%.0s' $(seq 64))"
	[ "$status" -eq 0 ]
}

@test "keys add leaves the store file's permissions as they were" {
	agentctl keys list > /dev/null
	chmod 600 keys.db
	add_key ci
	[ "$(stat -c %a keys.db)" = 600 ]
	chmod 640 keys.db
	agentctl keys revoke ci 2> /dev/null
	[ "$(stat -c %a keys.db)" = 640 ]
	agentctl keys list > /dev/null
	[ "$(stat -c %a keys.db)" = 640 ]
}

@test "a key that cannot be written out is revoked" {
	run --separate-stderr sh -c 'agentctl keys add ci > /dev/full'
	[ "$status" -eq 74 ]
	id=$(sqlite3 keys.db 'SELECT id FROM api_keys')
	[ "$stderr" = "agentctl: key $id could not be shown, so it was revoked
agentctl: write error: No space left on device" ]
	[ "$(sqlite3 keys.db 'SELECT count(*) FROM api_keys WHERE revoked_ms IS NULL')" = 0 ]
}
