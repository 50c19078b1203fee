#!/usr/bin/env bats
# make install: binaries, share/ data, man pages and completions land under
# PREFIX and DESTDIR, and the installed program runs.

bats_require_minimum_version 1.5.0
load helpers/lib

setup() { common_setup; }
teardown() { common_teardown; }

@test "make install PREFIX=DIR installs everything under DIR" {
	make -s -C "$TOP" install PREFIX="$T/inst" > /dev/null
	(cd "$T/inst" && find . -type f ! -path './share/agentkit/templates/*' | sort) > got
	cat > expect <<-'END'
	./bin/agent-analyze
	./bin/agent-app
	./bin/agent-backend
	./bin/agent-deploy
	./bin/agent-frontend
	./bin/agent-integrate
	./bin/agent-monitor
	./bin/agent-secscan
	./bin/agent-test
	./bin/agentctl
	./share/agentkit/config.yaml.example
	./share/agentkit/prompts/analyze.md
	./share/agentkit/rules/code-c.yaml
	./share/agentkit/rules/code-js.yaml
	./share/agentkit/rules/code-python.yaml
	./share/agentkit/rules/code-sql.yaml
	./share/agentkit/rules/iac-docker.yaml
	./share/agentkit/rules/iac-terraform.yaml
	./share/agentkit/rules/secrets-ai-chat.yaml
	./share/agentkit/rules/secrets-cloud.yaml
	./share/agentkit/rules/secrets-commerce.yaml
	./share/agentkit/rules/secrets-database.yaml
	./share/agentkit/rules/secrets-generic.yaml
	./share/agentkit/rules/secrets-keys.yaml
	./share/agentkit/rules/secrets-vcs-ci.yaml
	./share/bash-completion/completions/agent-analyze
	./share/bash-completion/completions/agent-app
	./share/bash-completion/completions/agent-backend
	./share/bash-completion/completions/agent-deploy
	./share/bash-completion/completions/agent-frontend
	./share/bash-completion/completions/agent-integrate
	./share/bash-completion/completions/agent-monitor
	./share/bash-completion/completions/agent-secscan
	./share/bash-completion/completions/agent-test
	./share/bash-completion/completions/agentctl
	./share/fish/vendor_completions.d/agent-analyze.fish
	./share/fish/vendor_completions.d/agent-app.fish
	./share/fish/vendor_completions.d/agent-backend.fish
	./share/fish/vendor_completions.d/agent-deploy.fish
	./share/fish/vendor_completions.d/agent-frontend.fish
	./share/fish/vendor_completions.d/agent-integrate.fish
	./share/fish/vendor_completions.d/agent-monitor.fish
	./share/fish/vendor_completions.d/agent-secscan.fish
	./share/fish/vendor_completions.d/agent-test.fish
	./share/fish/vendor_completions.d/agentctl.fish
	./share/man/man1/agent-analyze.1
	./share/man/man1/agent-app.1
	./share/man/man1/agent-backend.1
	./share/man/man1/agent-deploy.1
	./share/man/man1/agent-frontend.1
	./share/man/man1/agent-integrate.1
	./share/man/man1/agent-monitor.1
	./share/man/man1/agent-secscan.1
	./share/man/man1/agent-test.1
	./share/man/man1/agentctl.1
	./share/man/man5/agentkit-rules.5
	./share/man/man5/agentkit-templates.5
	./share/man/man7/agentkit.7
	./share/zsh/site-functions/_agent-analyze
	./share/zsh/site-functions/_agent-app
	./share/zsh/site-functions/_agent-backend
	./share/zsh/site-functions/_agent-deploy
	./share/zsh/site-functions/_agent-frontend
	./share/zsh/site-functions/_agent-integrate
	./share/zsh/site-functions/_agent-monitor
	./share/zsh/site-functions/_agent-secscan
	./share/zsh/site-functions/_agent-test
	./share/zsh/site-functions/_agentctl
	END
	test_cmp expect got
	# the stacks, file for file
	(cd "$TOP/share/agentkit/templates" && find . -type f | sort) > expect
	(cd "$T/inst/share/agentkit/templates" && find . -type f | sort) > got
	test_cmp expect got
	[ -x "$T/inst/bin/agentctl" ]
	"$T/inst/bin/agentctl" --version | head -1 | grep -qx 'agentctl [0-9.]*'
	"$T/inst/bin/agent-analyze" --version | head -1 | grep -qx 'agent-analyze [0-9.]*'
	# an installed generator finds the installed stacks
	"$T/inst/bin/agentctl" submit "$TOP/examples/requirements/todo-app.md" |
		"$T/inst/bin/agent-analyze" --workspace ws |
		"$T/inst/bin/agent-backend" --workspace ws > out.jsonl
	dir=$(jq -r 'select(.type == "feature.backend_ready") | .data.dir' out.jsonl)
	[ -s "ws/$dir/app/main.py" ] && [ -s "ws/$dir/openapi.yaml" ]
}

@test "DESTDIR stages the same tree" {
	make -s -C "$TOP" install PREFIX=/usr DESTDIR="$T/stage" > /dev/null
	[ -x "$T/stage/usr/bin/agentctl" ]
	[ -f "$T/stage/usr/share/man/man1/agentctl.1" ]
}

@test "the example configuration loads with no unknown keys" {
	run --separate-stderr agentctl config --config "$TOP/share/agentkit/config.yaml.example"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "$output" == *"llm.model            local                            file ("* ]]
}
