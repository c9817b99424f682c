/* test_json.c: JSON strings for any bytes, and base64. */
#include "internal.h"
#include "tap.h"

static void
json_is(const char *in, size_t len, const char *want, int valid,
	const char *name)
{
	struct scx_buf b = { 0 };
	int got;

	got = scx__json_string(&b, in, len);
	tap_is_mem(b.data, b.len, want, name);
	tap_is_int(got, valid, name);
	scx_buf_free(&b);
}

static void
b64_is(const char *in, size_t len, const char *want)
{
	struct scx_buf b = { 0 };
	char name[64];

	snprintf(name, sizeof(name), "base64 of %zu bytes", len);
	scx__base64(&b, in, len);
	tap_is_mem(b.data ? b.data : "", b.len, want, name);
	scx_buf_free(&b);
}

int
main(void)
{
	json_is("plain", 5, "\"plain\"", 1, "plain ASCII");
	json_is("a\"b\\c", 5, "\"a\\\"b\\\\c\"", 1, "quote and backslash");
	json_is("\n\t\r\b\f", 5, "\"\\n\\t\\r\\b\\f\"", 1, "short escapes");
	json_is("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"", 1,
		"control characters");
	json_is("a\0b", 3, "\"a\\u0000b\"", 1, "a NUL byte");
	json_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
		"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", 1,
		"valid UTF-8 passes through");
	json_is("\xff\xfe", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"", 0,
		"invalid bytes become U+FFFD");
	json_is("\xc3", 1, "\"\xef\xbf\xbd\"", 0, "a truncated sequence");
	json_is("\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
		0, "a UTF-16 surrogate is not UTF-8");
	json_is("\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"", 0,
		"an overlong encoding is not UTF-8");
	b64_is("", 0, "");
	b64_is("f", 1, "Zg==");
	b64_is("fo", 2, "Zm8=");
	b64_is("foo", 3, "Zm9v");
	b64_is("foobar", 6, "Zm9vYmFy");
	b64_is("\xff\xfe", 2, "//4=");
	return tap_done();
}
