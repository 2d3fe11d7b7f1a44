#!/usr/bin/env python3
"""Regenerate src/catalog/data/turbines.toml from the installed turbine packages.

The catalog's wind-turbine power curves are copied, number for number, from two
PyPI packages:

  * turbine-models 0.2.2 (NREL; BSD-3-Clause): turbine_models/data/**.csv (the curves)
    and turbine_models/specs/**.yaml (rated power, rotor, hub heights, cut-in/out);
  * atlite 0.7.0 (PyPSA; the turbine files carry "SPDX-License-Identifier: CC-BY-4.0"):
    atlite/resources/windturbine/*.yaml.

windpowerlib 0.2.2 is inspected too (its oedb turbine library is said to be ODbL-1.0
data), but nothing of it is written: the script only reports on stderr which
Goldwind / Vensys rows it holds.

Set-up (nothing else is needed; atlite's and windpowerlib's own dependencies are not,
because the script only reads their data files and never imports them):

    python3 -m venv /tmp/venv-wind
    /tmp/venv-wind/bin/pip install turbine-models==0.2.2      # brings PyYAML
    /tmp/venv-wind/bin/pip install --no-deps atlite==0.7.0 windpowerlib==0.2.2

Usage:

    /tmp/venv-wind/bin/python src/catalog/data/scripts/extract_turbines.py            # writes the file
    /tmp/venv-wind/bin/python src/catalog/data/scripts/extract_turbines.py --check    # exit 1 if it differs
    /tmp/venv-wind/bin/python src/catalog/data/scripts/extract_turbines.py --output - # print to stdout

The output is checked with tomllib before it is written. Other package versions are
refused (the file names its versions), unless --any-version is given.
"""

import argparse
import csv
import importlib.metadata as md
import io
import pathlib
import sys
import textwrap
import tomllib
from decimal import Decimal

import yaml

REPO = pathlib.Path(__file__).resolve().parents[4]
DEFAULT_OUTPUT = REPO / "src" / "catalog" / "data" / "turbines.toml"

PINNED = {"turbine-models": "0.2.2", "atlite": "0.7.0", "windpowerlib": "0.2.2"}

# ---------------------------------------------------------------------------------
# What is taken from turbine-models. The package's CSV/YAML files name no source;
# the provenance notes below are from the package's documentation pages (the
# "Sources" section of docs/<name>.html in the NREL/turbine-models repository).
# (id, manufacturer, model, file stem under data/ and specs/, confidence, provenance)
TM_ENTRIES = [
    ("vestas-v82-1.65", "Vestas", "V82-1.65 MW", "Onshore/VestasV82_1.65MW_82", "verified",
     "The package's documentation page VestasV82_1.65MW_82 says the curve was calculated from "
     "Vestas' 'General Specifications V82-1.65 MW MK II'."),
    ("vestas-v47-0.66-measured", "Vestas", "V47-660 kW", "Onshore/VestasV47_660kW_47", "secondary",
     "The package names no source for this curve; its unevenly spaced wind speeds look like "
     "binned measurements. Cross-check: vestas-v47-0.66 (atlite, from the Vestas datasheet)."),
    ("vestas-v27-0.225", "Vestas", "V27-225 kW", "Distributed/VestasV27_225kW_27", "secondary",
     "Measured: the package's documentation page VestasV27_225kW_27 names a Risoe (DTU) power "
     "performance test."),
    ("vestas-v29-0.225", "Vestas", "V29-225 kW", "Distributed/VestasV29_225kW_29", "secondary",
     "Measured: the package's documentation page VestasV29_225kW_29 names a power performance "
     "test (10-min bins up to 15.3 m/s, 1-min bins above)."),
    ("ge-1.5-77", "GE", "1.5 MW, 77 m rotor (the DOE-owned GE 1.5 MW at NREL's NWTC)",
     "Onshore/DOE_GE_1.5MW_77", "secondary",
     "Measured: the package's documentation page DOE_GE_1.5MW_77 names NREL's power performance "
     "test (NREL report fy15osti/63684). Negative values below cut-in are the turbine's own "
     "consumption as measured; the package does not state the reference air density."),
    ("ewt-dw61-1.0", "EWT", "DW61 1 MW", "Distributed/EWT_DW61_1MW_60.9", "verified",
     "The spec file's reference_links names the manufacturer's product page "
     "(ewtdirectwind.com/products/dw61/)."),
]

