/* test_template.c: replacement strings behave as GNU parallel's, argv
 * words stay words, and shell strings quote every substitution. */
#include "internal.h"
#include "tap.h"

static void
rs(const char *rstr, const char *item, const char *want)
{
	struct scx_buf out = { 0 };
	char name[256];

	snprintf(name, sizeof(name), "%s of '%s' is '%s'", rstr, item, want);
	scx__template_one(rstr, item, strlen(item), &out);
	tap_is_mem(out.data ? out.data : "", out.len, want, name);
	scx_buf_free(&out);
}

/* Expands @words for @item and joins the argv as "<a><b>...". */
static int
expand(char *const *words, size_t n, bool shell, bool pipe_item,
       const char *item, size_t len, uint64_t seq, unsigned slot,
       struct scx_buf *joined)
{
	struct scx_buf space = { 0 }, vec = { 0 };
	struct scx__template *t;
	char **argv;
	size_t i;
	int err;

	joined->len = 0;
	err = scx__template_parse(&t, words, n, shell, pipe_item);
	if (err != 0)
		return err;
	err =
	    scx__template_expand(t, item, len, seq, slot, &space, &vec, &argv);
	for (i = 0; err == 0 && argv[i] != NULL; i++) {
		scx_buf_putc(joined, '<');
		scx_buf_append(joined, argv[i], strlen(argv[i]));
		scx_buf_putc(joined, '>');
	}
	scx__template_free(t);
	scx_buf_free(&space);
	scx_buf_free(&vec);
	return err;
}

static void
argv_is(char *const *words, size_t n, bool shell, const char *item,
	const char *want, const char *name)
{
	struct scx_buf j = { 0 };
	int err;

	err = expand(words, n, shell, false, item, strlen(item), 12, 3, &j);
	tap_ok(err == 0, name);
	tap_is_mem(j.data ? j.data : "", j.len, want, name);
	scx_buf_free(&j);
}

