/* bench/csv_bare.c — the floor for CSV ingest: a bare libcsv parse of a file.
 *
 *   bench-csv-bare [--per-line] FILE
 *
 * Reads FILE in 1 MiB blocks and feeds them to libcsv (default options, so
 * a stray quote in a dirty file does not stop it; no per-field work beyond
 * counting bytes), then prints `rows N fields N bytes N` to stdout.  With --per-line every physical line is fed to a fresh parse
 * state on its own (strict mode, csv_fini after each line), the way the ingest module
 * reads CSV so that a broken line cannot swallow the next ones: the
 * difference between the two is the price of that rule.  With --split a
 * line without a `"` is split on `,` with memchr and only quoted lines go to
 * libcsv: what a quote-free fast path in front of libcsv would cost.
 *
 * Exit: 0 ok, 2 usage, 3 I/O or parse error.
 */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct counts {
	unsigned long long rows, fields, bytes;
};

static void on_field(void *s, size_t len, void *data)
{
	struct counts *c = data;
	(void)s;
	c->fields++;
	c->bytes += len;
}

static void on_row(int ch, void *data)
{
	struct counts *c = data;
	(void)ch;
	c->rows++;
}

int main(int argc, char **argv)
{
	int per_line = 0, split = 0;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--per-line"))
			per_line = 1;
		else if (!strcmp(argv[i], "--split"))
			per_line = split = 1;
		else if (!path)
			path = argv[i];
		else
			path = NULL, i = argc;
	}
	if (!path) {
		fputs("usage: bench-csv-bare [--per-line | --split] FILE\n", stderr);
		return 2;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bench-csv-bare: %s: %s\n", path, strerror(errno));
		return 3;
	}
	struct csv_parser p;
	if (csv_init(&p, per_line ? CSV_STRICT | CSV_STRICT_FINI : 0) != 0) {
		fclose(f);
		return 3;
	}
	struct counts c = { 0, 0, 0 };
	unsigned long long bad = 0;
	static char buf[1 << 20];
	size_t n, keep = 0;
	int ret = 0;
	while ((n = fread(buf + keep, 1, sizeof buf - keep, f)) > 0 || keep) {
		if (!per_line) {
			if (csv_parse(&p, buf, n, on_field, on_row, &c) != n) {
				fprintf(stderr, "bench-csv-bare: %s: %s\n", path,
					csv_strerror(csv_error(&p)));
				ret = 3;
				break;
			}
			continue;
		}
		size_t len = keep + n, at = 0;
		int eof = n == 0;
		for (;;) {
			char *nl = memchr(buf + at, '\n', len - at);
			if (!nl && !eof)
				break;
			size_t end = nl ? (size_t)(nl - buf) + 1 : len;
			if (end == at)
				break;
			if (split && !memchr(buf + at, '"', end - at)) {
				size_t e = end;
				while (e > at && (buf[e - 1] == '\n' || buf[e - 1] == '\r'))
					e--;
				const char *q = buf + at, *stop = buf + e;
				for (;;) {
					const char *comma = memchr(q, ',', (size_t)(stop - q));
					const char *fe = comma ? comma : stop;
					on_field(NULL, (size_t)(fe - q), &c);
					if (!comma)
						break;
					q = comma + 1;
				}
				on_row('\n', &c);
				at = end;
				continue;
			}
			if (csv_parse(&p, buf + at, end - at, on_field, on_row, &c) != end - at ||
			    csv_fini(&p, on_field, on_row, &c) != 0) {
				bad++;
				csv_free(&p);
				if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
					ret = 3;
					break;
				}
			}
			at = end;
		}
		keep = len - at;
		memmove(buf, buf + at, keep);
		if (eof || ret)
			break;
		if (keep == sizeof buf) {
			fprintf(stderr, "bench-csv-bare: %s: line over 1 MiB\n", path);
			ret = 3;
			break;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "bench-csv-bare: %s: read error\n", path);
		ret = 3;
	}
	if (!per_line && !ret && csv_fini(&p, on_field, on_row, &c) != 0) {
		fprintf(stderr, "bench-csv-bare: %s: %s\n", path, csv_strerror(csv_error(&p)));
		ret = 3;
	}
	csv_free(&p);
	fclose(f);
	printf("rows %llu fields %llu bytes %llu", c.rows, c.fields, c.bytes);
	if (per_line)
		printf(" broken_lines %llu", bad);
	printf("\n");
	return ret;
}
