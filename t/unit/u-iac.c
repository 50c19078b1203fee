/*
 * u-iac.c - unit tests for lib/secscan/iac.c: each Terraform and
 * Dockerfile check on files it must flag and files it must leave alone,
 * the lines and columns it reports, nested blocks, heredoc and jsonencode
 * policies, which files and checks apply, stopping on request, and hostile
 * input (truncated blocks, stray braces, deep nesting, NUL bytes, a very
 * long line) that must neither crash nor report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "secscan/iac.h"
#include "tap.h"

struct got {
	struct buf out;
	int stop_after;         /* 0: never stop */
	int count;
};

static int collect(void *ctx, const struct iac_hit *h)
{
	struct got *g = ctx;

	buf_addf(&g->out, "%s:%u:%u:%.*s\n", h->check, h->line, h->column,
		 (int)h->snippet_len, h->snippet);
	g->count++;
	return g->stop_after && g->count >= g->stop_after ? -1 : 0;
}

/* The hits of checks `want` (one name, or NULL for all) on text, as lines. */
static char *scan(const char *path, const char *text, size_t len, const char *want, int *rc)
{
	static char out[8192];
	const char *list[2] = { want, NULL };
	struct got g;

	buf_init(&g.out, 0);
	g.stop_after = 0;
	g.count = 0;
	*rc = iac_scan(path, text, len, want ? list : NULL, collect, &g);
	snprintf(out, sizeof(out), "%s", g.out.p ? g.out.p : "");
	buf_release(&g.out);
	return out;
}

static void check(const char *path, const char *text, const char *want, const char *expect,
		  const char *name)
{
	int rc;
	const char *got = scan(path, text, strlen(text), want, &rc);

	is_str(got, expect, "%s", name);
	if (rc)
		ok(0, "%s: returns 0 (%s)", name, ak_errmsg());
}

static void test_known(void)
{
	ok(iac_check_known("tf-sg-open-ssh"), "tf-sg-open-ssh is known");
	ok(iac_check_known("docker-root-user"), "docker-root-user is known");
	ok(!iac_check_known("tf-sg-open"), "a prefix is not a check");
	ok(!iac_check_known(""), "the empty name is not a check");
}

static void test_s3(void)
{
	check("main.tf",
	      "resource \"aws_s3_bucket\" \"logs\" {\n"
	      "  bucket = \"logs\"\n"
	      "  acl    = \"public-read\"\n"
	      "}\n",
	      "tf-s3-public-acl", "tf-s3-public-acl:3:3:acl    = \"public-read\"\n",
	      "s3 bucket acl public-read");
	check("main.tf",
	      "resource \"aws_s3_bucket_acl\" \"a\" {\n"
	      "  bucket = aws_s3_bucket.b.id\n"
	      "  acl = \"authenticated-read\" # shared\n"
	      "}\n",
	      "tf-s3-public-acl", "tf-s3-public-acl:3:3:acl = \"authenticated-read\" # shared\n",
	      "s3 bucket_acl authenticated-read");
	check("main.tf",
	      "resource \"aws_s3_bucket\" \"logs\" {\n  acl = \"private\"\n}\n"
	      "resource \"aws_s3_bucket\" \"b\" {\n  acl = var.acl\n}\n"
	      "resource \"aws_other\" \"x\" {\n  acl = \"public-read\"\n}\n"
	      "# resource \"aws_s3_bucket\" \"c\" { acl = \"public-read\" }\n",
	      "tf-s3-public-acl", "", "private, variable, other types and comments pass");
	check("main.tf",
	      "resource \"aws_s3_bucket_public_access_block\" \"p\" {\n"
	      "  bucket                  = aws_s3_bucket.b.id\n"
	      "  block_public_acls       = true\n"
	      "  block_public_policy     = true\n"
	      "  ignore_public_acls      = true\n"
	      "  restrict_public_buckets = false\n"
	      "}\n",
	      "tf-s3-public-access-block",
	      "tf-s3-public-access-block:6:3:restrict_public_buckets = false\n",
	      "public access block with a flag false");
	check("main.tf",
	      "resource \"aws_s3_bucket_public_access_block\" \"p\" {\n"
	      "  block_public_acls = true\n  block_public_policy = true\n"
	      "  ignore_public_acls = true\n  restrict_public_buckets = true\n}\n",
	      "tf-s3-public-access-block", "", "public access block all true passes");
}