static void
test_gnu_parallel_paths(void)
{
	/* Expected strings are what GNU parallel 20221122 prints. */
	static const char *const t[][6] = {
		/* item, {.}, {/}, {//}, {/.} */
		{ "a/b.c/d.e.f", "a/b.c/d.e", "d.e.f", "a/b.c", "d.e", NULL },
		{ "file", "file", "file", ".", "file", NULL },
		{ "/abs", "/abs", "abs", "/", "abs", NULL },
		{ "/", "/", "", "/", "", NULL },
		{ "dir/", "dir/", "", ".", "", NULL },
		{ "a//b", "a//b", "b", "a", "b", NULL },
		{ ".bashrc", "", ".bashrc", ".", "", NULL },
		{ "x.", "x", "x.", ".", "x", NULL },
		{ "./x", "./x", "x", ".", "x", NULL },
		{ "", "", "", ".", "", NULL },
		{ "a/b/", "a/b/", "", "a", "", NULL },
		{ "noext.d/f", "noext.d/f", "f", "noext.d", "f", NULL },
		{ "..", ".", "..", ".", ".", NULL },
		{ "a b.txt", "a b", "a b.txt", ".", "a b", NULL },
		{ "//", "//", "", "/", "", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rs("{}", t[i][0], t[i][0]);
		rs("{.}", t[i][0], t[i][1]);
		rs("{/}", t[i][0], t[i][2]);
		rs("{//}", t[i][0], t[i][3]);
		rs("{/.}", t[i][0], t[i][4]);
	}
}

static void
test_gnu_parallel_plus(void)
{
	/* What GNU parallel 20221122 prints for --plus's path strings:
	 * item, {..}, {...}, {/..}, {/...}, {+/}, {+.}, {+..}, {+...} */
	static const char *const t[][9] = {
		{ "a/b.c/d.e.f", "a/b.c/d", "a/b.c/d.e.f", "d", "d.e.f",
		  "a/b.c", "f", "e.f", "" },
		{ "x.tar.gz", "x", "x.tar.gz", "x", "x.tar.gz", "", "gz",
		  "tar.gz", "" },
		{ "/abs", "/abs", "/abs", "abs", "abs", "", "", "", "" },
		{ ".bashrc", ".bashrc", ".bashrc", ".bashrc", ".bashrc", "",
		  "bashrc", "", "" },
		{ "a b.c.d", "a b", "a b.c.d", "a b", "a b.c.d", "", "d", "c.d",
		  "" },
	};
	static const char *const rs_names[] = { "{..}",	  "{...}", "{/..}",
						"{/...}", "{+/}",  "{+.}",
						"{+..}",  "{+...}" };
	size_t i, k;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (k = 0; k < 8; k++)
			rs(rs_names[k], t[i][0], t[i][k + 1]);
	/* The bash-like ones, as GNU parallel prints them. */
	rs("{:-def}", "", "def");
	rs("{:-def}", "0", "def");
	rs("{:-def}", "a", "a");
	rs("{:2}", "abcdef", "cdef");
	rs("{:1:3}", "abcdef", "bcd");
	rs("{#z.*z.}", "z.z.z.foo", "z.foo");
	rs("{##z.*z.}", "z.z.z.foo", "foo");
	rs("{%.z.*z}", "foo.z.z.z", "foo.z");
	rs("{%%.z.*z}", "foo.z.z.z", "foo");
	rs("{/a/X}", "abca", "Xbca");
	rs("{//a/X}", "abca", "XbcX");
	rs("{/#a/X}", "abca", "Xbca");
	rs("{/%a/X}", "abca", "abcX");
	rs("{^a}", "aAbaA", "AAbaA");
	rs("{^^a}", "aAbaA", "AAbAA");
	rs("{,,A}", "aAbaA", "aabaa");
	rs("{,A}", "aAbaA", "aAbaA");
	rs("{##}", "x", "9");
	rs("{0#}", "x", "7");
}

/* A job of several arguments (NUL-separated fields): {} is each of them
 * one word, {n} one of them; -X repeats the word. */
static void
test_fields(void)
{
	char *words[] = { "echo", "x{}y", "{2}", "{-1}", "{3}" };
	struct scx__template_opts o = { 0 };
	struct scx_buf space = { 0 }, vec = { 0 }, j = { 0 };
	struct scx__template *t;
	char **argv;
	size_t i;
	int pass;

	o.argv = words;
	o.argc = 5;
	o.fields = true;
	for (pass = 0; pass < 2; pass++) {
		o.multi = pass ? SCX_MULTI_X : SCX_MULTI_NONE;
		j.len = 0;
		tap_is_int(scx__template_parse_opts(&t, &o), 0,
			   "fields: parses");
		tap_is_int(scx__template_expand(t, "a\0b c", 5, 1, 1, &space,
						&vec, &argv),
			   0, "fields: expands");
		for (i = 0; argv[i] != NULL; i++) {
			scx_buf_putc(&j, '<');
			scx_buf_append(&j, argv[i], strlen(argv[i]));
			scx_buf_putc(&j, '>');
		}
		if (pass == 0)
			tap_is_mem(j.data, j.len,
				   "<echo><xa><b cy><b c><b c><>",
				   "fields: {} is each argument, GNU's way");
		else
			tap_is_mem(j.data, j.len,
				   "<echo><xay><xb cy><b c><b c><>",
				   "fields: -X repeats the word of {}");
		scx__template_free(t);
	}
	scx_buf_free(&space);
	scx_buf_free(&vec);
	scx_buf_free(&j);
}

static void
test_argv(void)
{
	char *echo[] = { "echo" };
	char *braces[] = { "echo", "x{}y", "{#}", "{%}" };
	char *seqonly[] = { "echo", "{#}" };
	char *empty_word[] = { "printf", "", "{}" };
	char *unknown[] = { "echo", "{x}", "{", "}", "{{}}" };
	char *shell[] = { "echo", "{}", "|", "wc", "-c" };
	char *shell_append[] = { "grep", "-c" };

	argv_is(echo, 1, false, "a b", "<echo><a b>",
		"no replacement string: the item is appended as one word");
	argv_is(braces, 4, false, "it", "<echo><xity><12><3>",
		"replacement inside a word, {#} and {%}");
	argv_is(seqonly, 2, false, "it", "<echo><12>",
		"{#} alone suppresses the appended item");
	argv_is(empty_word, 3, false, "v", "<printf><><v>",
		"an empty word stays an empty argument");
	argv_is(unknown, 5, false, "v", "<echo><{x}><{><}><{v}>",
		"unknown braces stay literal");
	argv_is(shell, 5, true, "$(rm -rf ~)'; reboot",
		"</bin/sh><-c><echo '$(rm -rf ~)'\\''; reboot' | wc -c>",
		"--shell quotes the substitution, keeps the user's code");
	argv_is(shell_append, 2, true, "-rf *",
		"</bin/sh><-c><grep -c '-rf *'>",
		"--shell appends the quoted item when there is no {}");
	argv_is(shell, 5, true, "plain.txt",
		"</bin/sh><-c><echo plain.txt | wc -c>",
		"--shell leaves a safe word unquoted");
	argv_is(shell, 5, true, "", "</bin/sh><-c><echo '' | wc -c>",
		"--shell quotes an empty item as ''");
	argv_is(shell, 5, true, "a=b", "</bin/sh><-c><echo 'a=b' | wc -c>",
		"--shell quotes '=' (an assignment at a command's start)");
}

static void
test_pipe_item(void)
{
	char *cat[] = { "cat" };
	struct scx_buf j = { 0 };

	tap_ok(expand(cat, 1, false, true, "x", 1, 1, 1, &j) == 0,
	       "--pipe-item: expands");
	tap_is_mem(j.data, j.len, "<cat>", "--pipe-item: nothing is appended");
	scx_buf_free(&j);
}

static void
test_errors(void)
{
	char *echo[] = { "echo" };
	char *seqonly[] = { "echo", "{#}" };
	struct scx__template *t;
	struct scx_buf j = { 0 };

	tap_is_int(scx__template_parse(&t, echo, 0, false, false), SCX_ENOCMD,
		   "no words: no command");
	tap_is_int(expand(echo, 1, false, false, "a\0b", 3, 1, 1, &j), SCX_ENUL,
		   "an item with a NUL byte cannot be an argument");
	tap_is_int(expand(seqonly, 2, false, false, "a\0b", 3, 1, 1, &j), 0,
		   "...unless the command does not use the item");
	scx_buf_free(&j);
}

static void
test_quote(void)
{
	char buf[8];
	size_t n;

	n = scx_shell_quote(buf, sizeof(buf), "it's long", 9);
	tap_is_int((long long)n, 14, "quote: returns the full length");
	tap_is_mem(buf, strlen(buf), "'it'\\''",
		   "quote: truncates like snprintf");
	n = scx_shell_quote(NULL, 0, "~", 1);
	tap_is_int((long long)n, 3, "quote: '~' is quoted");
}

/* What scx__template_quoted() says of the shell command @cmd (one word):
 * "" for nothing, else the replacement string and the quote, "{}\"". */
static void
quoted_is(const char *cmd, const char *want)
{
	char *words[] = { (char *)cmd };
	struct scx__template *t;
	const char *rs = NULL;
	char got[16] = "", name[160], quote = 0;
	int found;

	snprintf(name, sizeof(name), "quoted: %s -> %s", cmd,
		 want[0] ? want : "none");
	if (scx__template_parse(&t, words, 1, true, false) != 0) {
		tap_ok(false, name);
		return;
	}
	found = scx__template_quoted(t, &rs, &quote);
	if (found > 0)
		snprintf(got, sizeof(got), "%s%c", rs, quote);
	tap_is_mem(got, strlen(got), want, name);
	scx__template_free(t);
}

static void
test_quoted(void)
{
	char *split[] = { "echo", "\"a", "{}", "b\"" };
	char *open_quote[] = { "echo", "'x" };
	struct scx__template *t;
	const char *rs;
	char quote;

	quoted_is("echo \"x{}y\"", "{}\"");
	quoted_is("echo 'x{}y'", "{}'");
	quoted_is("sh -c 'echo {}'", "{}'");
	quoted_is("echo \"{.}\" '{/}'", "{.}\"");
	quoted_is("echo x '{//}'", "{//}'");
	quoted_is("echo \"a {/.} b\"", "{/.}\"");
	quoted_is("echo \\{}", "{}\\");
	quoted_is("echo \"\\{}\"", "{}\"");
	quoted_is("echo \"${x:-{}}\"", "{}\"");
	quoted_is("echo \"$(echo \"{}\")\"", "{}\"");
	quoted_is("echo x{}y", "");
	quoted_is("echo \"a\" {} \"b\"", "");
	quoted_is("echo 'a' {} 'b'", "");
	quoted_is("echo \"$(printf %s {})\"", "");
	quoted_is("echo \"`printf %s {}`\"", "");
	quoted_is("echo \"$( (echo {}) )\"", "");
	quoted_is("echo ${x:-{}}", "");
	quoted_is("echo \\\"{}\\\"", "");
	quoted_is("echo \\'{}\\'", "");
	quoted_is("echo \"a\\\"\" {}", "");
	quoted_is("echo 'a\\' {}", "");
	quoted_is("echo \"{#} {%}\" '{#}'", "");
	quoted_is("echo \"'\" {}", "");
	quoted_is("echo '\"' {}", "");
	tap_is_int(scx__template_parse(&t, split, 4, true, false), 0,
		   "quoted: a quote over several words parses");
	tap_is_int(scx__template_quoted(t, &rs, &quote), 1,
		   "quoted: a quote over several words counts");
	scx__template_free(t);
	tap_is_int(scx__template_parse(&t, open_quote, 2, true, false), 0,
		   "quoted: an unclosed quote parses");
	tap_is_int(scx__template_quoted(t, &rs, &quote), 1,
		   "quoted: the item appended inside an unclosed quote counts");
	scx__template_free(t);
	tap_is_int(scx__template_parse(&t, split, 4, false, false), 0,
		   "quoted: without shell, parses");
	tap_is_int(scx__template_quoted(t, &rs, &quote), 0,
		   "quoted: without shell, never");
	scx__template_free(t);
}

int
main(void)
{
	test_gnu_parallel_paths();
	test_gnu_parallel_plus();
	test_fields();
	test_argv();
	test_pipe_item();
	test_errors();
	test_quote();
	test_quoted();
	return tap_done();
}