# What is taken from atlite. atlite's files give no rotor diameter: it is the number
# in the model designation (Vestas V112 = 112 m, Enercon E-82 = 82 m, Siemens
# SWT-3.6-107 = 107 m, Suzlon S82 = 82 m). Every file names a manufacturer datasheet
# in its `source:` field, so every entry is "verified".
# (id, manufacturer, model, file name, rotor diameter m, extra note)
ATLITE_ENTRIES = [
    ("vestas-v112-3.0", "Vestas", "V112-3.0 MW", "Vestas_V112_3MW.yaml", 112,
     "atlite's onshore and offshore V112 files name the same (offshore) brochure but give "
     "different curves; which V112-3.0 MW variant each curve is, the files do not say."),
    ("vestas-v112-3.0-offshore", "Vestas", "V112-3.0 MW Offshore", "Vestas_V112_3MW_offshore.yaml", 112,
     "atlite's onshore and offshore V112 files name the same (offshore) brochure but give "
     "different curves; which V112-3.0 MW variant each curve is, the files do not say."),
    ("vestas-v90-3.0", "Vestas", "V90-3.0 MW", "Vestas_V90_3MW.yaml", 90, ""),
    ("vestas-v80-2.0-gridstreamer", "Vestas", "V80-2.0 MW GridStreamer", "Vestas_V80_2MW_gridstreamer.yaml", 80, ""),
    ("vestas-v66-1.75", "Vestas", "V66-1.75 MW", "Vestas_V66_1750kW.yaml", 66, ""),
    ("vestas-v164-7.0-offshore", "Vestas", "V164-7.0 MW Offshore", "Vestas_V164_7MW_offshore.yaml", 164, ""),
    ("vestas-v47-0.66", "Vestas", "V47-660 kW", "Vestas_V47_660kW.yaml", 47,
     "Cross-check: vestas-v47-0.66-measured (turbine-models)."),
    ("enercon-e82-3.0", "Enercon", "E-82 3,000 kW", "Enercon_E82_3000kW.yaml", 82, ""),
    ("enercon-e101-3.05", "Enercon", "E-101 3,050 kW", "Enercon_E101_3000kW.yaml", 101, ""),
    ("siemens-swt-3.6-107", "Siemens", "SWT-3.6-107", "Siemens_SWT_107_3600kW.yaml", 107,
     "Siemens' wind business is now Siemens Gamesa; the source says Siemens."),
    ("siemens-swt-2.3-93", "Siemens", "SWT-2.3-93", "Siemens_SWT_2300kW.yaml", 93,
     "Siemens' wind business is now Siemens Gamesa; the source says Siemens."),
    ("suzlon-s82-1.5", "Suzlon", "S82-1.5 MW", "Suzlon_S82_1.5_MW.yaml", 82, ""),
]
ATLITE_DIR = "atlite/resources/windturbine"


class ExtractError(Exception):
    pass


def dist(name, any_version):
    d = md.distribution(name)
    if not any_version and d.version != PINNED[name]:
        raise ExtractError(f"{name} {d.version} is installed; this script is pinned to "
                           f"{PINNED[name]} (pass --any-version to override)")
    return d


def read(d, rel):
    path = pathlib.Path(d.locate_file(rel)).resolve()
    return path.read_text(encoding="utf-8")


