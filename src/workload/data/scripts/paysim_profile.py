#!/usr/bin/env python3
"""Derive greenloop's `mobile-payments` profile and the PaySim arrival trace.

Input: PaySim's hourly aggregates, `paramFiles/aggregatedTransactions.csv` from
EdgarLopezPhD/PaySim (commit d1feae8), columns
    action,month,day,hour,count,sum,avg,std,step
with one row per (action, step) that had transactions. `step` is the hour index of
the month and equals day*24 + hour in every row (checked below).

Output (stdout):
  1. `hourly`: share of the month's total count that falls in each hour-of-day
     field value 0..23 (count summed over all actions), rounded to 4 significant
     digits. These are the numbers in profiles.toml [profile.mobile-payments].
  2. `daily`: seven 1.0 values. The weekday of day 0 is unknown (only month=10 is
     given, no year) and the day totals are dominated by gaps in the data rather
     than by a weekly rhythm, so the profile uses a flat week. The day-index-mod-7
     means are printed as a diagnostic only.
  3. The arrival-rate trace as CSV, header `time_h,tps`: one row per hour from the
     first to the last step present, time_h = step - first_step, tps = total count
     over all actions in that step / 3600, 0 for steps absent from the file.

With --trace-out PATH the trace CSV is also written to PATH.

Standard library only. Usage:
    python3 src/workload/data/scripts/paysim_profile.py paysim-hourly-aggregates.csv \
        [--trace-out scenarios/traces/paysim-mobile-money-hourly.csv]
"""

import argparse
import csv
import math
import sys
from collections import defaultdict


def sig4(x):
    """Format x with 4 significant digits as a plain decimal (always with a '.')."""
    if x == 0:
        return "0.0"
    digits = 4 - 1 - int(math.floor(math.log10(abs(x))))
    s = f"{round(x, digits):.{max(digits, 1)}f}"
    if "." in s:
        s = s.rstrip("0")
        if s.endswith("."):
            s += "0"
    return s


def tps_str(x):
    """tps with 6 decimals, trailing zeros removed ("0" for an empty hour)."""
    s = f"{x:.6f}".rstrip("0").rstrip(".")
    return s if s else "0"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv_path", help="PaySim aggregatedTransactions.csv")
    ap.add_argument("--trace-out", help="also write the time_h,tps trace to this path")
    args = ap.parse_args()

    by_step = defaultdict(int)  # step -> total count over all actions
    by_hour = defaultdict(int)  # hour-of-day field -> total count
    by_day = defaultdict(int)  # day field -> total count
    months = set()
    actions = set()
    rows = 0
    with open(args.csv_path, newline="") as f:
        for r in csv.DictReader(f):
            rows += 1
            step, day, hour = int(r["step"]), int(r["day"]), int(r["hour"])
            count = int(r["count"])
            if step != day * 24 + hour:
                sys.exit(f"unexpected row: step {step} != day*24+hour ({day}, {hour})")
            if not 0 <= hour <= 23:
                sys.exit(f"hour out of range: {hour}")
            by_step[step] += count
            by_hour[hour] += count
            by_day[day] += count
            months.add(r["month"])
            actions.add(r["action"])

    total = sum(by_step.values())
    first, last = min(by_step), max(by_step)
    n_hours = last - first + 1
    missing = [s for s in range(first, last + 1) if s not in by_step]

    print("# PaySim hourly aggregates")
    print(f"rows {rows}; actions {sorted(actions)}; month field {sorted(months)}")
    print(f"total count {total}")
    print(f"steps present {len(by_step)}; first step {first} (day {first // 24} hour {first % 24}); "
          f"last step {last} (day {last // 24} hour {last % 24})")
    print(f"trace hours {n_hours}; steps absent from the file (filled with 0): {len(missing)}")
    print()

    # 1. hourly shares
    shares = [by_hour[h] / total for h in range(24)]
    shares4 = [sig4(s) for s in shares]
    peak = max(shares)
    print("# hourly: share of total count by hour-of-day field (sum over all actions)")
    for h in range(24):
        print(f"hour {h:2d}  count {by_hour[h]:9d}  share {shares4[h]}")
    print(f"peak hour {shares.index(peak)}; peak share / mean share = {peak * 24:.3f}")
    print("hourly = [" + ", ".join(shares4) + "]")
    print()

    # 2. daily: flat, with diagnostic
    print("# daily: flat (weekday of day 0 unknown; day totals dominated by data gaps)")
    print("daily = [" + ", ".join(["1.0"] * 7) + "]")
    n_days = max(by_day) + 1
    print(f"diagnostic only, not used: total count per day field 0..{n_days - 1}:")
    print("  " + " ".join(str(by_day.get(d, 0)) for d in range(n_days)))
    means = []
    for k in range(7):
        vals = [by_day.get(d, 0) for d in range(n_days) if d % 7 == k]
        means.append(sum(vals) / len(vals))
    m = sum(means) / 7
    print("diagnostic only, not used: mean day total by (day mod 7), relative to mean, "
          "alignment to Monday..Sunday unknown:")
    print("  " + ", ".join(sig4(x / m) for x in means))
    print()

    # 3. trace
    lines = ["time_h,tps"]
    for s in range(first, last + 1):
        lines.append(f"{s - first},{tps_str(by_step.get(s, 0) / 3600.0)}")
    print(f"# trace: time_h = step - {first}, tps = count / 3600 "
          f"(time_h 0 is day 0 hour {first % 24:02d}:00 of the data)")
    print("\n".join(lines))
    if args.trace_out:
        with open(args.trace_out, "w", newline="") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
