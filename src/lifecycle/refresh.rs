//! Refresh policies and the payback test of the efficiency-triggered policy.

use crate::datacenter::ServerModel;

/// When servers are replaced by new ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RefreshPolicy {
    /// At a fixed age.
    FixedAge {
        /// Age, years.
        years: f64,
    },
    /// When a newer model pays back its price within `payback_years` from the energy (and
    /// carbon, at the carbon price) it saves.
    Efficiency {
        /// Payback limit K, years.
        payback_years: f64,
        /// Servers younger than this are never replaced, years.
        min_age_years: f64,
    },
    /// Only failures beyond repair retire servers.
    RunToFailure,
}

impl RefreshPolicy {
    /// Name in outputs.
    pub fn as_str(&self) -> &'static str {
        match self {
            RefreshPolicy::FixedAge { .. } => "fixed-age",
            RefreshPolicy::Efficiency { .. } => "efficiency",
            RefreshPolicy::RunToFailure => "run-to-failure",
        }
    }
}

/// What a kWh saved is worth, for the payback test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnergyValue {
    /// Grid price, USD per kWh.
    pub usd_per_kwh: f64,
    /// Grid carbon intensity, kgCO2e per kWh.
    pub kgco2e_per_kwh: f64,
    /// Carbon price, USD per tCO2e.
    pub carbon_price_usd_per_t: f64,
    /// Facility overhead: kWh drawn per IT kWh.
    pub pue: f64,
}

impl EnergyValue {
    /// USD per IT kWh saved (energy plus carbon at the carbon price).
    pub fn usd_per_it_kwh(&self) -> f64 {
        self.pue * (self.usd_per_kwh + self.kgco2e_per_kwh * self.carbon_price_usd_per_t / 1000.0)
    }
}

/// The payback of replacing one server of model `old` (worth `resale_usd` now) by `ratio`
/// servers of model `new` (costing `price_new_usd` each) that carry the same work. The old
/// server runs at `utilization`. `ratio` is 1 for a fleet of fixed size (one for one: the
/// new server runs the old one's ssj_ops at a lower utilization) and
/// `old capacity / new capacity` for a fleet sized to its load (the same capacity, fewer
/// servers, at the same utilization). Years; infinite when the new servers save nothing.
pub fn payback_years(
    old: &ServerModel,
    new: &ServerModel,
    ratio: f64,
    utilization: f64,
    price_new_usd: f64,
    resale_usd: f64,
    value: &EnergyValue,
) -> f64 {
    let u_old = utilization.clamp(0.0, 1.0);
    let work = u_old * old.ssj_ops_at_100;
    let u_new = (work / (ratio * new.ssj_ops_at_100)).clamp(0.0, 1.0);
    let saved_w = old.curve.power_w(u_old) - ratio * new.curve.power_w(u_new);
    let saved_usd_per_year = saved_w * 8.76 * value.usd_per_it_kwh();
    let cost = (ratio * price_new_usd - resale_usd).max(0.0);
    if saved_usd_per_year <= 0.0 {
        f64::INFINITY
    } else {
        cost / saved_usd_per_year
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datacenter::{PowerCurve, PowerStates};

    fn server(ops: f64, idle_w: f64, max_w: f64) -> ServerModel {
        ServerModel {
            id: "s".into(),
            name: "s".into(),
            year: None,
            cores: 10,
            ssj_ops_at_100: ops,
            curve: PowerCurve::Linear { idle_w, max_w },
            states: PowerStates::default(),
            memory_gb: 64.0,
            source: String::new(),
        }
    }

    #[test]
    fn payback_is_price_over_yearly_saving() {
        // Old: 200 W idle, 400 W full; at 50 % it draws 300 W. New: twice the ssj_ops, so
        // 25 % utilization: 100 + 0.25 x 200 = 150 W. Saving 150 W = 1,314 kWh/yr; at
        // 0.1 USD/kWh and PUE 1.5: 197.1 USD/yr; price 2,000 - resale 29 -> 10 years.
        let value = EnergyValue {
            usd_per_kwh: 0.1,
            kgco2e_per_kwh: 0.4,
            carbon_price_usd_per_t: 0.0,
            pue: 1.5,
        };
        let p = payback_years(
            &server(1e6, 200.0, 400.0),
            &server(2e6, 100.0, 300.0),
            1.0,
            0.5,
            2000.0,
            29.0,
            &value,
        );
        assert!((p - 1971.0 / 197.1).abs() < 1e-9, "{p}");
        let with_carbon = EnergyValue {
            carbon_price_usd_per_t: 100.0,
            ..value
        };
        let p2 = payback_years(
            &server(1e6, 200.0, 400.0),
            &server(2e6, 100.0, 300.0),
            1.0,
            0.5,
            2000.0,
            29.0,
            &with_carbon,
        );
        assert!(p2 < p, "a carbon price shortens the payback");
        let worse = payback_years(
            &server(1e6, 200.0, 400.0),
            &server(1e6, 250.0, 500.0),
            1.0,
            0.5,
            2000.0,
            0.0,
            &value,
        );
        assert!(worse.is_infinite());
        // Capacity-equivalent: half a new server (1,000 USD) at 50 % draws 0.5 x 250 W
        // = 125 W; saving 175 W = 229.95 USD/yr; payback (1000 - 29) / 229.95.
        let half = payback_years(
            &server(1e6, 200.0, 400.0),
            &server(2e6, 100.0, 400.0),
            0.5,
            0.5,
            2000.0,
            29.0,
            &value,
        );
        assert!((half - 971.0 / (175.0 * 8.76 * 0.15)).abs() < 1e-9, "{half}");
    }
}