def num(text):
    """A number as written in a source file, as a float (no rounding)."""
    return float(Decimal(str(text).strip()))


def mw_to_kw(value):
    """MW -> kW, exactly in decimal (0.905 MW -> 905.0 kW, not 905.0000000000001)."""
    return float(Decimal(repr(float(value))) * 1000)


def fmt(x):
    x = float(x)
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x)}.0"
    return repr(x)


def fmt_list(xs):
    return "[" + ", ".join(fmt(x) for x in xs) + "]"


def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check_curve(tid, v, p):
    if len(v) != len(p) or len(v) < 2:
        raise ExtractError(f"{tid}: {len(v)} speeds, {len(p)} powers")
    for i in range(1, len(v)):
        if v[i] < v[i - 1]:
            raise ExtractError(f"{tid}: wind speeds decrease at index {i}")
        if v[i] == v[i - 1] and i >= 2 and v[i - 1] == v[i - 2]:
            raise ExtractError(f"{tid}: a wind speed appears three times at index {i}")


# ---------------------------------------------------------------------------------
def from_turbine_models(d):
    version = d.version
    out = []
    for tid, manufacturer, model, stem, confidence, provenance in TM_ENTRIES:
        spec_rel = f"turbine_models/specs/{stem}.yaml"
        data_rel = f"turbine_models/data/{stem}.csv"
        spec = yaml.safe_load(read(d, spec_rel))
        rows = list(csv.reader(io.StringIO(read(d, data_rel))))
        header = [h.strip() for h in rows[0]]
        if header[0] != "Wind Speed [m/s]" or header[1] != "Power [kW]":
            raise ExtractError(f"{data_rel}: unexpected header {header}")
        v, p = [], []
        for row in rows[1:]:
            if not row or not row[0].strip():
                continue  # the EWT files end with empty ",," rows
            v.append(num(row[0]))
            p.append(num(row[1]))
        check_curve(tid, v, p)
        hub = spec.get("hub_height")
        if hub is not None and not isinstance(hub, list):
            hub = [hub]
        last_v = v[-1]
        cut_out = num(spec["cut_out_wind_speed"])
        if last_v < cut_out:
            ends = (f"The table stops at {fmt(last_v)} m/s, below the spec's cut-out of "
                    f"{fmt(cut_out)} m/s; the source gives no value in between.")
        else:
            ends = f"The table ends at the cut-out speed ({fmt(last_v)} m/s) at full power."
        out.append({
            "id": tid,
            "manufacturer": manufacturer,
            "model": model,
            "rated_kw": num(spec["rated_power"]),
            "rotor_diameter_m": num(spec["rotor_diameter"]),
            "hub_heights_m": [num(h) for h in hub] if hub else None,
            "cut_in_ms": num(spec["cut_in_wind_speed"]),
            "cut_out_ms": cut_out,
            "wind_speed_ms": v,
            "power_kw": p,
            "confidence": confidence,
            "source": (f"turbine-models {version} (PyPI, NREL), {data_rel} (curve) and {spec_rel} "
                       f"(rated power, rotor, hub heights, cut-in/out); BSD-3-Clause, "
                       f"Copyright (c) 2020, Alliance for Sustainable Energy, LLC. {provenance}"),
            "licence": "BSD-3-Clause",
            "comment": [f"turbine-models {data_rel}: cut-out is not encoded in the table, only "
                        f"in cut_out_ms. {ends}"],
        })
    return out


