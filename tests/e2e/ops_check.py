#!/usr/bin/python3
"""ops_check.py — checks for the nightly-job outputs (t_ops_*.sh).

  metrics FILE             strict parse of the Prometheus text format; prints
                           one line per sample: NAME{k="v",...} VALUE (labels
                           sorted, unescaped values re-escaped) — exit 1 on
                           any format error
  metric FILE SERIES       the value of one series, e.g. 'permit_etl_rows{outcome="read"}'
  mail EML                 parses a mail: prints subject, then the text body
  mail-xlsx EML OUT.xlsx   writes the attachment; checks its MIME type and
                           that openpyxl opens it and it has a Summary sheet
  redacted XLSX DIR        no cell of XLSX holds a plate (4+ characters) of
                           the CSV files in DIR, and the Summary says REDACTED
  json-equal A B           the two files hold equal JSON values
  json-lines FILE          every line is a JSON object with "level" and
                           "event" and is valid UTF-8; prints the events
"""
import email
import email.policy
import json
import math
import re
import sys

NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*$')
LABEL = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*$')


def fail(msg):
    print("ops_check: " + msg, file=sys.stderr)
    sys.exit(1)


def parse_labels(s, lineno):
    """s is the text between { and }; returns a dict; strict escapes."""
    labels, i = {}, 0
    while i < len(s):
        j = s.index("=", i) if "=" in s[i:] else fail("line %d: label without =" % lineno)
        name = s[i:j]
        if not LABEL.match(name) or name in labels:
            fail("line %d: bad or repeated label name %r" % (lineno, name))
        if j + 1 >= len(s) or s[j + 1] != '"':
            fail("line %d: label value not quoted" % lineno)
        k, val = j + 2, []
        while True:
            if k >= len(s):
                fail("line %d: unterminated label value" % lineno)
            c = s[k]
            if c == "\\":
                if k + 1 >= len(s) or s[k + 1] not in '\\"n':
                    fail("line %d: bad escape in label value" % lineno)
                val.append({"\\": "\\", '"': '"', "n": "\n"}[s[k + 1]])
                k += 2
            elif c == '"':
                k += 1
                break
            elif c == "\n":
                fail("line %d: raw newline in label value" % lineno)
            else:
                val.append(c)
                k += 1
        labels[name] = "".join(val)
        if k < len(s):
            if s[k] != ",":
                fail("line %d: expected , between labels" % lineno)
            k += 1
        i = k
    return labels


def parse_metrics(path):
    data = open(path, "rb").read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        fail("not UTF-8")
    if not text.endswith("\n"):
        fail("last line not terminated")
    types, helps, samples = {}, {}, {}
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP "):
            parts = line[7:].split(" ", 1)
            if not NAME.match(parts[0]) or parts[0] in helps or len(parts) < 2:
                fail("line %d: bad HELP" % n)
            helps[parts[0]] = parts[1]
        elif line.startswith("# TYPE "):
            parts = line[7:].split(" ")
            if len(parts) != 2 or not NAME.match(parts[0]) or parts[0] in types or \
                    parts[1] not in ("gauge", "counter", "untyped", "summary", "histogram"):
                fail("line %d: bad TYPE" % n)
            if any(k[0] == parts[0] for k in samples):
                fail("line %d: TYPE after samples of %s" % (n, parts[0]))
            types[parts[0]] = parts[1]
        elif line.startswith("#") or line == "":
            fail("line %d: unexpected comment or blank line" % n)
        else:
            m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ([^ ]+)$', line)
            if not m:
                fail("line %d: not a sample: %r" % (n, line))
            name, labels = m.group(1), parse_labels(m.group(3) or "", n)
            if name not in types or name not in helps:
                fail("line %d: %s without HELP and TYPE before it" % (n, name))
            try:
                v = float(m.group(4))
            except ValueError:
                fail("line %d: bad value %r" % (n, m.group(4)))
            if math.isnan(v):
                fail("line %d: NaN" % n)
            key = (name, tuple(sorted(labels.items())))
            if key in samples:
                fail("line %d: duplicate series" % n)
            samples[key] = m.group(4)
    return samples


def series(key):
    name, labels = key
    if not labels:
        return name
    esc = lambda v: v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return name + "{" + ",".join('%s="%s"' % (k, esc(v)) for k, v in labels) + "}"


def main():
    cmd = sys.argv[1]
    if cmd == "metrics":
        for k, v in parse_metrics(sys.argv[2]).items():
            print(series(k), v)
    elif cmd == "metric":
        want = sys.argv[3]
        for k, v in parse_metrics(sys.argv[2]).items():
            if series(k) == want:
                print(v)
                return
        print("absent")
    elif cmd == "redacted":
        import csv, glob, os
        import openpyxl
        plates = set()
        for f in glob.glob(os.path.join(sys.argv[3], "*.csv")):
            for row in csv.DictReader(open(f, newline="", encoding="utf-8-sig")):
                for k, v in row.items():
                    if k and "plate" in k.lower() and v:
                        p = re.sub(r"[ .-]", "", v.strip()).upper()
                        if len(p) >= 4:
                            plates.add(p)
        if not plates:
            fail("no plates found in %s" % sys.argv[3])
        wb = openpyxl.load_workbook(sys.argv[2], read_only=True)
        said = False
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                for v in row:
                    if v is None:
                        continue
                    t = str(v).upper()
                    if ws.title == "Summary" and "REDACTED" in t:
                        said = True
                    for p in plates:
                        if p in t:
                            fail("sheet %s: a cell holds plate %s: %r" % (ws.title, p, v))
        if not said:
            fail("the Summary does not say the copy is redacted")
        print("%d plates checked" % len(plates))
    elif cmd in ("mail", "mail-xlsx"):
        msg = email.message_from_binary_file(open(sys.argv[2], "rb"), policy=email.policy.default)
        if cmd == "mail":
            print(msg["subject"])
            print("From:", msg["from"])
            print("To:", msg["to"])
            body = msg.get_body(preferencelist=("plain",))
            print(body.get_content())
            return
        atts = [p for p in msg.iter_attachments()]
        if len(atts) != 1:
            fail("%d attachments" % len(atts))
        a = atts[0]
        if a.get_content_type() != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
            fail("attachment type " + a.get_content_type())
        open(sys.argv[3], "wb").write(a.get_content())
        import openpyxl
        wb = openpyxl.load_workbook(sys.argv[3], read_only=True)
        if "Summary" not in wb.sheetnames:
            fail("no Summary sheet in the attachment: %s" % wb.sheetnames)
        print(a.get_filename())
    elif cmd == "json-equal":
        a = json.load(open(sys.argv[2], "rb"))
        b = json.load(open(sys.argv[3], "rb"))
        if a != b:
            fail("JSON values differ")
    elif cmd == "json-lines":
        for n, raw in enumerate(open(sys.argv[2], "rb").read().split(b"\n")[:-1], 1):
            try:
                line = raw.decode("utf-8")
                o = json.loads(line)
            except (UnicodeDecodeError, ValueError) as e:
                fail("line %d is not a UTF-8 JSON line: %r (%s)" % (n, raw[:200], e))
            if not isinstance(o, dict) or not isinstance(o.get("level"), str) or \
                    not isinstance(o.get("event"), str):
                fail("line %d lacks level/event: %r" % (n, line[:200]))
            print(o["level"], o["event"], json.dumps(o, sort_keys=True, ensure_ascii=False))
    else:
        fail("unknown command " + cmd)


main()
