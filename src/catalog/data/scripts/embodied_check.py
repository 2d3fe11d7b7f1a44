#!/usr/bin/env python3
"""Bottom-up embodied carbon of the servers in src/catalog/data/servers.toml.

Usage:
    python3 src/catalog/data/scripts/embodied_check.py [SERVERS_TOML] [--breakdown] [--pcf-configs]

--breakdown prints the per-component kgCO2e; --pcf-configs applies the same factors to the
configurations the manufacturer PCFs themselves describe (to separate configuration
differences from method differences).

For every [[server]] the script reads `components` and `form_factor` and adds up the
Boavizta API manufacturing (GWP) factors, as listed in shared facts.md section 2.1
(Boavizta/boaviztapi commit 15878f0, boaviztapi/data/factors.yml; source of the factors:
Umweltbundesamt, "Green Cloud Computing", Texte 94/2021):

    CPU        9.14 kgCO2e + 0.0197 kgCO2e per mm2 of die, per CPU package
    RAM        5.22 kgCO2e + 2.20 kgCO2e per cm2 of DRAM die, per DIMM; die area =
               GB per DIMM / 1.244 GB/cm2 (mean density of Boavizta ram_manufacture.csv)
    SSD        6.34 kgCO2e + 2.20 kgCO2e per cm2 of NAND die, per drive; die area =
               GB per drive / 54.9 GB/cm2 (mean density of Boavizta ssd_manufacture.csv)
    HDD        31.11 kgCO2e per drive
    mainboard  66.10 kgCO2e
    PSU        24.30 kgCO2e per kg of PSU
    assembly   6.68 kgCO2e
    case       150 kgCO2e for a rack case. Boavizta has only "rack" and "blade" cases
               (data/archetypes/components/case.csv and factors.yml); there is no tower
               value, so a tower uses the rack value too.

Assumptions made here (not in servers.toml):
    * DIMMs are 32 GB. dram_gb is split into dram_gb / 32 DIMMs, fractional counts
      allowed, so that the RAM term is proportional to capacity
      (5.22 / 32 kg per GB for the DIMM base + 2.20 / 1.244 kg per GB for the die).
    * SSDs are 960 GB drives: ssd_tb x 1000 / 960 drives (1.92 TB -> 2 drives).

It prints one row per server: id, components, bottom-up kgCO2e, the manufacturer PCF's
manufacturing footprint (pcf_kgco2e x pcf_manufacturing_share) where servers.toml has one,
and the ratio bottom-up / PCF. A first check row applies the same code to the Boavizta
`dellR740` archetype (2 CPUs x 24 cores x 24.5 mm2 per core, 12 x 32 GB RAM, 1 x 400 GB
SSD, 2 PSUs of 2.99 kg, rack case), which must reproduce facts.md's ~1,173 kgCO2e.

Stdlib only (Python 3.11+ for tomllib). Review aid; the product does not run it.
"""

import sys
import tomllib
from pathlib import Path

# Boavizta factors.yml (commit 15878f0), GWP in kgCO2e
CPU_BASE, CPU_PER_MM2 = 9.14, 0.0197
RAM_BASE, RAM_PER_CM2, RAM_GB_PER_CM2 = 5.22, 2.20, 1.244
SSD_BASE, SSD_PER_CM2, SSD_GB_PER_CM2 = 6.34, 2.20, 54.9
HDD_EACH = 31.11
MAINBOARD = 66.10
PSU_PER_KG = 24.30
ASSEMBLY = 6.68
CASE_RACK = 150.0  # also used for towers: Boavizta has no tower case value

DIMM_GB = 32.0  # assumption, see docstring
SSD_GB = 960.0  # assumption, see docstring

DEFAULT_TOML = Path(__file__).resolve().parent.parent / "servers.toml"

# Boavizta archetype dellR740 (boaviztapi/data/archetypes/server.csv), for the check row
ARCHETYPE_R740 = {
    "id": "CHECK boavizta-archetype-dellR740",
    "form_factor": "2U",
    "components": {
        "cpus": 2, "cpu_die_mm2": 24 * 24.5, "dram_gb": 12 * 32, "ssd_tb": 0.4,
        "hdd_count": 0, "psu_count": 2, "psu_kg": 2.99,
    },
    "ssd_gb_per_drive": 400.0,
}


# The configurations the manufacturer PCFs describe (Boavizta environmental-footprint-data
# columns number_cpu / memory / hard_drive, shared/reference/data/boavizta-pcf.csv), for
# --pcf-configs. CPU die areas are this catalog's values for the SPEC CPU (the PCF's CPU
# model is not given); PSUs are 2 x 2.99 kg as everywhere; an SSD of unstated size is
# taken as 960 GB. Memory is the data set's "memory" column read as total GB.
PCF_CONFIGS = [
    ("dell-r730 PCF config", 2, 662.0, 16, [], 4, 7490.0, 0.163),
    ("dell-r740 PCF config", 2, 694.0, 32, [], 3, 8640.0, 0.152),
    ("hpe-dl380-gen10 PCF config", 1, 694.0, 32, [960.0], 0, 4780.0, 0.104),
    ("dell-r6515 PCF config", 1, 1008.0, 8, [480.0, 480.0], 0, 8160.0, 0.08),
    ("hpe-dl345-gen10plus PCF config", 1, 1064.0, 32, [], 0, 8370.0, 0.299),
]