def from_atlite(d):
    version = d.version
    out = []
    for tid, manufacturer, model, fname, rotor, note in ATLITE_ENTRIES:
        rel = f"{ATLITE_DIR}/{fname}"
        text = read(d, rel)
        if "SPDX-License-Identifier: CC-BY-4.0" not in text:
            raise ExtractError(f"{rel}: no 'SPDX-License-Identifier: CC-BY-4.0' line")
        y = yaml.safe_load(text)
        if str(y.get("manufacturer", "")).strip() != manufacturer:
            raise ExtractError(f"{rel}: manufacturer {y.get('manufacturer')!r} != {manufacturer!r}")
        v = [num(x) for x in y["V"]]
        p = [mw_to_kw(x) for x in y["POW"]]
        check_curve(tid, v, p)
        positive = [i for i, x in enumerate(p) if x > 0]
        if not positive or p[-1] != 0:
            raise ExtractError(f"{rel}: the curve does not end with a drop to zero")
        cut_in = v[positive[0]]
        cut_out = v[-1]
        if v[-2] != cut_out:
            raise ExtractError(f"{rel}: cut-out is not a repeated wind speed")
        comment = [
            f"atlite {rel} (name: {y['name']!r}): powers converted from MW to kW. Cut-out is "
            f"encoded as a repeated speed: ({fmt(cut_out)} m/s, {fmt(p[-2])} kW) then "
            f"({fmt(cut_out)} m/s, 0.0 kW).",
            "rated_kw = the largest power in the curve; cut_in_ms = the lowest tabulated speed "
            "with power > 0; rotor_diameter_m from the model designation; hub_heights_m = the "
            "file's single HUB_HEIGHT.",
        ]
        if note:
            comment.append(note)
        out.append({
            "id": tid,
            "manufacturer": manufacturer,
            "model": model,
            "rated_kw": max(p),
            "rotor_diameter_m": float(rotor),
            "hub_heights_m": [num(y["HUB_HEIGHT"])],
            "cut_in_ms": cut_in,
            "cut_out_ms": cut_out,
            "wind_speed_ms": v,
            "power_kw": p,
            "confidence": "verified",
            "source": (f"atlite {version} (PyPI, PyPSA), {rel}; CC-BY-4.0 (the file's "
                       f"'SPDX-License-Identifier: CC-BY-4.0'), (c) Contributors to atlite "
                       f"<https://github.com/pypsa/atlite>. The file names the manufacturer "
                       f"datasheet it was read from: {y['source']}"),
            "licence": "CC-BY-4.0",
            "comment": comment,
        })
    return out


def windpowerlib_report(d):
    """Stderr only: which Goldwind / Vensys rows windpowerlib's oedb copy holds."""
    rel = "windpowerlib/oedb/turbine_data.csv"
    rows = list(csv.DictReader(io.StringIO(read(d, rel))))
    hits = [r for r in rows if any(w in (r["manufacturer"] + r["name"]).lower()
                                   for w in ("goldwind", "vensys"))]
    curves = {r["turbine_type"] for r in
              csv.DictReader(io.StringIO(read(d, "windpowerlib/oedb/power_curves.csv")))}
    print(f"windpowerlib {d.version} {rel}: {len(hits)} Goldwind/Vensys rows (not copied: "
          f"Open Energy Database data, reported as ODbL-1.0; the package states no data "
          f"licence):", file=sys.stderr)
    for r in hits:
        print(f"  {r['manufacturer']} {r['turbine_type']} ({r['name']}): has_power_curve="
              f"{r['has_power_curve']}, in power_curves.csv: {r['turbine_type'] in curves}",
              file=sys.stderr)


