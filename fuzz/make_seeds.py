#!/usr/bin/env python3
"""Rebuilds fuzz/seeds/ from scenarios/ and the shipped data files (run from anywhere).

Seeds are small on purpose: scenarios without their comment lines, data files cut to
their first rows. The fuzzers grow their own corpus in fuzz/corpus/ (not committed).
"""
import json
import pathlib
import shutil
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fuzz" / "seeds"


def strip_comments(text: str) -> str:
    return "".join(l for l in text.splitlines(keepends=True) if not l.lstrip().startswith("#"))


def head(path: pathlib.Path, lines: int) -> str:
    with open(path, encoding="utf-8", errors="strict") as f:
        return "".join(f.readline() for _ in range(lines))


def write(target: str, name: str, text: str) -> None:
    (SEEDS / target / name).write_text(text, encoding="utf-8")


def main() -> None:
    shutil.rmtree(SEEDS, ignore_errors=True)
    for t in ["scenario_toml", "scenario_json", "weather_csv", "trace_csv", "duration"]:
        (SEEDS / t).mkdir(parents=True)

    # Scenarios. The fuzz targets resolve relative paths against scenarios/, so the files of
    # scenarios/sites/ get their paths rewritten to stay valid from there.
    sources = sorted(ROOT.glob("scenarios/*.toml"))
    sources += sorted(ROOT.glob("scenarios/sites/*.toml"))
    sources += sorted(ROOT.glob("scenarios/teaching/*.toml"))
    sources += sorted(ROOT.glob("tests/bad_inputs/*.toml"))
    for src in sources:
        text = strip_comments(src.read_text(encoding="utf-8"))
        if src.parent.name == "sites":
            text = text.replace('"weather/', '"sites/weather/').replace('"grid/', '"sites/grid/')
        name = f"{src.parent.name}-{src.stem}"
        write("scenario_toml", name + ".toml", text)
        try:
            value = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue  # a deliberately broken bad input
        write("scenario_json", name + ".json", json.dumps(value, indent=1, default=str) + "\n")
    for src in sorted(ROOT.glob("tests/bad_inputs/*.json")):
        write("scenario_json", f"bad_inputs-{src.stem}.json", src.read_text(encoding="utf-8"))

    # Weather: TMY3 heads, a small EPW, plain CSVs.
    weather = ROOT / "scenarios/sites/weather"
    write("weather_csv", "tmy3-sand-point.csv", head(weather / "703165TY.csv", 14))
    write("weather_csv", "tmy3-greensboro.csv", head(weather / "723170TYA.CSV", 14))
    epw = [
        "LOCATION,GREENSBORO,NC,USA,TMY3,723170,36.1,-79.95,-5.0,273.0",
        "DESIGN CONDITIONS,0",
        "TYPICAL/EXTREME PERIODS,0",
        "GROUND TEMPERATURES,0",
        "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
        "COMMENTS 1,fuzz seed",
        "COMMENTS 2,fuzz seed",
        "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
    ]
    for hour in range(12):
        f = ["0"] * 35
        f[0:6] = ["1990", "1", "1", str(hour + 1), "60", "A7"]
        f[6], f[9] = f"{-2.0 + hour * 0.5}", "99000" if hour != 5 else "999999"
        f[13], f[14], f[15] = str(max(0, hour - 6) * 90), str(max(0, hour - 6) * 120), str(max(0, hour - 6) * 30)
        f[20], f[21] = "180", f"{1.5 + hour * 0.2:.1f}"
        epw.append(",".join(f))
    write("weather_csv", "epw-greensboro.epw", "\n".join(epw) + "\n")
    rows = ["ghi_w_m2,temp_air_c,wind_speed_ms,dni_w_m2,dhi_w_m2,pressure_pa"]
    rows += [f"{max(0, h - 6) * 80},{3 + h * 0.4:.1f},2.5,{max(0, h - 6) * 100},{max(0, h - 6) * 20},100500" for h in range(16)]
    write("weather_csv", "plain-full-columns.csv", "\n".join(rows) + "\n")
    rows = ["ghi_w_m2,temp_air_c,wind_speed_ms"]
    rows += [f"{max(0, h - 6) * 80},{3 + h * 0.4:.1f},2.5" for h in range(16)]
    write("weather_csv", "plain-ghi-only.csv", "\n".join(rows) + "\n")
    # A whole year (8,760 hours), so that mutations start from a file the plain reader
    # accepts and the fuzzer reaches the year's lookups (the heads above are all short).
    rows = ["ghi_w_m2,temp_air_c,wind_speed_ms"]
    rows += [f"{max(0, h % 24 - 6) * 80},{(h // 730) - 2},3" for h in range(8760)]
    write("weather_csv", "plain-full-year.csv", "\n".join(rows) + "\n")
    for name in ["weather-short.csv", "weather-nan.csv", "weather-missing-column.csv"]:
        write("weather_csv", name, head(ROOT / "tests/bad_inputs/traces" / name, 8))

    # Traces: workload rate traces and grid hourly years.
    write("trace_csv", "paysim-hourly.csv", head(ROOT / "scenarios/traces/paysim-mobile-money-hourly.csv", 30))
    write("trace_csv", "grid-de-2018.csv", head(ROOT / "scenarios/sites/grid/de-2018-hourly.csv", 30))
    write("trace_csv", "grid-fr-2020.csv", head(ROOT / "scenarios/sites/grid/fr-2020-hourly.csv", 30))
    for src in sorted((ROOT / "tests/bad_inputs/traces").glob("*.csv")):
        if not src.name.startswith("weather"):
            write("trace_csv", src.name, src.read_text(encoding="utf-8"))
    write("trace_csv", "time-min.csv", "time_min,tps\n0,12.5\n15,30\n30,0\n45,7\n")
    write("trace_csv", "time-s-rate-tps.csv", "time_s,rate_tps\n0,1\n1800,2\n3600,4\n")
    write(
        "trace_csv",
        "timestamp.csv",
        "timestamp,tps\n2025-01-06T00:00:00,3\n2025-01-06 00:30,4\n2025-01-06T01:00,5\n2025-01-06 01:30:00,2\n",
    )

    # Durations.
    for i, d in enumerate(
        ["15m", "36h", "2d", "5y", "1h30m", "1h 30m", "0.5s", "250ms", "10min", "1w", "0s",
         "1y 2d 3h 4m 5s 6ms 7us 8ns", "3µs", "30d", "2 months", "1.5e3s", "600y"]
    ):
        write("duration", f"d{i:02}", d)


if __name__ == "__main__":
    main()