static void test_sg(void)
{
	const char *sg =
		"resource \"aws_security_group\" \"web\" {\n"
		"  name = \"web\"\n"
		"  ingress {\n"
		"    from_port   = 443\n"
		"    to_port     = 443\n"
		"    protocol    = \"tcp\"\n"
		"    cidr_blocks = [\"0.0.0.0/0\"]\n"
		"  }\n"
		"  ingress {\n"
		"    from_port   = 0\n"
		"    to_port     = 65535\n"
		"    protocol    = \"tcp\"\n"
		"    cidr_blocks = [\"10.0.0.0/8\", \"0.0.0.0/0\"]\n"
		"  }\n"
		"}\n";

	check("net/sg.tf", sg, "tf-sg-open-ssh",
	      "tf-sg-open-ssh:13:5:cidr_blocks = [\"10.0.0.0/8\", \"0.0.0.0/0\"]\n",
	      "a port range covering 22 from anywhere");
	check("net/sg.tf", sg, "tf-sg-open-rdp",
	      "tf-sg-open-rdp:13:5:cidr_blocks = [\"10.0.0.0/8\", \"0.0.0.0/0\"]\n",
	      "the same range covers 3389");
	check("sg.tf",
	      "resource \"aws_security_group\" \"a\" {\n"
	      "  ingress {\n    from_port = 22\n    to_port = 22\n    protocol = \"tcp\"\n"
	      "    cidr_blocks = [\"10.0.0.0/8\"]\n  }\n"
	      "  ingress {\n    from_port = 22\n    to_port = 22\n    protocol = \"udp\"\n"
	      "    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n"
	      "  egress {\n    from_port = 0\n    to_port = 0\n    protocol = \"-1\"\n"
	      "    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n"
	      "  ingress {\n    from_port = 80\n    to_port = 80\n    protocol = \"tcp\"\n"
	      "    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n"
	      "  ingress {\n    from_port = var.p\n    to_port = var.p\n    protocol = \"tcp\"\n"
	      "    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n"
	      "}\n",
	      "tf-sg-open-ssh", "", "private CIDR, udp, egress, port 80, unknown ports pass");
	check("sg.tf",
	      "resource \"aws_security_group\" \"all\" {\n"
	      "  ingress {\n    from_port = 0\n    to_port = 0\n    protocol = \"-1\"\n"
	      "    ipv6_cidr_blocks = [\"::/0\"]\n  }\n}\n",
	      "tf-sg-open-rdp", "tf-sg-open-rdp:6:5:ipv6_cidr_blocks = [\"::/0\"]\n",
	      "protocol -1 from ::/0 opens every port");
	check("sg.tf",
	      "resource \"aws_security_group_rule\" \"ssh\" {\n"
	      "  type              = \"ingress\"\n"
	      "  from_port         = 22\n"
	      "  to_port           = 22\n"
	      "  protocol          = \"tcp\"\n"
	      "  cidr_blocks       = [\"0.0.0.0/0\"]\n"
	      "  security_group_id = aws_security_group.a.id\n"
	      "}\n"
	      "resource \"aws_security_group_rule\" \"out\" {\n"
	      "  type = \"egress\"\n  from_port = 22\n  to_port = 22\n  protocol = \"tcp\"\n"
	      "  cidr_blocks = [\"0.0.0.0/0\"]\n}\n",
	      "tf-sg-open-ssh", "tf-sg-open-ssh:6:3:cidr_blocks       = [\"0.0.0.0/0\"]\n",
	      "aws_security_group_rule ingress flagged, egress not");
	check("sg.tf",
	      "resource \"aws_vpc_security_group_ingress_rule\" \"rdp\" {\n"
	      "  security_group_id = aws_security_group.a.id\n"
	      "  cidr_ipv4   = \"0.0.0.0/0\"\n"
	      "  from_port   = 3389\n"
	      "  ip_protocol = \"tcp\"\n"
	      "  to_port     = 3389\n"
	      "}\n",
	      "tf-sg-open-rdp", "tf-sg-open-rdp:3:3:cidr_ipv4   = \"0.0.0.0/0\"\n",
	      "aws_vpc_security_group_ingress_rule on 3389");
	check("sg.tf",
	      "resource \"aws_security_group\" \"l\" {\n"
	      "  ingress = [{\n"
	      "    from_port = \"22\", to_port = \"22\", protocol = \"tcp\"\n"
	      "    cidr_blocks = [\"0.0.0.0/0\"]\n"
	      "  }]\n}\n",
	      "tf-sg-open-ssh", "tf-sg-open-ssh:4:5:cidr_blocks = [\"0.0.0.0/0\"]\n",
	      "ingress as a list of objects, quoted ports");
}