def pcf_config_entries():
    for name, cpus, die, gb, ssds, hdds, pcf, share in PCF_CONFIGS:
        # one entry per SSD size (all sizes here are uniform or absent)
        ssd_gb = ssds[0] if ssds else SSD_GB
        yield {
            "id": name, "form_factor": "rack",
            "components": {
                "cpus": cpus, "cpu_die_mm2": die, "dram_gb": gb,
                "ssd_tb": len(ssds) * ssd_gb / 1000.0, "hdd_count": hdds,
                "psu_count": 2, "psu_kg": 2.99,
            },
            "ssd_gb_per_drive": ssd_gb, "pcf_kgco2e": pcf, "pcf_manufacturing_share": share,
        }


def breakdown(entry):
    """Component GWP (kgCO2e) of one server entry, as an ordered dict."""
    c = entry["components"]
    cpu = c["cpus"] * (CPU_BASE + CPU_PER_MM2 * c["cpu_die_mm2"])
    dimms = c["dram_gb"] / DIMM_GB
    ram = dimms * RAM_BASE + RAM_PER_CM2 * c["dram_gb"] / RAM_GB_PER_CM2
    ssd_gb = entry.get("ssd_gb_per_drive", SSD_GB)
    n_ssd = c["ssd_tb"] * 1000.0 / ssd_gb
    ssd = n_ssd * (SSD_BASE + SSD_PER_CM2 * ssd_gb / SSD_GB_PER_CM2)
    hdd = c["hdd_count"] * HDD_EACH
    psu = c["psu_count"] * c["psu_kg"] * PSU_PER_KG
    case = CASE_RACK  # rack value for every form factor (no tower value in Boavizta)
    return {
        "cpu": cpu, "ram": ram, "ssd": ssd, "hdd": hdd, "mainboard": MAINBOARD,
        "psu": psu, "assembly": ASSEMBLY, "case": case,
    }


def describe(entry):
    c = entry["components"]
    ssd_gb = entry.get("ssd_gb_per_drive", SSD_GB)
    n_ssd = c["ssd_tb"] * 1000.0 / ssd_gb
    return (f"{c['cpus']}x{c['cpu_die_mm2']:.0f}mm2 {c['dram_gb']:g}GB "
            f"{n_ssd:g}x{ssd_gb:.0f}GB-SSD {c['hdd_count']}HDD "
            f"{c['psu_count']}x{c['psu_kg']:g}kg-PSU {entry.get('form_factor', '?')}")


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    show_breakdown = "--breakdown" in argv
    path = Path(args[0]) if args else DEFAULT_TOML
    with open(path, "rb") as f:
        servers = tomllib.load(f)["server"]

    rows = [ARCHETYPE_R740] + servers
    head = f"{'id':<36} {'components':<52} {'bottom-up':>9} {'PCF mfg':>8} {'ratio':>6}"
    print(head)
    print("-" * len(head))
    for e in rows:
        total = sum(breakdown(e).values())
        pcf, share = e.get("pcf_kgco2e"), e.get("pcf_manufacturing_share")
        if pcf is not None and share is not None:
            mfg = pcf * share
            pcf_s, ratio_s = f"{mfg:8.0f}", f"{total / mfg:6.2f}"
        else:
            pcf_s, ratio_s = f"{'-':>8}", f"{'-':>6}"
        print(f"{e['id']:<36} {describe(e):<52} {total:9.0f} {pcf_s} {ratio_s}")

    if "--pcf-configs" in argv:
        print()
        print("Same factors applied to the configurations the manufacturer PCFs describe:")
        for e in pcf_config_entries():
            total = sum(breakdown(e).values())
            mfg = e["pcf_kgco2e"] * e["pcf_manufacturing_share"]
            print(f"{e['id']:<36} {describe(e):<52} {total:9.0f} {mfg:8.0f} {total / mfg:6.2f}")

    if show_breakdown:
        print()
        keys = ["cpu", "ram", "ssd", "hdd", "mainboard", "psu", "assembly", "case"]
        head = f"{'id':<36} " + " ".join(f"{k:>9}" for k in keys) + f" {'total':>7} {'RAM %':>6}"
        print(head)
        print("-" * len(head))
        for e in rows:
            b = breakdown(e)
            total = sum(b.values())
            print(f"{e['id']:<36} " + " ".join(f"{b[k]:9.0f}" for k in keys)
                  + f" {total:7.0f} {100 * b['ram'] / total:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
