#!/usr/bin/env python3
"""Print the SPECpower_ssj2008 rows behind src/catalog/data/servers.toml.

Usage:
    python3 src/catalog/data/scripts/extract_specpower.py SPECPOWER_CSV [--toml SERVERS_TOML]

SPECPOWER_CSV is the cloud-carbon-footprint copy of the SPECpower results table
(cloud-carbon-coefficients data/SPECpower-full-results.csv). The script prints, for
every catalog entry that was checked against that table, the row it was matched to
(vendor, system, date, CPU, chips, cores, threads, memory, ssj_ops@100 %, W@100 %,
W at active idle, overall ssj_ops/W), so a reviewer can re-check the numbers.

With --toml it also compares each matched row with the catalog entry and reports
every field that differs. Exit status is 1 if a row is missing or ambiguous, or if a
field differs that is not listed in KNOWN_DIFFS.

The product never reads the CSV at run time; this is a review aid only. Stdlib only.
"""

import argparse
import csv
import sys

# catalog id -> (vendor substring, system substring, exact CPU, exact date)
# Matching is case-insensitive on vendor/system substrings; CPU and date must be equal.
MATCHES = {
    "hp-dl180-g5-xeon-e5450": ("Hewlett-Packard", "DL180 G5", "Intel Xeon E5450", "Jan 30, 2008"),
    "dell-r710-xeon-x5670": ("Dell", "PowerEdge R710", "Intel Xeon X5670", "Aug 11, 2010"),
    "dell-r620-xeon-e5-2670": ("Dell", "PowerEdge R620", "Intel Xeon E5-2670", "Mar 21, 2012"),
    "dell-r720-xeon-e5-2660": ("Dell", "PowerEdge R720", "Intel Xeon E5-2660", "Nov 14, 2012"),
    "dell-r730-xeon-e5-2699v3": ("Dell", "PowerEdge R730", "Intel Xeon E5-2699 v3", "Feb 18, 2015"),
    "hpe-dl360-gen9-xeon-e5-2699v3": ("Hewlett Packard Enterprise", "DL360 Gen9", "Intel Xeon E5-2699 v3", "Jan 7, 2016"),
    "dell-r740-xeon-8180": ("Dell", "PowerEdge R740", "Intel Xeon Platinum 8180", "Sep 13, 2017"),
    "hpe-dl380-gen10-xeon-8180": ("Hewlett Packard Enterprise", "DL380 Gen10", "Intel Xeon Platinum 8180", "Sep 12, 2018"),
    "dell-r740-xeon-8280": ("Dell", "PowerEdge R740", "Intel Xeon Platinum 8280", "Apr 25, 2019"),
    "dell-r6515-epyc-7702p": ("Dell", "PowerEdge R6515", "EPYC 7702P", "Aug 12, 2020"),
    "dell-r7525-epyc-7702": ("Dell", "PowerEdge R7525", "EPYC 7702", "Apr 8, 2020"),
    # Two DL345 Gen10 Plus / EPYC 7763 rows share this date; the catalog uses the one
    # with 6,319,281 ssj_ops (the one the OpenDC curve matches).
    "hpe-dl345-gen10plus-epyc-7763": ("Hewlett Packard Enterprise", "DL345 Gen10 Plus", "EPYC 7763", "Mar 15, 2021", "6319281"),
    "hpe-dl385-gen10plus-epyc-7763": ("Hewlett Packard Enterprise", "DL385 Gen10 Plus", "EPYC 7763", "Mar 15, 2021"),
}

# Differences that servers.toml keeps on purpose and explains in the entry's source:
# the transcribed curve rounds active idle (54 W vs 54.5 W, 72 W vs 72.3 W).
KNOWN_DIFFS = {
    "dell-r6515-epyc-7702p": {"idle"},
    "dell-r7525-epyc-7702": {"idle"},
}

