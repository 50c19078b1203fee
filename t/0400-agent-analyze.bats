#!/usr/bin/env bats
# agent-analyze: requirement documents to stories, criteria, NFRs, an
# entity model and questions; --lint and --classify.

bats_require_minimum_version 1.5.0
load helpers/lib

setup() {
	common_setup
	export AGENTKIT_WORKSPACE="$T/work"
}
teardown() { common_teardown; }

# A small document that exercises every part of the analysis.
small_doc() {
	cat <<-'END'
	# Task list

	## Goals

	Help small teams keep track of their work.

	## Tasks

	A task has a title, a due date and a priority (low, medium or high).
	A project has many tasks.

	- Users must be able to create, edit and delete tasks.
	- A task cannot be due in the past.
	- Team leads should be able to assign a task to a member, so that work is shared.
	- The system shall send a reminder when a task is due tomorrow.

	As a member, I want to mark a task as done, so that my team sees progress.

	## Quality

	- The list must load within 2 seconds.
	- The app should be user-friendly.
	- Reports are exported etc.
	END
}

analyze_item() {
	jq -cn --arg title "$1" --arg text "$2" '{title: $title, text: $text}' |
		agent-analyze --no-pass
}

@test "a document becomes stories with criteria, NFRs, entities and questions" {
	small_doc > doc.md
	agentctl submit doc.md | agent-analyze --no-pass > out.jsonl
	[ "$(jq -r .type out.jsonl)" = requirement.analyzed ]
	[ "$(jq -r .subject out.jsonl)" = "$(agentctl submit doc.md | jq -r .subject)" ]
	jq -r '.data.stories[] | "\(.id) \(.priority) \(.text)"' out.jsonl > got
	cat > expect <<-'END'
	US-1 must As a user, I want to create tasks.
	US-2 must As a user, I want to edit tasks.
	US-3 must As a user, I want to delete tasks.
	US-4 should As a team lead, I want to assign a task to a member, so that work is shared.
	US-5 must As a user, I want to have the system send a reminder.
	US-6 must As a member, I want to mark a task as done, so that my team sees progress.
	END
	test_cmp expect got
	jq -r '.data.stories[] | .id as $id | .acceptance[] | "\($id): Given \(.given) When \(.when) Then \(.then)"' \
		out.jsonl > got
	cat > expect <<-'END'
	US-1: Given a user When they create tasks Then the new task is saved and they can see it
	US-1: Given a user When they create tasks Then a task cannot be due in the past
	US-2: Given a user When they edit tasks Then the task shows their changes
	US-2: Given a user When they edit tasks Then a task cannot be due in the past
	US-3: Given a user When they delete tasks Then the task no longer appears
	US-4: Given a team lead When they assign a task to a member Then the task is assigned to a member
	US-4: Given a team lead When they assign a task to a member Then a task cannot be due in the past
	US-5: Given a user When a task is due tomorrow Then the system sends a reminder
	US-6: Given a member When they mark a task as done Then the task is marked as done
	END
	test_cmp expect got
	jq -c '.data.nfrs[] | [.id, .category, .measurable, .cue]' out.jsonl > got
	cat > expect <<-'END'
	["NFR-1","performance",true,"within 2 seconds"]
	["NFR-2","usability",false,"user-friendly"]
	END
	test_cmp expect got
	jq -c '.data.entities' out.jsonl > got
	echo '[{"name":"Task","fields":[{"name":"title","type":"string","required":false,"unique":false},{"name":"due_date","type":"date","required":false,"unique":false},{"name":"priority","type":"enum","required":false,"unique":false,"values":["low","medium","high"]}],"relations":[{"kind":"belongs_to","entity":"Project"}]},{"name":"Project","fields":[],"relations":[{"kind":"has_many","entity":"Task"}]}]' > expect
	test_cmp expect got
	jq -r '.data.questions[] | "\(.id) \(.kind) \(.cue)"' out.jsonl > got
	cat > expect <<-'END'
	Q-1 passive is shared
	Q-2 vague user-friendly
	Q-3 nfr_without_measure 
	Q-4 passive are exported
	Q-5 vague etc.
	END
	test_cmp expect got
	[ "$(jq -c .data.goals out.jsonl)" = '["Help small teams keep track of their work."]' ]
	[ "$(jq -r .data.engine out.jsonl)" = rules ]
}

