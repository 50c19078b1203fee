/*
 * u-names.c - one name spelled for every language (lib/names.c).
 */
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "tap.h"
#include "banned.h"

static void spelled(const char *in, enum name_case c, const char *want)
{
	char *got = name_case(in, c);
	is_str(got, want, "'%s' in case %d is '%s'", in, (int)c, want);
	free(got);
}

static void plural(const char *in, enum name_case c, const char *want)
{
	char *got = name_plural(in, c);
	is_str(got, want, "the plural of '%s' is '%s'", in, want);
	free(got);
}

int main(void)
{
	spelled("ResetToken", NAME_SNAKE, "reset_token");
	spelled("ResetToken", NAME_CAMEL, "resetToken");
	spelled("reset_token", NAME_PASCAL, "ResetToken");
	spelled("reset token", NAME_KEBAB, "reset-token");
	spelled("dueDate", NAME_UPPER, "DUE_DATE");
	spelled("due_date", NAME_LABEL, "Due date");
	spelled("HTTPServer", NAME_SNAKE, "http_server");
	spelled("order lines", NAME_PASCAL, "OrderLines");
	spelled("v2 API key", NAME_CAMEL, "v2ApiKey");
	spelled("2fa", NAME_SNAKE, "n2fa");
	spelled("2fa", NAME_PASCAL, "N2fa");
	spelled("2fa", NAME_LABEL, "2fa");
	spelled("", NAME_SNAKE, "x");
	spelled("***", NAME_PASCAL, "X");
	spelled("caf\xc3\xa9 menu", NAME_SNAKE, "caf_menu");
	spelled("a-b_c d.e", NAME_CAMEL, "aBCDE");
	spelled("x\"; DROP TABLE t; --", NAME_SNAKE, "x_drop_table_t");
	{
		char long_name[5000];
		char *got;

		memset(long_name, 'a', sizeof(long_name) - 1);
		long_name[sizeof(long_name) - 1] = '\0';
		got = name_case(long_name, NAME_SNAKE);
		ok(got && strlen(got) == 200, "a huge name is cut at 200 bytes");
		free(got);
	}

	plural("Task", NAME_SNAKE, "tasks");
	plural("ResetToken", NAME_KEBAB, "reset-tokens");
	plural("Category", NAME_PASCAL, "Categories");
	plural("day", NAME_SNAKE, "days");
	plural("box", NAME_SNAKE, "boxes");
	plural("Branch", NAME_SNAKE, "branches");
	plural("status", NAME_SNAKE, "statuses");
	plural("address", NAME_SNAKE, "addresses");
	plural("person", NAME_SNAKE, "people");
	plural("sales person", NAME_CAMEL, "salesPeople");
	plural("data", NAME_SNAKE, "data_list");
	plural("news", NAME_PASCAL, "NewsList");
	plural("codes", NAME_SNAKE, "codes_list");
	plural("Analysis", NAME_SNAKE, "analyses");

	ok(name_is_keyword(NAME_PY, "class") && name_is_keyword(NAME_PY, "from") &&
	   name_is_keyword(NAME_PY, "date"), "python keywords and the names the code uses");
	ok(name_is_keyword(NAME_KOTLIN, "object") && !name_is_keyword(NAME_KOTLIN, "from"),
	   "kotlin keywords");
	ok(name_is_keyword(NAME_SWIFT, "default") && name_is_keyword(NAME_SWIFT, "func"),
	   "swift keywords");
	ok(name_is_keyword(NAME_TS, "new") && !name_is_keyword(NAME_TS, "title"),
	   "typescript keywords");
	return done_testing();
}