static void test_rds(void)
{
	const char *db =
		"resource \"aws_db_instance\" \"db\" {\n"
		"  engine              = \"postgres\"\n"
		"  instance_class      = \"db.t3.micro\"\n"
		"  publicly_accessible = true\n"
		"}\n";

	check("db.tf", db, NULL,
	      "tf-rds-unencrypted:1:1:resource \"aws_db_instance\" \"db\" {\n"
	      "tf-rds-public:4:3:publicly_accessible = true\n",
	      "all checks: unencrypted and public instance");
	check("db.tf", db, "tf-rds-public", "tf-rds-public:4:3:publicly_accessible = true\n",
	      "only the wanted check runs");
	check("db.tf",
	      "resource \"aws_rds_cluster\" \"c\" {\n"
	      "  engine = \"aurora-postgresql\"\n"
	      "  storage_encrypted = false\n"
	      "}\n",
	      "tf-rds-unencrypted", "tf-rds-unencrypted:3:3:storage_encrypted = false\n",
	      "rds cluster storage_encrypted = false");
	check("db.tf",
	      "resource \"aws_db_instance\" \"a\" {\n  storage_encrypted = true\n"
	      "  publicly_accessible = false\n}\n"
	      "resource \"aws_db_instance\" \"r\" {\n  replicate_source_db = aws_db_instance.a.id\n}\n"
	      "resource \"aws_rds_cluster\" \"v\" {\n  storage_encrypted = var.enc\n}\n",
	      NULL, "", "encrypted, replica, variable pass");
}

static void test_imds(void)
{
	check("ec2.tf",
	      "resource \"aws_instance\" \"web\" {\n"
	      "  ami           = \"ami-0abc\"\n"
	      "  instance_type = \"t3.micro\"\n"
	      "}\n",
	      "tf-ec2-imdsv1", "tf-ec2-imdsv1:1:1:resource \"aws_instance\" \"web\" {\n",
	      "instance without metadata_options");
	check("ec2.tf",
	      "resource \"aws_launch_template\" \"lt\" {\n"
	      "  name = \"lt\"\n"
	      "  metadata_options {\n"
	      "    http_endpoint = \"enabled\"\n"
	      "    http_tokens   = \"optional\"\n"
	      "  }\n"
	      "}\n",
	      "tf-ec2-imdsv1", "tf-ec2-imdsv1:5:5:http_tokens   = \"optional\"\n",
	      "launch template with http_tokens optional");
	check("ec2.tf",
	      "resource \"aws_instance\" \"a\" {\n"
	      "  metadata_options {\n    http_tokens = \"required\"\n  }\n}\n"
	      "resource \"aws_instance\" \"b\" {\n"
	      "  metadata_options {\n    http_endpoint = \"disabled\"\n  }\n}\n"
	      "data \"aws_instance\" \"c\" {\n  instance_id = \"i-1\"\n}\n",
	      "tf-ec2-imdsv1", "", "required tokens, disabled endpoint, data source pass");
}

static void test_iam(void)
{
	check("iam.tf",
	      "resource \"aws_iam_policy\" \"admin\" {\n"
	      "  name = \"admin\"\n"
	      "  policy = jsonencode({\n"
	      "    Version = \"2012-10-17\"\n"
	      "    Statement = [\n"
	      "      {\n"
	      "        Effect   = \"Allow\"\n"
	      "        Action   = \"*\"\n"
	      "        Resource = \"*\"\n"
	      "      },\n"
	      "    ]\n"
	      "  })\n"
	      "}\n",
	      "tf-iam-wildcard", "tf-iam-wildcard:8:9:Action   = \"*\"\n",
	      "jsonencode policy with * on *");
	check("iam.tf",
	      "resource \"aws_iam_role_policy\" \"p\" {\n"
	      "  policy = <<-EOF\n"
	      "    {\n"
	      "      \"Version\": \"2012-10-17\",\n"
	      "      \"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"*:*\"], \"Resource\": [\"*\"]}]\n"
	      "    }\n"
	      "  EOF\n"
	      "}\n",
	      "tf-iam-wildcard",
	      "tf-iam-wildcard:5:41:\"Action\": [\"*:*\"], \"Resource\": [\"*\"]}]\n",
	      "heredoc JSON policy");
	check("iam.tf",
	      "data \"aws_iam_policy_document\" \"d\" {\n"
	      "  statement {\n"
	      "    sid       = \"All\"\n"
	      "    actions   = [\"*\"]\n"
	      "    resources = [\"*\"]\n"
	      "  }\n"
	      "}\n",
	      "tf-iam-wildcard", "tf-iam-wildcard:4:5:actions   = [\"*\"]\n",
	      "policy document statement block");
	check("iam.tf",
	      "data \"aws_iam_policy_document\" \"d\" {\n"
	      "  statement {\n    actions = [\"s3:GetObject\"]\n    resources = [\"*\"]\n  }\n"
	      "  statement {\n    effect = \"Deny\"\n    actions = [\"*\"]\n    resources = [\"*\"]\n  }\n"
	      "  statement {\n    actions = [\"*\"]\n    resources = [\"arn:aws:s3:::b/*\"]\n  }\n"
	      "}\n"
	      "resource \"aws_iam_policy\" \"p\" {\n"
	      "  policy = <<EOF\n{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}]}\nEOF\n"
	      "}\n",
	      "tf-iam-wildcard", "", "narrow actions, Deny, narrow resources pass");
}

