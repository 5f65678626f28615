#!/usr/bin/env python3
"""Runs every query of docs/inspect.md with the sqlite3 shell against a store
the test builds with the deltackpt CLI, and checks the output printed there.

usage: inspect_doc_test.py DELTACKPT DELTACKPT_WORKLOAD DOC EXTENSION|none [--update]
EXTENSION is the built libdeltackpt_sqlite.so, which the doc loads as
`.load build/libdeltackpt_sqlite`; with none (a sanitizer build, which does
not build it) those queries are not run, and the test says so.
--update rewrites the doc's outputs with what the queries print now.
"""
import os
import re
import subprocess
import sys
import tempfile

BLOCK = re.compile(r"```sql\n(.*?)```\n\n```text\n(.*?)```", re.S)


def build_store(cli, workload, directory):
    db = os.path.join(directory, "agent.db")
    for thread, name, steps in (("chat", "chat", 120), ("doc", "doc_edit", 40), ("plan", "plan_edit", 40)):
        jsonl = os.path.join(directory, name + ".jsonl")
        with open(jsonl, "wb") as out:
            subprocess.run([workload, name, "--steps", str(steps)], stdout=out, check=True)
        subprocess.run([cli, "ingest", db, "--thread", thread, "--jsonl", jsonl],
                       stdout=subprocess.DEVNULL, check=True)
    # The same conversation in a store set to zstd, for the extension's queries.
    subprocess.run([cli, "ingest", os.path.join(directory, "compressed.db"), "--thread", "chat", "--jsonl",
                    os.path.join(directory, "chat.jsonl"), "--encoding", "zstd"],
                   stdout=subprocess.DEVNULL, check=True)
    return db


def run_query(db, sql, extension):
    # The doc loads the extension from a build tree at the repository's root.
    sql = sql.replace(".load build/libdeltackpt_sqlite", ".load " + os.path.splitext(extension)[0])
    result = subprocess.run(["sqlite3", "-header", "-column", db], input=sql, capture_output=True,
                            text=True, check=False, cwd=os.path.dirname(db))
    if result.returncode != 0:
        raise SystemExit(f"sqlite3 failed on:\n{sql}\n{result.stderr}")
    # The column mode pads cells with trailing blanks; they carry nothing.
    return "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n"


def main():
    cli, workload, doc, extension = sys.argv[1:5]
    update = "--update" in sys.argv[5:]
    text = open(doc, encoding="utf-8").read()
    with tempfile.TemporaryDirectory() as directory:
        db = build_store(cli, workload, directory)
        failures = 0
        passed = 0
        skipped = []

        def check(match):
            nonlocal failures, passed
            sql, expected = match.group(1), match.group(2)
            if ".load " in sql and extension == "none":
                skipped.append(sql.splitlines()[-1])
                return match.group(0)
            got = run_query(db, sql, os.path.abspath(extension))
            if got == expected:
                passed += 1
            elif not update:
                failures += 1
                print(f"FAIL: query\n{sql}printed\n{got}instead of\n{expected}", file=sys.stderr)
            return f"```sql\n{sql}```\n\n```text\n{got}```"

        new_text = BLOCK.sub(check, text)
        count = len(BLOCK.findall(text))
        if count - len(skipped) < 10:
            print(f"FAIL: only {count} query blocks in {doc}", file=sys.stderr)
            failures += 1
    if update:
        open(doc, "w", encoding="utf-8").write(new_text)
        print(f"updated {count} outputs in {doc}")
        return 0
    if skipped:
        print(f"{len(skipped)} queries need the sqlite3 extension, which this build does not have: not run")
    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
