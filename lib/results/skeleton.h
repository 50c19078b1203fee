/*
 * skeleton.h - the view from which acceptance-test skeletons are rendered.
 *
 * agent-analyze writes stories with acceptance criteria (Given, When,
 * Then). The stacks pytest-acceptance and vitest-acceptance turn each
 * story into a test file with one test per criterion that is skipped (or
 * "todo") until someone automates it, so the suite runs green and its
 * report says how many criteria are still open.
 */
#ifndef AK_RESULTS_SKELETON_H
#define AK_RESULTS_SKELETON_H

#include <jansson.h>

/* Longest py_name, in bytes, without the NUL (a little under 80). */
#define SKELETON_PY_NAME_MAX 79

/*
 * The view of analyzed_data (the data of a requirement.analyzed event,
 * borrowed) for feature (a feature id; NULL is ""):
 *
 *   {"feature", "title",
 *    "stories": [{"id": "US-1", "slug": "us_1", "snake": "us_1",
 *                 "name": "Us1", "text", "priority",
 *                 "criteria": [{"n": 1, "given", "when", "then",
 *                               "py_name": "test_us_1_ac1_the_task_is_saved",
 *                               "ts_name": "AC1: Given a user, when ..., then ..."}]}],
 *    "entities": the same list as "stories"}
 *
 * Only stories with at least one criterion are listed. "entities" is
 * there because codegen writes a file named with __entity__ once per
 * element of it, with "snake" in the name and the element's members in
 * front of the view; so a story's file is test_us_1.py.
 *
 * given, when and then are the criterion's text with the blanks around it
 * and a leading "Given", "When" or "Then" of its own taken off; missing
 * ones are "". slug is the story id in snake case, at most 40 bytes, made
 * unique with "_2", "_3"... (a story without an id is "story N"). py_name
 * is a Python identifier of at most SKELETON_PY_NAME_MAX bytes, unique in
 * the view: "test_", slug, "_ac" and n, and as many words of "then" as fit.
 * ts_name is a readable title, not escaped: the renderer escapes for each
 * language.
 *
 * A new reference, or NULL with ak_error: AK_EXIT_DATAERR when no story
 * has an acceptance criterion, AK_EXIT_SOFTWARE when memory runs out.
 */
json_t *skeleton_view(const json_t *analyzed_data, const char *feature);

#endif
