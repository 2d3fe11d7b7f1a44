//! Built-in workload profiles (shipped in `data/profiles.toml`, each with its source) and
//! the default transaction classes of each payment system.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::service::DistributionKind;
use super::shape::Shape;

/// One built-in profile as stored in the data file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileEntry {
    /// One sentence for users.
    pub description: String,
    /// 24 relative rates by local hour.
    pub hourly: Vec<f64>,
    /// 7 relative rates, Monday..Sunday.
    pub daily: Vec<f64>,
    /// 12 relative rates, January..December.
    pub monthly: Vec<f64>,
    /// "data", "published-shape" or "assumption".
    pub confidence: String,
    /// How the numbers were obtained.
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    profile: BTreeMap<String, ProfileEntry>,
}

/// All built-in profiles by name, parsed once from the embedded data file.
pub fn builtin_profiles() -> Result<&'static BTreeMap<String, ProfileEntry>, String> {
    static PROFILES: OnceLock<Result<BTreeMap<String, ProfileEntry>, String>> = OnceLock::new();
    PROFILES
        .get_or_init(|| {
            toml::from_str::<ProfileFile>(include_str!("data/profiles.toml"))
                .map(|f| f.profile)
                .map_err(|e| format!("built-in profiles.toml is invalid: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The shape of a built-in profile, or `None` if no profile has that name.
pub fn builtin_shape(name: &str) -> Result<Option<Shape>, String> {
    let profiles = builtin_profiles()?;
    let Some(entry) = profiles.get(name) else {
        return Ok(None);
    };
    Shape::from_daily_hourly(&entry.hourly, &entry.daily, &entry.monthly)
        .map(Some)
        .map_err(|e| format!("built-in profile `{name}` is invalid: {e}"))
}

/// A default transaction class of a built-in payment system.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DefaultClass {
    /// Class name.
    pub name: &'static str,
    /// Share of arrivals.
    pub share: f64,
    /// Latency target in ms.
    pub sla_ms: f64,
    /// Work distribution family.
    pub distribution: DistributionKind,
    /// Mean work, ssj_ops.
    pub mean_ssj_ops: f64,
    /// Coefficient of variation (lognormal and gamma).
    pub cv: f64,
    /// Profile of this class if it differs from the workload's.
    pub profile: Option<&'static str>,
}

const fn class(
    name: &'static str,
    share: f64,
    sla_ms: f64,
    distribution: DistributionKind,
    mean_ssj_ops: f64,
    cv: f64,
    profile: Option<&'static str>,
) -> DefaultClass {
    DefaultClass {
        name,
        share,
        sla_ms,
        distribution,
        mean_ssj_ops,
        cv,
        profile,
    }
}

use DistributionKind::{Exponential, Gamma, Lognormal};

/// Default classes when a scenario names a built-in profile and lists no classes.
///
/// These mixes and work figures are modelling assumptions, to be calibrated by each user:
/// * Work is in ssj_ops. One 2019 Dell R740 (2x Xeon 8280) core serves about 104,000
///   ssj_ops/s (SPECpower result power_ssj2008-20190409-00952: 5,811,114 ssj_ops on 56
///   cores), so 6,000 ssj_ops is about 58 ms of core time: the CPU a transaction uses across
///   the processing tiers (gateway, authorization, fraud, ledger) of one datacenter.
/// * SLA defaults follow the facts file's suggested default: network plus issuer processing
///   p99 under 300 ms; batch-like classes get seconds.
/// * The mobile-payments mix is the share of each action in the PaySim hourly aggregates
///   (one month of real mobile-money logs, 24.6 M transactions: CASH_OUT 36.5 %, PAYMENT
///   34.9 %, CASH_IN 20.0 %, TRANSFER 8.1 %, DEBIT 0.5 % folded into CASH_OUT).
pub fn default_classes(profile: &str) -> &'static [DefaultClass] {
    const CARD: &[DefaultClass] = &[
        class("authorization", 0.85, 300.0, Lognormal, 6_000.0, 1.0, None),
        class("fraud-scoring", 0.10, 300.0, Gamma, 9_000.0, 0.5, None),
        class("clearing", 0.05, 2_000.0, Exponential, 15_000.0, 1.0, None),
    ];
    const BANK: &[DefaultClass] = &[
        class("payment", 0.70, 500.0, Lognormal, 8_000.0, 1.0, None),
        class("balance-inquiry", 0.20, 300.0, Exponential, 2_000.0, 1.0, None),
        class(
            "settlement",
            0.10,
            5_000.0,
            Gamma,
            20_000.0,
            0.7,
            Some("bank-settlement"),
        ),
    ];
    const WALLET: &[DefaultClass] = &[
        class("payment", 0.80, 300.0, Lognormal, 5_000.0, 1.2, None),
        class("top-up", 0.15, 500.0, Exponential, 4_000.0, 1.0, None),
        class("risk-check", 0.05, 300.0, Gamma, 10_000.0, 0.5, None),
    ];
    const MOBILE: &[DefaultClass] = &[
        class("cash-out", 0.3696, 500.0, Lognormal, 4_000.0, 1.0, None),
        class("payment", 0.3491, 300.0, Lognormal, 3_000.0, 1.0, None),
        class("cash-in", 0.2000, 500.0, Exponential, 4_000.0, 1.0, None),
        class("transfer", 0.0813, 500.0, Exponential, 5_000.0, 1.0, None),
    ];
    const GENERIC: &[DefaultClass] = &[class("payment", 1.0, 300.0, Lognormal, 6_000.0, 1.0, None)];
    match profile {
        "card-network" => CARD,
        "bank" => BANK,
        "e-wallet" => WALLET,
        "mobile-payments" => MOBILE,
        _ => GENERIC,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_profile_is_a_valid_shape_with_a_source() {
        let profiles = builtin_profiles().unwrap();
        for name in [
            "flat",
            "card-network",
            "bank",
            "bank-settlement",
            "e-wallet",
            "mobile-payments",
        ] {
            let entry = profiles.get(name).unwrap_or_else(|| panic!("missing profile {name}"));
            assert!(!entry.source.trim().is_empty(), "{name} has no source");
            let shape = builtin_shape(name).unwrap().unwrap();
            assert!(shape.peak_factor() >= 1.0);
        }
    }

    #[test]
    fn default_class_shares_sum_to_one_and_profiles_exist() {
        for name in ["card-network", "bank", "e-wallet", "mobile-payments", "flat"] {
            let classes = default_classes(name);
            let total: f64 = classes.iter().map(|c| c.share).sum();
            assert!((total - 1.0).abs() < 1e-9, "{name}: shares sum to {total}");
            for c in classes {
                if let Some(p) = c.profile {
                    assert!(builtin_shape(p).unwrap().is_some(), "{p}");
                }
            }
        }
    }
}