COLS = [
    ("vendor", "Hardware Vendor Test Sponsor"),
    ("system", "System Enclosure (if applicable)"),
    ("date", "Date Submitted"),
    ("cpu", "CPU Description"),
    ("chips", "Chips"),
    ("cores", "Cores"),
    ("threads", "Total Threads"),
    ("memory_gb", "Total Memory (GB)"),
    ("ssj_ops_100", "ssj_ops @ 100%"),
    ("w_100", "avg. watts @ 100%"),
    ("w_idle", "avg. watts @ active idle"),
    ("overall", "Result (Overall ssj_ops/watt)"),
]


def find_rows(rows, spec):
    vendor, system, cpu, date = spec[:4]
    ops = spec[4] if len(spec) > 4 else None
    out = []
    for r in rows:
        if vendor.lower() not in r["Hardware Vendor Test Sponsor"].lower():
            continue
        if system.lower() not in r["System Enclosure (if applicable)"].lower():
            continue
        if r["CPU Description"].strip() != cpu or r["Date Submitted"].strip() != date:
            continue
        if ops is not None and r["ssj_ops @ 100%"].strip() != ops:
            continue
        out.append(r)
    return out


def num(s):
    f = float(s)
    return int(f) if f.is_integer() else f


def compare(entry, row):
    """Return a list of 'field: catalog X, csv Y' strings for differing fields."""
    diffs = []
    pairs = [
        ("sockets", "Chips"),
        ("cores", "Cores"),
        ("threads", "Total Threads"),
        ("memory_gb", "Total Memory (GB)"),
        ("ssj_ops_at_100", "ssj_ops @ 100%"),
    ]
    for key, col in pairs:
        if key in entry and num(row[col]) != entry[key]:
            diffs.append(f"{key}: catalog {entry[key]}, csv {row[col]}")
    if "power_curve_w" in entry:
        idle, full = entry["power_curve_w"][0], entry["power_curve_w"][-1]
    else:
        idle, full = entry.get("idle_w"), entry.get("max_w")
    if idle is not None and num(row["avg. watts @ active idle"]) != idle:
        diffs.append(f"idle: catalog {idle}, csv {row['avg. watts @ active idle']}")
    if full is not None and num(row["avg. watts @ 100%"]) != full:
        diffs.append(f"100 %: catalog {full}, csv {row['avg. watts @ 100%']}")
    year = int(row["Date Submitted"].strip()[-4:])
    if entry.get("year") != year:
        diffs.append(f"year: catalog {entry.get('year')}, csv {year}")
    return diffs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv_path", help="path of specpower-results-ccf.csv")
    ap.add_argument("--toml", help="servers.toml to compare against (optional)")
    args = ap.parse_args()

    with open(args.csv_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))

    catalog = {}
    if args.toml:
        import tomllib  # stdlib since Python 3.11

        with open(args.toml, "rb") as fh:
            catalog = {s["id"]: s for s in tomllib.load(fh)["server"]}

    bad = 0
    for cid, spec in MATCHES.items():
        found = find_rows(rows, spec)
        print(f"== {cid}")
        if len(found) != 1:
            print(f"   !! expected 1 matching row, found {len(found)}")
            bad += 1
            continue
        row = found[0]
        for name, col in COLS:
            print(f"   {name:12s} {row[col]}")
        if args.toml:
            if cid not in catalog:
                print("   !! id not in catalog")
                bad += 1
                continue
            diffs = compare(catalog[cid], row)
            known = KNOWN_DIFFS.get(cid, set())
            unexplained = [d for d in diffs if d.split(":")[0] not in known]
            for d in diffs:
                tag = "DIFF" if d in unexplained else "DIFF (documented in servers.toml)"
                print(f"   {tag} {d}")
            if not diffs:
                print("   catalog matches this row")
            bad += bool(unexplained)

    if args.toml:
        unchecked = sorted(set(catalog) - set(MATCHES))
        print(f"\nnot in the CCF table (not checked here): {', '.join(unchecked) or 'none'}")
    print(f"{len(MATCHES)} entries checked, {bad} with problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
