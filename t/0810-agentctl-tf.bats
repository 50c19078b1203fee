#!/usr/bin/env bats
# agentctl tf: init, plan, apply and show of one environment through the
# stand-in t/helpers/fake-terraform, which replays real plan documents from
# the terraform-json test data; the check of plans that delete; scaffold.

bats_require_minimum_version 1.5.0
load helpers/lib

PLANS=/usr/share/gocode/src/github.com/hashicorp/terraform-json/testdata

setup() {
	common_setup
	[ -d "$PLANS" ] || skip "no terraform-json test data in $PLANS (golang-github-hashicorp-terraform-json-dev)"
	export AGENTKIT_TF_BIN=fake-terraform FAKE_TF_LOG="$T/tf.log"
	unset FAKE_TF_FAIL
	mkdir -p infrastructure/environments/dev infrastructure/environments/production
	W="$T/infrastructure/environments/dev"
}
teardown() { common_teardown; }

@test "init runs terraform init in the environment's folder, in automation mode" {
	run -0 --separate-stderr agentctl tf init dev
	[ "$output" = "" ]
	printf '%s\tinit -input=false -no-color\t1\n' "$W" > expect
	test_cmp expect tf.log
}

@test "plan with changes: exit code 2 from terraform, the saved plan checked, one infra.planned event" {
	export FAKE_TF_PLAN="$PLANS/basic/plan.json"
	run -0 --separate-stderr agentctl tf plan dev
	[ "$stderr" = "Plan: 7 to add, 0 to change, 0 to destroy, 0 to replace." ]
	[ "$(wc -l <<< "$output")" -eq 1 ]
	jq -c '[.type, .subject, .source]' <<< "$output" > got
	echo '["infra.planned","dev","agentkit/agentctl"]' > expect
	test_cmp expect got
	jq -c '.data | del(.resources)' <<< "$output" > got
	echo '{"environment":"dev","changes":{"add":7,"change":0,"destroy":0,"replace":0},"plan":"infrastructure/environments/dev/agentkit.tfplan","refused":false,"exit_code":2}' > expect
	test_cmp expect got
	jq -r '.data.resources[] | "\(.actions | join(",")) \(.address)"' <<< "$output" > got
	jq -r '.resource_changes[] | select(.change.actions != ["no-op"]) | "\(.change.actions | join(",")) \(.address)"' \
		"$PLANS/basic/plan.json" > expect
	test_cmp expect got
	test_cmp <(jq -cS . "$PLANS/basic/plan.json") <(jq -cS . "$W/agentkit.tfplan")
	printf '%s\t%s\t1\n' "$W" "plan -input=false -no-color -detailed-exitcode -json -out=agentkit.tfplan" \
		"$W" "show -json -no-color agentkit.tfplan" > expect
	test_cmp expect tf.log
}

@test "plan without changes: exit code 0 from terraform, no resources" {
	export FAKE_TF_PLAN="$PLANS/no_changes/plan.json"
	run -0 --separate-stderr agentctl tf plan dev
	jq -c '.data | [.changes, .resources, .exit_code, .refused]' <<< "$output" > got
	echo '[{"add":0,"change":0,"destroy":0,"replace":0},[],0,false]' > expect
	test_cmp expect got
	[ "$stderr" = "Plan: 0 to add, 0 to change, 0 to destroy, 0 to replace." ]
}

@test "a replace is refused without --allow-destroy and the plan removed; allowed with it" {
	export FAKE_TF_PLAN="$PLANS/config_resource_depends_on/plan.json"
	run -1 --separate-stderr agentctl tf plan dev
	[ "${stderr_lines[1]}" = "agentctl: plan for 'dev' deletes 1 resource (null_resource.bar): refused without --allow-destroy" ]
	jq -c '.data | [.changes, .resources, .plan, .refused]' <<< "$output" > got
	echo '[{"add":0,"change":0,"destroy":0,"replace":1},[{"address":"null_resource.bar","actions":["delete","create"]}],null,true]' > expect
	test_cmp expect got
	[ ! -e "$W/agentkit.tfplan" ]
	run -64 --separate-stderr agentctl tf apply dev
	run -0 --separate-stderr agentctl tf plan --allow-destroy dev
	jq -c '.data | [.changes.replace, .refused]' <<< "$output" > got
	echo '[1,false]' > expect
	test_cmp expect got
	[ -e "$W/agentkit.tfplan" ]
	# apply checks the saved plan again
	run -1 --separate-stderr agentctl tf apply dev
	[ "$stderr" = "agentctl: plan for 'dev' deletes 1 resource (null_resource.bar): refused without --allow-destroy" ]
	[ "$output" = "" ]
	[ -e "$W/agentkit.tfplan" ]
	run -0 --separate-stderr agentctl tf apply --allow-destroy dev
	jq -c '[.type, .data.changes.replace]' <<< "$output" > got
	echo '["infra.applied",1]' > expect
	test_cmp expect got
}