@test "the artifacts are in the workspace, named with their digests" {
	small_doc > doc.md
	agentctl submit doc.md | agent-analyze --no-pass > out.jsonl
	feature=$(jq -r .subject out.jsonl)
	jq -r '.data.artifacts[] | "\(.sha256)  \(.path)"' out.jsonl > sums
	(cd work && sha256sum -c --quiet ../sums)
	jq -r '.data.artifacts[] | "\(.path) \(.media_type)"' out.jsonl | sed "s,^$feature/,," > got
	cat > expect <<-'END'
	agent-analyze/requirements.md text/markdown
	agent-analyze/stories.feature text/x-gherkin
	agent-analyze/model.json application/json
	agent-analyze/wireframes/index.html text/html
	agent-analyze/wireframes/task-list.html text/html
	agent-analyze/wireframes/task-detail.html text/html
	agent-analyze/wireframes/task-form.html text/html
	agent-analyze/wireframes/project-list.html text/html
	agent-analyze/wireframes/project-detail.html text/html
	agent-analyze/wireframes/project-form.html text/html
	END
	test_cmp expect got
	dir="work/$feature/agent-analyze"
	# the model file is the event's entity model
	jq -S '{entities: .data.entities}' out.jsonl > expect
	jq -S . "$dir/model.json" > got
	test_cmp expect got
	# one scenario per criterion, tagged with the story
	[ "$(grep -c '^ *Scenario:' "$dir/stories.feature")" -eq \
		"$(jq '[.data.stories[].acceptance[]] | length' out.jsonl)" ]
	grep -q '^ *@US-4 @should$' "$dir/stories.feature"
	grep -qx '## User stories' "$dir/requirements.md"
	grep -q 'US-6' "$dir/requirements.md"
	grep -q '<input type="date"' "$dir/wireframes/task-form.html"
	grep -q '<option value="medium">medium</option>' "$dir/wireframes/task-form.html"
}