# ---------------------------------------------------------------------------------
def header(tm, at):
    bsd_rel = next(str(f) for f in tm.files if str(f).endswith("licenses/LICENSE.txt"))
    bsd = read(tm, bsd_rel)
    bsd_lines = ["#   " + line if line else "#" for line in bsd.strip().splitlines()]
    lines = f"""\
# greenloop catalog: wind turbines
# =================================
#
# GENERATED by src/catalog/data/scripts/extract_turbines.py from the installed PyPI packages
# turbine-models {tm.version} and atlite {at.version}. Do not edit by hand: change the
# script and re-run it.
#
# Schema, one [[turbine]] table per power curve:
#
#   id                kebab-case, unique
#   manufacturer      as the source names it ("Siemens" is today's Siemens Gamesa)
#   model             as marketed
#   rated_kw          kW. turbine-models: the spec file's rated_power. atlite (no such
#                     field): the largest power in the curve.
#   rotor_diameter_m  m. turbine-models: the spec file. atlite (no such field): the
#                     number in the model designation (V112 -> 112 m).
#   hub_heights_m     m, list. turbine-models: the spec file's hub_height (the heights
#                     offered). atlite: the file's single HUB_HEIGHT. Omitted when unknown.
#   cut_in_ms         m/s. turbine-models: the spec file. atlite: the lowest tabulated
#                     wind speed with power > 0.
#   cut_out_ms        m/s. turbine-models: the spec file. atlite: the repeated last speed.
#   wind_speed_ms     m/s, hub height, non-decreasing (see "Steps" below)
#   power_kw          kW, electrical output at each wind_speed_ms, same length
#   air_density_kg_m3 only where a source states a density other than 1.225 kg/m^3
#                     (none does: no entry has it, see "Air density")
#   confidence        "verified": copied unchanged from a dataset that names a
#                     manufacturer document (datasheet, brochure, specification) as the
#                     curve's origin. "secondary": anything else (here: curves measured
#                     in independent power performance tests, or of unknown origin).
#   source            package, version, file(s) inside the package, licence, provenance
#   licence           SPDX identifier of the data's licence
#
# Units: m/s and kW. atlite gives MW; its powers were multiplied by 1000 in exact
# decimal arithmetic, nothing else was changed. No curve was smoothed, resampled or
# extended: every point is the source's, in the source's order.
#
# Steps: a wind speed that appears twice in a row marks a step, the source's way of
# writing a cut-in or cut-out (atlite: "V: [..., 25, 25]" with "POW: [..., 3.06, 0.0]").
# Below the step the first value applies, from the step on the second (this is what
# numpy.interp, used by atlite, does). wind_speed_ms is therefore non-decreasing, with
# at most two equal speeds in a row, not strictly increasing.
#
# How cut-out is represented:
#   atlite entries         in the curve itself: the last two points are (cut_out_ms,
#                          full power) and (cut_out_ms, 0.0). Power is 0.0 from cut-out on.
#   turbine-models entries only in cut_out_ms: the tables end at or below cut-out at
#                          full power and never go to zero. Where a table stops below
#                          cut_out_ms the gap is the source's (each entry's comment says).
# Suggested reading rule (used by tests/fixtures/scripts/wind_weibull_reference.py):
#   P(v) = 0 below the first tabulated speed; linear interpolation between points (with
#   the step rule above); the last tabulated value from the last speed up to cut_out_ms;
#   0 above cut_out_ms.
# Below cut-in: atlite curves start with 0.0 points. turbine-models tables start at or
# near cut-in; the measured GE 1.5 MW table starts at 1.01 m/s with small negative
# values (the turbine's own consumption), kept as measured.
#
# Air density: neither package states the air density of its curves. Manufacturer
# curves are normally given for 1.225 kg/m^3 and the catalog takes them so. The measured
# (secondary) curves were normalised by their test reports, whose reference density the
# packages do not give.
#
# Licences of the data used (read from the installed packages):
#
# turbine-models {tm.version}: {bsd_rel}
# (the package's Trove classifier: "License :: OSI Approved :: BSD License"). Its full
# text, which must accompany redistributions of these entries:
#
{chr(10).join(bsd_lines)}
#
# atlite {at.version}: every turbine file used begins
#   "# SPDX-FileCopyrightText: Contributors to atlite <https://github.com/pypsa/atlite>"
#   "# SPDX-License-Identifier: CC-BY-4.0"
# (The package README says "Configuration and data files are mostly licensed under
# CC0-1.0" and "See the individual files for license details"; the files say CC-BY-4.0,
# and that is the licence used here. The package's own LICENSE file is MIT, for code.)
# Attribution: power curves from atlite (c) Contributors to atlite,
# https://github.com/pypsa/atlite, licensed under CC BY 4.0
# (https://creativecommons.org/licenses/by/4.0/). Changes: MW converted to kW; rated_kw,
# cut_in_ms, cut_out_ms, rotor_diameter_m derived as described above.
#
# Not used: windpowerlib's turbine library, a copy of the Open Energy Database's
# wind_turbine_library (reported as ODbL-1.0 by its publisher; the windpowerlib package
# itself states only MIT, for its code). ODbL data may only ship in a separate file.
"""
    return lines