@test "a pure delete is refused too (a plan derived from a real one with jq)" {
	# no fixture has a lone delete: turn two of basic's creates into deletes
	jq '.resource_changes[1].change.actions = ["delete"] | .resource_changes[3].change.actions = ["delete"]' \
		"$PLANS/basic/plan.json" > deletes.json
	export FAKE_TF_PLAN="$T/deletes.json"
	run -1 --separate-stderr agentctl tf plan dev
	[ "${stderr_lines[1]}" = "agentctl: plan for 'dev' deletes 2 resources (module.foo.null_resource.aliased, null_resource.bar): refused without --allow-destroy" ]
	[ "$(jq -c .data.changes <<< "$output")" = '{"add":5,"change":0,"destroy":2,"replace":0}' ]
	[ ! -e "$W/agentkit.tfplan" ]
}

@test "apply applies the saved plan, says infra.applied, and removes the plan" {
	export FAKE_TF_PLAN="$PLANS/basic/plan.json"
	run -0 agentctl tf plan --quiet dev
	: > tf.log
	run -0 --separate-stderr agentctl tf apply dev
	[ "$stderr" = "Apply complete: 7 added, 0 changed, 0 destroyed, 0 replaced." ]
	jq -c '[.type, .subject, .data.environment, .data.changes, (.data.resources | length), (.data.duration_ms | type)]' \
		<<< "$output" > got
	echo '["infra.applied","dev","dev",{"add":7,"change":0,"destroy":0,"replace":0},8,"number"]' > expect
	test_cmp expect got
	[ ! -e "$W/agentkit.tfplan" ]
	printf '%s\t%s\t1\n' "$W" "show -json -no-color agentkit.tfplan" \
		"$W" "apply -input=false -no-color -json agentkit.tfplan" > expect
	test_cmp expect tf.log
	# show without a plan lists the state
	run -0 --separate-stderr agentctl tf show dev
	jq -r '.. | objects | select(has("address") and has("mode")) | .address' \
		<(jq .planned_values "$PLANS/basic/plan.json") | sort > expect
	sort <<< "$output" > got
	test_cmp expect got
}

@test "apply without a saved plan says to plan first" {
	run -64 --separate-stderr agentctl tf apply dev
	[ "$stderr" = "agentctl: no saved plan for 'dev': run 'agentctl tf plan dev' first" ]
	[ ! -e tf.log ]
}

@test "show prints the saved plan as a table, or as JSON" {
	export FAKE_TF_PLAN="$PLANS/config_resource_depends_on/plan.json"
	run -0 agentctl tf plan --quiet --allow-destroy dev
	run -0 --separate-stderr agentctl tf show dev
	cat > expect <<-'E'
		ACTION   ADDRESS
		replace  null_resource.bar
		no-op    null_resource.foo
		Plan: 0 to add, 0 to change, 0 to destroy, 1 to replace.
	E
	test_cmp expect <(printf '%s\n' "$output")
	run -0 --separate-stderr agentctl tf show --json dev
	jq -c . <<< "$output" > got
	echo '{"changes":{"add":0,"change":0,"destroy":0,"replace":1},"read":0,"no_op":1,"forget":0,"resources":[{"address":"null_resource.bar","actions":["delete","create"]},{"address":"null_resource.foo","actions":["no-op"]}],"environment":"dev","plan":"infrastructure/environments/dev/agentkit.tfplan"}' > expect
	test_cmp expect got
}

