#!/usr/bin/env python3
"""help_check.py ROOT PE — every option a command accepts is in its --help
and in the man page.

The options come from the source, not from the help text: the commands are
the names in etl/cmd.h's COMMAND_LIST; each command's accepted options are
what etl/command.c's build_options() gives it: the global flags
(CLI_GLOBAL_LONGOPTS, CLI_GLOBAL_SHORT), with CMD_INPUTS in its .flags the
inputs options (INPUTS_LONGOPTS, INPUTS_SHORT), else with CMD_CONFIG
-c/--config, then the entries (CMD_FLAG, CMD_STRING, CMD_SHORT_STRING,
CMD_HOOK) of the `struct cmd_option` table its .options names in
etl/cmd_NAME.c (with the *_OPTIONS macros of etl/*.h expanded), a
CMD_SHORT_STRING's letter too. A new option without a help line fails
here. Prints TAP-ish "ok"/"not ok" lines like the e2e tests.
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
for h in ("cli.h", "inputs.h", "admin.h", "pipeline.h"):
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
    names += re.findall(r"\bCMD_(?:FLAG|STRING|HOOK|SHORT_STRING)\s*\(\s*(?:'.'\s*,\s*)?"
                        r'"([a-z][a-z0-9-]*)"', text)
    for mac in re.findall(r"\b([A-Z_]+_(?:LONGOPTS|OPTIONS))\b", text):
        if mac != "CMD_OPTIONS":
            names += long_names(macro_body(mac))
    return names


def macro_short(name):
    return re.search(r'"([^"]*)"', macro_body(name)).group(1)


# build_options() in command.c is what the rules above mirror: fail here
# when it no longer adds the shared options this way
command_c = read("%s/etl/command.c" % ROOT)
for needle in ("CLI_GLOBAL_LONGOPTS", "INPUTS_LONGOPTS", '"config", required_argument',
               "CMD_INPUTS ? INPUTS_SHORT : cmd->flags & CMD_CONFIG ? \"c:\""):
    report("command.c build_options() adds %s as help_check.py expects" % needle,
           needle in command_c, "not found")


def command_options(cmd, src):
    """(long names, short letters) the command accepts, from its source."""
    m = re.search(r"const struct command cmd_%s\s*=\s*\{(.*?)\n\};" % cmd, src, re.S)
    if not m:
        return [], set()
    spec = m.group(1)
    flags = re.search(r"\.flags\s*=\s*([^,]*),", spec)
    flags = flags.group(1) if flags else ""
    longs = long_names(macro_body("CLI_GLOBAL_LONGOPTS"))
    shorts = set(macro_short("CLI_GLOBAL_SHORT"))
    if "CMD_INPUTS" in flags:
        longs += long_names(macro_body("INPUTS_LONGOPTS"))
        shorts |= set(macro_short("INPUTS_SHORT"))
    elif "CMD_CONFIG" in flags:
        longs.append("config")
        shorts.add("c")
    arr = re.search(r"\.options\s*=\s*(\w+)", spec)
    if arr:
        t = re.search(r"struct cmd_option %s\[\]\s*=\s*\{(.*?)\n\};" % arr.group(1), src,
                      re.S)
        if t:
            longs += long_names(t.group(1))
            shorts |= set(re.findall(r"\bCMD_SHORT_STRING\s*\(\s*'(.)'", t.group(1)))
    return longs, {c for c in shorts if c.isalpha()}


cmd_h = read("%s/etl/cmd.h" % ROOT)
table = cmd_h[cmd_h.index("#define COMMAND_LIST(X)"):]
table = table[:table.index("\n\n")]
commands = re.findall(r"\bX\(([a-z]+)\)", table)
report("cmd.h lists commands", len(commands) >= 9, "found %r" % commands)
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
    longs, shorts = command_options(cmd, src)
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
