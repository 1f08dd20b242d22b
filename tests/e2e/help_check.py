#!/usr/bin/env python3
"""help_check.py ROOT PE — every option a command accepts is in its --help
and in the man page.

The options come from the source, not from the help text: the commands are
the names in etl/main.c's commands[] table; each command's accepted options
are the entries of the `struct option` array of etl/cmd_NAME.c (with the
*_LONGOPTS macros of etl/*.h expanded) and the letters of its getopt_long()
option string (with the *_SHORT macros expanded). A new option without a
help line fails here. Prints TAP-ish "ok"/"not ok" lines like the e2e tests.
"""
import re
import subprocess
import sys

ROOT, PE = sys.argv[1], sys.argv[2]
failures = 0


def report(name, good, why=""):
    global failures
    if good:
        print("ok %s" % name)
    else:
        failures += 1
        print("not ok %s: %s" % (name, why))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


headers = {}
for h in ("cli.h", "inputs.h"):
    headers[h] = read("%s/etl/%s" % (ROOT, h))
allh = "\n".join(headers.values())


def macro_body(name):
    """The text of a #define NAME, continuation lines joined."""
    m = re.search(r"#define\s+%s\b((?:[^\n]*\\\n)*[^\n]*)" % re.escape(name), allh)
    if not m:
        raise SystemExit("help_check: no #define %s in etl/*.h" % name)
    return m.group(1).replace("\\\n", " ")


def long_names(text):
    names = re.findall(r'\{\s*"([a-z][a-z0-9-]*)"\s*,\s*(?:no|required|optional)_argument', text)
    for mac in re.findall(r"\b([A-Z_]+_LONGOPTS)\b", text):
        names += long_names(macro_body(mac))
    return names


def short_letters(cfile):
    """Letters of the getopt_long() option strings of the file."""
    letters = set()
    for m in re.finditer(r"getopt_long\s*\(\s*argc\s*,\s*argv\s*,\s*((?:\"[^\"]*\"|[A-Z_]+|\s)+),", cfile):
        parts = re.findall(r'"([^"]*)"|([A-Z_]+)', m.group(1))
        for lit, mac in parts:
            s = lit if not mac else re.search(r'"([^"]*)"', macro_body(mac)).group(1)
            letters |= {c for c in s if c.isalpha()}
    return letters


main_c = read("%s/etl/main.c" % ROOT)
table = main_c[main_c.index("commands[] = {"):]
table = table[:table.index("};")]
commands = re.findall(r'\{\s*"([a-z]+)"\s*,\s*cmd_\w+', table)
report("main.c lists commands", len(commands) >= 9, "found %r" % commands)
man = read("%s/permit-etl.1" % ROOT)
man_plain = man.replace("\\-", "-")

top = subprocess.run([PE, "--help"], capture_output=True, text=True)
for cmd in commands:
    report("permit-etl --help lists %s" % cmd,
           re.search(r"^  %s\s+\S" % cmd, top.stdout, re.M) is not None, top.stdout[:300])
    report("man page has the %s command" % cmd,
           re.search(r"^\.B %s\b" % cmd, man, re.M) is not None, "no '.B %s' line" % cmd)

for cmd in commands:
    src = read("%s/etl/cmd_%s.c" % (ROOT, cmd))
    fn = src[src.index("int cmd_%s(" % cmd):]
    arr = fn[fn.index("struct option"):]
    arr = arr[:arr.index("};")]
    longs = long_names(arr)
    shorts = short_letters(src)
    res = subprocess.run([PE, cmd, "--help"], capture_output=True, text=True)
    out = res.stdout
    report("%s --help exits 0" % cmd, res.returncode == 0, "exit %d" % res.returncode)
    report("%s: option table parsed" % cmd, "help" in longs and "h" in shorts,
           "longs %r shorts %r" % (longs, sorted(shorts)))
    for name in longs:
        # the option at the start of a line, then its meaning on that line:
        # "  -c, --config F    configuration file ..."
        pat = r"^[ \t]+(?:-[a-zA-Z], )?--%s(?:[ =][A-Z][A-Za-z0-9.-]*)?[ \t]{2,}\S" % re.escape(name)
        report("%s --help explains --%s" % (cmd, name), re.search(pat, out, re.M) is not None,
               "no line '--%s ...  meaning'" % name)
        report("man page has %s's --%s" % (cmd, name), ("--%s" % name) in man_plain,
               "no '\\-\\-%s' in permit-etl.1" % name.replace("-", "\\-"))
    for c in sorted(shorts):
        pat = r"^[ \t]+-%s, --[a-z]" % c
        report("%s --help explains -%s" % (cmd, c), re.search(pat, out, re.M) is not None,
               "no line '-%s, --...'" % c)
    ex = re.search(r"^Exit: (.*?)(?:\n\n|\Z)", out, re.M | re.S)
    report("%s --help gives the exit codes" % cmd,
           ex is not None and re.search(r"\b0 ", ex.group(1)) is not None
           and re.search(r"\b2 ", ex.group(1)) is not None
           and re.search(r"\b3 ", ex.group(1)) is not None,
           "no 'Exit: 0 ...; 2 ...; 3 ...' paragraph")
    report("%s --help has the global options once" % cmd,
           out.count("Global options:") == 1, "%d times" % out.count("Global options:"))

# the man page points to nothing that is not installed with it
for bad in ("DESIG" "N", "samples/", ".." "/shared", "spec/"):
    report("man page does not point to %s" % bad, bad not in man, "found %r" % bad)
sys.exit(1 if failures else 0)