@test "a failing terraform: its diagnostic on stderr, exit 70, no plan left" {
	export FAKE_TF_PLAN="$PLANS/basic/plan.json" FAKE_TF_FAIL=plan
	run -70 --separate-stderr agentctl tf plan dev
	[ "$output" = "" ]
	[ "$stderr" = "agentctl: terraform: Error: fake plan failure
agentctl: terraform plan for 'dev' failed: exited with status 1" ]
	[ ! -e "$W/agentkit.tfplan" ]
	unset FAKE_TF_FAIL
	run -0 agentctl tf plan --quiet dev
	export FAKE_TF_FAIL=apply
	run -70 --separate-stderr agentctl tf apply dev
	[ "$output" = "" ]
	[ "$stderr" = "agentctl: terraform: Error: fake apply failure
agentctl: terraform apply for 'dev' failed: exited with status 1" ]
	export FAKE_TF_FAIL=init
	run -70 --separate-stderr agentctl tf init dev
	[ "$stderr" = "agentctl: terraform: Error: fake init failure
agentctl: terraform init for 'dev' failed: exited with status 1" ]
}

@test "a missing program is unavailable (69)" {
	run -69 --separate-stderr agentctl tf init --tf-bin "$T/no-such-terraform" dev
	[ "$stderr" = "agentctl: cannot run '$T/no-such-terraform': No such file or directory" ]
}

@test "bad environment names and missing environments are usage errors" {
	for env in ../x x/y Dev '' .; do
		run -64 --separate-stderr agentctl tf plan "$env"
		[ "${stderr_lines[0]}" = "agentctl: bad environment name '$env' (use a-z, 0-9, '_', '-')" ]
	done
	run -64 --separate-stderr agentctl tf plan staging
	[ "$stderr" = "agentctl: no environment 'staging' in 'infrastructure/environments'" ]
	run -64 --separate-stderr agentctl tf plan --dir elsewhere dev
	[ "$stderr" = "agentctl: no environment 'dev' in 'elsewhere/environments'" ]
	run -64 --separate-stderr agentctl tf plan
	run -64 --separate-stderr agentctl tf frobnicate dev
	[ ! -e tf.log ]
}

@test "scaffold writes the layout, keeps what exists, overwrites with --force" {
	rm -rf infrastructure
	run -0 --separate-stderr agentctl tf scaffold
	[ "$stderr" = "" ]
	{
		for e in dev staging production; do
			for f in main.tf variables.tf outputs.tf backend.tf terraform.tfvars; do
				echo "infrastructure/environments/$e/$f"
			done
		done
		for m in vpc eks rds elasticache s3 security monitoring; do
			for f in main.tf variables.tf outputs.tf; do echo "infrastructure/modules/$m/$f"; done
		done
		for g in dns cdn waf; do echo "infrastructure/global/$g/main.tf"; done
		for s in deploy destroy backup migrate; do echo "infrastructure/scripts/$s.sh"; done
	} > expect
	test_cmp expect <(printf '%s\n' "$output")
	find infrastructure -type f | sort > got
	sort expect | test_cmp - got
	for s in deploy destroy backup migrate; do [ -x "infrastructure/scripts/$s.sh" ]; done
	[ ! -x infrastructure/modules/vpc/main.tf ]
	grep -qF 'key          = "production/terraform.tfstate"' infrastructure/environments/production/backend.tf
	grep -qx 'db_multi_az              = true' infrastructure/environments/production/terraform.tfvars
	grep -qx 'db_multi_az              = false' infrastructure/environments/dev/terraform.tfvars
	! grep -r '@ENV@' infrastructure
	for s in infrastructure/scripts/*.sh; do sh -n "$s"; done

	echo mine > infrastructure/modules/vpc/main.tf
	run -0 --separate-stderr agentctl tf scaffold
	[ "$output" = "" ]
	[ "${#stderr_lines[@]}" -eq 43 ]
	[ "${stderr_lines[15]}" = "agentctl: infrastructure/modules/vpc/main.tf: exists, kept" ]
	[ "$(cat infrastructure/modules/vpc/main.tf)" = mine ]

	chmod -x infrastructure/scripts/deploy.sh
	run -0 --separate-stderr agentctl tf scaffold --force --dir infrastructure
	test_cmp expect <(printf '%s\n' "$output")
	[ "$(head -c 5 infrastructure/modules/vpc/main.tf)" = "# A V" ]
	[ -x infrastructure/scripts/deploy.sh ]
}

@test "the scaffold is formatted Terraform (when terraform is installed)" {
	command -v terraform > /dev/null || skip "terraform is not installed"
	run -0 agentctl tf scaffold --dir infra
	run -0 --separate-stderr terraform fmt -check -recursive infra
	[ "$output" = "" ]
}

@test "scripts/deploy.sh plans and applies through agentctl tf" {
	run -0 agentctl tf scaffold --dir infra
	export FAKE_TF_PLAN="$PLANS/deep_module/plan.json"
	run -0 --separate-stderr infra/scripts/deploy.sh staging
	jq -r .type <<< "$output" > got
	printf 'infra.planned\ninfra.applied\n' > expect
	test_cmp expect got
	cut -f2 tf.log | cut -d' ' -f1 > got
	printf 'init\nplan\nshow\nshow\napply\n' > expect
	test_cmp expect got
}
