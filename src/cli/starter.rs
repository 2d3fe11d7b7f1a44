//! The commented starter scenario written by `greenloop new`.

/// Payment systems `greenloop new --kind` knows.
pub const KINDS: [&str; 4] = ["card-network", "bank", "e-wallet", "mobile-payments"];

/// A commented starter scenario for `kind`, named `name`.
pub fn starter(name: &str, kind: &str) -> String {
    let (mean_tps, what) = match kind {
        "bank" => (
            800,
            "a retail bank's payment platform (online banking, payments, nightly settlement)",
        ),
        "e-wallet" => (1500, "a consumer e-wallet (payments, top-ups, risk checks)"),
        "mobile-payments" => (600, "a mobile-money service (cash-in, cash-out, payments, transfers)"),
        _ => (3000, "a regional card network (authorization, fraud scoring, clearing)"),
    };
    format!(
        r#"# {name}: a greenloop scenario for {what}.
# Run it:       greenloop run {name}.toml --out results/{name}
# Check it:     greenloop validate {name}.toml
# Every key below is optional except the arrival rate; the values shown are the defaults
# unless a comment says otherwise.

name = "{name}"
description = "Starter scenario: {what}."
horizon = "7d"          # simulated time: "36h", "7d", "1y", "10y"
step = "15m"            # output resolution (and integration step in flow fidelity)
start = "2025-01-06"    # local date of t = 0 (sets weekdays and months)
seed = 1                # same seed, same results, on any machine and thread count
replications = 1        # > 1 adds 95 % confidence intervals to every metric
fidelity = "flow"       # "flow" (years, fast) or "transaction" (every transaction, hours to days)

[site]
name = "my-site"
pue = 1.56              # facility power / IT power (Uptime Institute 2024 average)

[workload]
mean_tps = {mean_tps}        # long-run mean transactions per second (not set by default)
profile = "{kind}"   # hour-of-day x day-of-week x month shape; see README
growth_per_year = 0.0   # 0.1 = +10 % a year
# Without [[workload.classes]] the profile's default classes are used. To define your own:
# [[workload.classes]]
# name = "authorization"
# share = 0.9                 # shares of all classes sum to 1
# sla_ms = 300                # latency target
# service = {{ distribution = "lognormal", mean_ssj_ops = 6000, cv = 1.0 }}
#
# A holiday peak: 4x the rate for 6 hours, every year:
# [[workload.bursts]]
# start = "2025-11-28T10:00"
# duration = "6h"
# multiplier = 4.0
# every = "1y"

[datacenter]
server = "dell-r740-xeon-8280"   # `greenloop catalog servers` lists the models
# count = 24                     # omit to size the fleet for the peak (below)
sizing = {{ target_utilization = 0.6, redundancy = 1 }}
dispatch = "join-shortest-queue" # or "round-robin", "power-aware-packing"
queue_capacity = 1000            # waiting places per server; beyond that, drops
power_management = "always-on"   # or "sleep-when-idle", "consolidate"

# [[datacenter.storage]]
# model = "netapp-aff-a30"
# count = 2
# [[datacenter.network]]
# model = "cisco-nexus-93180yc-ex"
# count = 4
"#
    )
}