@test "the examples give byte-identical events and files under SOURCE_DATE_EPOCH" {
	export SOURCE_DATE_EPOCH=1700000000
	for run in a b; do
		agentctl submit "$TOP"/examples/requirements/*.md |
			AGENTKIT_WORKSPACE="$T/$run" agent-analyze > "$run.jsonl"
	done
	cmp a.jsonl b.jsonl
	diff -r a b
	n=$(ls "$TOP"/examples/requirements/*.md | wc -l)
	[ "$(jq -r 'select(.type == "requirement.analyzed") | .subject' a.jsonl | wc -l)" -eq "$n" ]
	# every example has stories, criteria, NFRs, entities and questions
	jq -e 'select(.type == "requirement.analyzed") | .data |
		(.stories | length) >= 4 and ([.stories[].acceptance[]] | length) >= 4 and
		(.nfrs | length) >= 2 and (.entities | length) >= 1 and (.questions | length) >= 1' \
		a.jsonl > checks
	! grep -q false checks
	# the input events pass through first, byte for byte
	unset SOURCE_DATE_EPOCH
	agentctl submit "$TOP"/examples/requirements/*.md > in.jsonl
	agent-analyze < in.jsonl | jq -c 'select(.type == "requirement.submitted")' > passed
	jq -c . in.jsonl > expect
	test_cmp expect passed
}

@test "work items are wrapped, analysed, and other events pass through" {
	mkevent feature.tested > in.jsonl
	echo '{"title":"Tasks","text":"Users can create tasks. A task has a title."}' >> in.jsonl
	agent-analyze < in.jsonl > out.jsonl
	jq -r .type out.jsonl > got
	printf '%s\n' feature.tested requirement.submitted requirement.analyzed > expect
	test_cmp expect got
	head -1 in.jsonl > expect
	head -1 out.jsonl > got
	test_cmp expect got
	# the analysis answers the wrapper
	[ "$(jq -r 'select(.type == "requirement.analyzed") | .causationid' out.jsonl)" = \
		"$(jq -r 'select(.type == "requirement.submitted") | .id' out.jsonl)" ]
	[ "$(jq -r 'select(.type == "requirement.analyzed") | .data.stories[0].text' out.jsonl)" = \
		"As a user, I want to create tasks." ]
	# plain text is read by paragraphs and list items
	printf 'Export\n\n- Users can export reports as CSV.\n- Admins can delete users.\n' > doc.txt
	agentctl submit doc.txt | agent-analyze --no-pass | jq -r '.data.stories[].text' > got
	printf '%s\n' "As a user, I want to export reports as CSV." \
		"As an admin, I want to delete users." > expect
	test_cmp expect got
}

@test "empty, binary and missing texts are rejected and the stream goes on" {
	{
		echo '{"title":"Empty","text":""}'
		echo '{"title":"Binary","text":"abc\u0000def"}'
		echo 'not json'
		echo '{"title":"Fine","text":"Users can log in."}'
	} > in.jsonl
	run -65 --separate-stderr agent-analyze --no-pass < in.jsonl
	jq -r '[.type, .data.line, .data.reason // .data.title] | @tsv' <<< "$output" > got
	printf '%s\t%s\t%s\n' \
		requirement.submitted '' Empty \
		agent.rejected 1 "requirement.submitted: the requirement text is empty" \
		agent.rejected 2 'a string holds a NUL character (\\u0000)' \
		agent.rejected 3 "not valid JSON: invalid literal at byte 1" \
		requirement.submitted '' Fine \
		requirement.analyzed '' Fine > expect
	test_cmp expect got
	# each one said so on stderr, with its line
	[ "$(grep -c 'rejected' <<< "$stderr")" -eq 3 ]
	# a requirement event without a text
	mkevent requirement.submitted > ev.jsonl
	run -65 agent-analyze --no-pass < ev.jsonl
	[[ "$output" == *'data.text is missing or not a string'* ]]
}

@test "a document in another language gets a question, not a crash" {
	for text in 'Die Anwendung muss schnell sein. Benutzer können Aufgaben anlegen.' \
		'用户可以创建任务。系统必须在两秒内响应。' 'Пользователи могут создавать задачи.'; do
		analyze_item Doc "$text" | jq -c 'select(.type == "requirement.analyzed")' > out.jsonl
		[ "$(jq -r '.data.questions[-1].kind' out.jsonl)" = no_requirements ]
		[ "$(jq '.data.stories | length' out.jsonl)" -eq 0 ]
	done
}

@test "a 10 MB document is analysed" {
	{
		echo '# Big'
		for i in $(seq 60); do
			echo "## Part $i"
			grep -v '^#' "$TOP/t/data/requirements.tsv" | cut -f2- | sed 's/^/- /'
		done
	} > big.md
	while [ "$(stat -c %s big.md)" -lt 10000000 ]; do cat big.md big.md > bigger.md; mv bigger.md big.md; done
	agentctl submit --max-line 64M big.md |
		agent-analyze --no-pass --max-line 64M > out.jsonl
	[ "$(jq '.data.stories | length' out.jsonl)" -gt 10000 ]
	[ "$(jq '.data.nfrs | length' out.jsonl)" -gt 10000 ]
}

@test "--classify writes one JSON object per line" {
	printf '%s\n' 'The system shall respond to a search within 2 seconds.' \
		'Users can export their tasks as CSV.' \
		'The product shall run on Windows and Linux.' \
		'Only administrators shall be able to delete accounts.' > reqs.txt
	agent-analyze --classify reqs.txt > got
	cat > expect <<-'END'
	{"text":"The system shall respond to a search within 2 seconds.","class":"performance","cue":"respond"}
	{"text":"Users can export their tasks as CSV.","class":"functional","cue":"can export"}
	{"text":"The product shall run on Windows and Linux.","class":"portability","cue":"windows"}
	{"text":"Only administrators shall be able to delete accounts.","class":"security","cue":"only"}
	END
	test_cmp expect got
	agent-analyze --classify < reqs.txt > got2
	test_cmp expect got2
	run -74 agent-analyze --classify missing.txt
	[[ "$output" == "agent-analyze: cannot open 'missing.txt': No such file or directory" ]]
	# like cat: a missing file is reported, the others are still read
	run -74 --separate-stderr agent-analyze --classify missing.txt reqs.txt
	[ "$stderr" = "agent-analyze: cannot open 'missing.txt': No such file or directory" ]
	printf '%s\n' "$output" > got3
	test_cmp expect got3
}

@test "--lint reports QUS defects per story and exits 1 when there are any" {
	cat > backlog.txt <<-'END'
	# sprint 12
	As a user, I want to add and delete tasks, so that my list is current.
	As a user, I want to export my tasks, so that I can print them.

	Export the tasks (see the CSV spec).
	END
	run -1 --separate-stderr agent-analyze --lint backlog.txt
	[ "$stderr" = "agent-analyze: 2 defects found" ]
	jq -c '[.line, [.defects[].rule]]' <<< "$output" > got
	cat > expect <<-'END'
	[2,["atomic"]]
	[3,[]]
	[5,["well_formed"]]
	END
	test_cmp expect got
	printf 'As a user, I want to export my tasks, so that I can print them.\n' |
		agent-analyze --lint - > clean
	[ "$(jq -c .defects clean)" = '[]' ]
}

@test "usage errors, --engine llm, and a full disk" {
	run -64 agent-analyze --lint a --classify
	[ "${lines[0]}" = "agent-analyze: --lint and --classify are different modes" ]
	[ "${lines[1]}" = "Try 'agent-analyze --help' for more information." ]
	run -64 agent-analyze --frobnicate
	run -64 agent-analyze --engine llm < /dev/null
	[[ "$output" == *"no model: set AGENTKIT_LLM_MODEL"* ]]
	AGENTKIT_ENGINE=llm AGENTKIT_LLM_MODEL=m run -64 agent-analyze < /dev/null
	[[ "$output" == *"no LLM configured: set AGENTKIT_LLM_URL"* ]]
	run -74 sh -c 'echo "{\"title\":\"T\",\"text\":\"Users can log in.\"}" | agent-analyze > /dev/full'
	agent-analyze --help | grep -q -- '--classify'
	agent-analyze --version | grep -q '^agent-analyze '
}

@test "the README's analyst example prints what the README shows" {
	readme_block "$TOP/README.md" "The business analyst" > example.sh
	readme_block "$TOP/README.md" "The business analyst" 2 | grep -v '^\.\.\.$' > expect
	[ -s example.sh ] && [ "$(wc -l < expect)" -ge 3 ]
	(cd "$TOP" && AGENTKIT_WORKSPACE="$T/work" sh "$T/example.sh") > out
	head -n "$(wc -l < expect)" out > got
	test_cmp expect got
}