def render(entries, tm, at):
    parts = [header(tm, at).rstrip("\n")]
    for e in entries:
        parts.append("")
        for c in e["comment"]:
            parts.extend(textwrap.wrap(c, width=88, initial_indent="# ", subsequent_indent="#   ",
                                       break_long_words=False, break_on_hyphens=False))
        parts.append("[[turbine]]")
        parts.append(f"id = {q(e['id'])}")
        parts.append(f"manufacturer = {q(e['manufacturer'])}")
        parts.append(f"model = {q(e['model'])}")
        parts.append(f"rated_kw = {fmt(e['rated_kw'])}")
        parts.append(f"rotor_diameter_m = {fmt(e['rotor_diameter_m'])}")
        if e["hub_heights_m"]:
            parts.append(f"hub_heights_m = {fmt_list(e['hub_heights_m'])}")
        parts.append(f"cut_in_ms = {fmt(e['cut_in_ms'])}")
        parts.append(f"cut_out_ms = {fmt(e['cut_out_ms'])}")
        parts.append(f"wind_speed_ms = {fmt_list(e['wind_speed_ms'])}")
        parts.append(f"power_kw = {fmt_list(e['power_kw'])}")
        parts.append(f"confidence = {q(e['confidence'])}")
        parts.append(f"source = {q(e['source'])}")
        parts.append(f"licence = {q(e['licence'])}")
    return "\n".join(parts) + "\n"


def validate(text, entries):
    doc = tomllib.loads(text)
    got = doc["turbine"]
    if len(got) != len(entries):
        raise ExtractError("TOML round trip lost entries")
    ids = [t["id"] for t in got]
    if len(set(ids)) != len(ids):
        raise ExtractError("duplicate ids")
    for t, e in zip(got, entries):
        if t["wind_speed_ms"] != e["wind_speed_ms"] or t["power_kw"] != e["power_kw"]:
            raise ExtractError(f"{t['id']}: TOML round trip changed the curve")
    return doc


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--output", default=str(DEFAULT_OUTPUT),
                    help="where to write ('-' for stdout); default: the catalog file")
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if the output file differs from what would be written")
    ap.add_argument("--any-version", action="store_true",
                    help="accept package versions other than the pinned ones")
    args = ap.parse_args(argv)
    try:
        tm = dist("turbine-models", args.any_version)
        at = dist("atlite", args.any_version)
        entries = from_turbine_models(tm) + from_atlite(at)
        # Vestas first, then the others; within each, the order of the tables above.
        entries.sort(key=lambda e: e["manufacturer"] != "Vestas")
        text = render(entries, tm, at)
        validate(text, entries)
        try:
            windpowerlib_report(dist("windpowerlib", args.any_version))
        except md.PackageNotFoundError:
            print("windpowerlib not installed: no Goldwind/Vensys report", file=sys.stderr)
    except (ExtractError, md.PackageNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.check:
        current = pathlib.Path(args.output).read_text(encoding="utf-8")
        if current != text:
            print(f"{args.output} differs from the script's output", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date ({len(entries)} turbines)", file=sys.stderr)
        return 0
    if args.output == "-":
        sys.stdout.write(text)
    else:
        pathlib.Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output} ({len(entries)} turbines)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