static void test_docker(void)
{
	check("Dockerfile",
	      "FROM golang:1.22 AS build\n"
	      "RUN go build -o /app .\n"
	      "FROM debian:12-slim\n"
	      "COPY --from=build /app /app\n"
	      "CMD [\"/app\"]\n",
	      NULL, "docker-root-user:3:1:FROM debian:12-slim\n", "final stage without USER");
	check("build/Dockerfile.prod",
	      "FROM alpine:3.20\n"
	      "USER app\n"
	      "RUN apk add \\\n"
	      "  curl\n"
	      "USER root:root\n",
	      NULL, "docker-root-user:5:1:USER root:root\n", "last USER is root");
	check("x.dockerfile", "from alpine:3.20\nuser 0\n", NULL,
	      "docker-root-user:2:1:user 0\n", "lowercase instructions, uid 0");
	check("Containerfile",
	      "FROM debian:12 AS base\n"
	      "USER 10001\n"
	      "FROM base AS final\n"
	      "COPY x /x\n",
	      NULL, "", "USER inherited from an earlier stage");
	check("Dockerfile",
	      "FROM debian:12 AS build\nUSER root\nRUN make\n"
	      "FROM gcr.io/distroless/static:nonroot\nCOPY --from=build /a /a\n",
	      NULL, "", "nonroot base image");
	check("Dockerfile",
	      "FROM alpine:3.20\n"
	      "RUN adduser -D app \\\n"
	      "# a comment inside the instruction\n"
	      "  && echo done\n"
	      "USER app:app\n",
	      NULL, "", "non-root USER after a continued RUN");
	check("Dockerfile", "# only a comment\n", NULL, "", "no FROM at all");
	check("main.py", "FROM alpine\n", NULL, "", "other files are not scanned");
	check("Dockerfile", "FROM alpine\n", "tf-sg-open-ssh", "", "unwanted checks do not run");
}

static void test_syntax(void)
{
	check("main.tf",
	      "/* resource \"aws_s3_bucket\" \"a\" {\n  acl = \"public-read\"\n} */\n"
	      "// resource \"aws_s3_bucket\" \"b\" { acl = \"public-read\" }\n"
	      "resource \"aws_s3_bucket\" \"c\" {\n"
	      "  acl = \"${var.prefix}public-read\"\n"
	      "  tags = { Name = \"say \\\"}\\\" {\" }\n"
	      "}\n"
	      "resource \"aws_s3_bucket\" \"d\" {\r\n"
	      "  bucket = var.public ? \"x\" : \"y\"\r\n"
	      "  acl = \"public-read\"\r\n"
	      "}\r\n",
	      "tf-s3-public-acl", "tf-s3-public-acl:11:3:acl = \"public-read\"\n",
	      "comments, interpolation, escaped quotes, a conditional, CRLF");
	check("Dockerfile",
	      "# escape=`\n"
	      "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
	      "RUN echo one `\n"
	      "  USER root\n"
	      "USER ContainerUser\n",
	      NULL, "", "escape directive: a continued line is not an instruction");
	check("Dockerfile",
	      "FROM alpine:3.20\n"
	      "RUN echo one \\\n"
	      "USER app\n",
	      NULL, "docker-root-user:1:1:FROM alpine:3.20\n",
	      "USER inside a continued RUN does not count");
}

static void test_stop(void)
{
	struct got g;
	const char *t = "resource \"aws_instance\" \"a\" {\n}\nresource \"aws_instance\" \"b\" {\n}\n";

	buf_init(&g.out, 0);
	g.stop_after = 1;
	g.count = 0;
	is_int(iac_scan("a.tf", t, strlen(t), NULL, collect, &g), -1, "emit -1 stops the scan");
	is_int(g.count, 1, "no hit after the stop");
	buf_release(&g.out);
}

