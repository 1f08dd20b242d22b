#!/usr/bin/python3
"""peer_report.py — the pandas + openpyxl yardstick of the report benchmark
(bench/run.sh, issue 20): read a pay-station CSV with pandas and write its
rows as one "Permits" sheet with openpyxl, as a user's own script would
(rows pandas cannot split are skipped, undecodable bytes replaced).
Debian's python3-pandas and python3-openpyxl (BENCH_DEB_PKGS).

  bench/peer_report.py FILE OUT.xlsx
"""
import sys

import pandas as pd


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: peer_report.py FILE OUT.xlsx\n")
        return 2
    df = pd.read_csv(sys.argv[1], encoding="utf-8-sig", dtype=str, keep_default_na=False,
                     encoding_errors="replace", on_bad_lines="skip")
    df.to_excel(sys.argv[2], sheet_name="Permits", index=False, engine="openpyxl")
    print("rows %d" % len(df))
    return 0


if __name__ == "__main__":
    sys.exit(main())