/* Hostile text must not crash; returns the number of hits. */
static int hostile(const char *path, const char *text, size_t len)
{
	int rc;
	const char *out = scan(path, text, len, NULL, &rc);
	int n = 0;

	for (; *out; out++)
		n += *out == '\n';
	return rc ? -1 : n;
}

static void test_hostile(void)
{
	static const char *const bits[] = {
		"resource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read",
		"resource \"aws_s3_bucket\" \"b\" {\n  acl = ",
		"resource \"aws_s3_bucket\" \"b\" {\n  tags = {\n",
		"}}}]]])))\n{{{[[[(((\n\"\\",
		"resource \"aws_iam_policy\" \"p\" {\n  policy = <<EOF\n{\"Action\": \"*\"",
		"resource \"x\" \"y\" { a = <<",
		"resource \"x\" \"y\" { a = \"${",
		"/* unterminated comment",
		"resource",
		"= = = : : {",
		"FROM",
		"FROM alpine \\",
	};
	size_t big = 1 << 20;
	char *t = malloc(big + 64);
	int n, fails = 0;

	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		const char *path = bits[i][0] == 'F' ? "Dockerfile" : "main.tf";
		size_t len = strlen(bits[i]);

		for (size_t k = 0; k <= len; k++) {
			char *copy = malloc(k ? k : 1);

			memcpy(copy, bits[i], k);
			n = hostile(path, copy, k);
			free(copy);
			/* A FROM with no USER is a real hit; nothing else is. */
			fails += n < 0 || (bits[i][0] != 'F' && n != 0);
		}
	}
	is_int(fails, 0, "every prefix of truncated inputs: no error, no Terraform hit");
	is_int(hostile("main.tf", "resource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read", 50), 0,
	       "a value cut short is not matched");

	memset(t, '{', 10000);
	n = hostile("main.tf", t, 10000);
	is_int(n, 0, "10000 open braces");
	memset(t, '[', 5000);
	memset(t + 5000, ']', 5000);
	is_int(hostile("main.tf", t, 10000), 0, "10000 balanced brackets");

	/* Deep nesting before a real hit: the hit after it is still found. */
	{
		struct buf b;

		buf_init(&b, 0);
		buf_addstr(&b, "locals {\n");
		for (int i = 0; i < 10000; i++)
			buf_addstr(&b, "a = {");
		for (int i = 0; i < 10000; i++)
			buf_addch(&b, '}');
		buf_addstr(&b, "\n}\nresource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read\"\n}\n");
		is_int(hostile("main.tf", b.p, b.len), 1, "hit found after 10000 nested objects");
		buf_release(&b);
	}

	memcpy(t, "resource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read\"\n}\n", 56);
	t[10] = '\0';
	is_int(hostile("main.tf", t, 56), 0, "a NUL in a label: no hit, no crash");
	memcpy(t, "resource \"aws_s3_bucket\" \"b\" {\n\0\0 acl = \"public-read\"\n}\n", 56);
	is_int(hostile("main.tf", t, 56), 1, "NUL bytes between attributes are skipped");

	for (size_t i = 0; i < big; i++)
		t[i] = "ab\"{[=<# \\$"[i % 11];
	is_int(hostile("main.tf", t, big) >= 0, 1, "a 1 MB line of syntax soup");
	memset(t, 'x', big);
	memcpy(t, "resource \"aws_s3_bucket\" \"b\" { acl = \"public-read\" tags = \"", 60);
	is_int(hostile("main.tf", t, big), 1, "a 1 MB line after a hit");
	memset(t, '\0', big);
	is_int(hostile("main.tf", t, big), 0, "1 MB of NUL bytes");
	is_int(hostile("Dockerfile", t, big), 0, "1 MB of NUL bytes as a Dockerfile");
	for (size_t i = 0; i < big; i++)
		t[i] = (char)(i * 7919 % 251);
	is_int(hostile("main.tf", t, big) >= 0, 1, "1 MB of binary bytes");
	is_int(hostile("Dockerfile", t, big) >= 0, 1, "1 MB of binary bytes as a Dockerfile");
	is_int(iac_scan("main.tf", NULL, 0, NULL, collect, NULL), 0, "empty text");
	free(t);
}

int main(void)
{
	test_known();
	test_s3();
	test_sg();
	test_rds();
	test_imds();
	test_iam();
	test_docker();
	test_syntax();
	test_stop();
	test_hostile();
	return done_testing();
}
