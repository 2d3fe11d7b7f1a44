//! Batteries: energy capacity, charge and discharge power limits, charge and discharge
//! efficiency (the round-trip efficiency split evenly), a state-of-charge window,
//! self-discharge, and capacity fade with equivalent full cycles and calendar age.
//!
//! Fade is linear to the end-of-life state of health (80 %) at either `cycle_life`
//! equivalent full cycles or `calendar_life_years`, whichever the combination reaches:
//! SoH = 1 - 0.2 (EFC / cycle_life) - 0.2 (age / calendar_life). The battery also tracks how
//! much of its stored energy came from on-site renewables, so that energy delivered later
//! can be counted as carbon-free.

/// When the battery charges and discharges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BatteryDispatch {
    /// Store surplus renewables, cover deficits.
    SelfConsumption,
    /// Store surplus renewables; charge from the grid in the day's cleanest hours (grid
    /// intensity at or below the day's `low_quantile`) and discharge in its dirtiest (at or
    /// above `high_quantile`).
    CarbonAware {
        /// Quantile of the day's intensities below which the grid charges the battery.
        low_quantile: f64,
        /// Quantile above which the battery discharges.
        high_quantile: f64,
        /// Whether the grid may charge the battery.
        grid_charging: bool,
    },
    /// The same on the day's prices.
    PriceArbitrage {
        /// Quantile of the day's prices below which the grid charges the battery.
        low_quantile: f64,
        /// Quantile above which the battery discharges.
        high_quantile: f64,
    },
}

/// A battery as specified.
#[derive(Debug, Clone, PartialEq)]
pub struct BatterySpec {
    /// Nominal energy capacity, kWh.
    pub capacity_kwh: f64,
    /// Largest charging power at the terminals, kW.
    pub charge_power_kw: f64,
    /// Largest discharging power at the terminals, kW.
    pub discharge_power_kw: f64,
    /// Round-trip efficiency (energy out / energy in over a full cycle).
    pub round_trip_efficiency: f64,
    /// Lowest state of charge (fraction of current capacity).
    pub soc_min: f64,
    /// Highest state of charge.
    pub soc_max: f64,
    /// State of charge at the start.
    pub initial_soc: f64,
    /// Self-discharge per day (fraction of stored energy).
    pub self_discharge_per_day: f64,
    /// Equivalent full cycles to 80 % state of health.
    pub cycle_life: f64,
    /// Years to 80 % state of health at rest.
    pub calendar_life_years: f64,
    /// The battery is replaced by a new one when its state of health falls to this (0:
    /// never).
    pub replace_at_soh: f64,
    /// Dispatch policy.
    pub dispatch: BatteryDispatch,
}

impl BatteryDispatch {
    /// The policy in words, e.g. "carbon-aware (grid charging below the day's 25 % quantile
    /// of carbon intensity, discharging above its 75 % quantile)".
    pub fn describe(&self) -> String {
        match *self {
            BatteryDispatch::SelfConsumption => {
                "self-consumption (stores surplus renewables, covers deficits)".to_owned()
            }
            BatteryDispatch::CarbonAware {
                low_quantile,
                high_quantile,
                grid_charging,
            } => format!(
                "carbon-aware ({}discharging above the day's {:.0} % quantile of grid carbon intensity)",
                if grid_charging {
                    format!("grid charging below the day's {:.0} % quantile, ", 100.0 * low_quantile)
                } else {
                    String::new()
                },
                100.0 * high_quantile
            ),
            BatteryDispatch::PriceArbitrage {
                low_quantile,
                high_quantile,
            } => format!(
                "price arbitrage (charging below the day's {:.0} % price quantile, discharging above {:.0} %)",
                100.0 * low_quantile,
                100.0 * high_quantile
            ),
        }
    }
}

impl BatterySpec {
    /// Efficiency of each direction.
    pub fn one_way_efficiency(&self) -> f64 {
        self.round_trip_efficiency.sqrt()
    }
}

/// A battery in operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Battery {
    spec: BatterySpec,
    /// Self-discharge keep factor for the last interval length (dt_h, factor).
    keep_cache: (f64, f64),
    stored_kwh: f64,
    renewable_kwh: f64,
    cycled_kwh: f64,
    age_h: f64,
    losses_kwh: f64,
}

impl Battery {
    /// A new battery at its initial state of charge (energy of unknown origin counts as grid
    /// energy).
    pub fn new(spec: BatterySpec) -> Self {
        let stored = spec.capacity_kwh * spec.initial_soc.clamp(spec.soc_min, spec.soc_max);
        Self {
            spec,
            keep_cache: (f64::NAN, 1.0),
            stored_kwh: stored,
            renewable_kwh: 0.0,
            cycled_kwh: 0.0,
            age_h: 0.0,
            losses_kwh: 0.0,
        }
    }

    /// The specification.
    pub fn spec(&self) -> &BatterySpec {
        &self.spec
    }

    /// Stored energy, kWh.
    pub fn stored_kwh(&self) -> f64 {
        self.stored_kwh
    }

    /// Stored energy that came from on-site renewables, kWh.
    pub fn renewable_kwh(&self) -> f64 {
        self.renewable_kwh
    }

    /// Equivalent full cycles so far.
    pub fn equivalent_full_cycles(&self) -> f64 {
        self.cycled_kwh / self.spec.capacity_kwh
    }

    /// Replaces the cells by new ones when the state of health has fallen to the
    /// replacement threshold; the stored energy carries over (up to the new window).
    /// Returns whether it did.
    pub fn replace_if_worn(&mut self) -> bool {
        if self.spec.replace_at_soh <= 0.0 || self.state_of_health() > self.spec.replace_at_soh {
            return false;
        }
        self.cycled_kwh = 0.0;
        self.age_h = 0.0;
        true
    }

    /// State of health: current capacity / nominal capacity.
    pub fn state_of_health(&self) -> f64 {
        let cycles = 0.2 * self.equivalent_full_cycles() / self.spec.cycle_life;
        let calendar = 0.2 * self.age_h / 8_760.0 / self.spec.calendar_life_years;
        (1.0 - cycles - calendar).max(0.0)
    }

    /// Current capacity, kWh.
    pub fn capacity_kwh(&self) -> f64 {
        self.spec.capacity_kwh * self.state_of_health()
    }

    /// State of charge: stored / current capacity.
    pub fn soc(&self) -> f64 {
        let cap = self.capacity_kwh();
        if cap > 0.0 { self.stored_kwh / cap } else { 0.0 }
    }

    /// Energy lost inside the battery so far (conversion, self-discharge, fade), kWh.
    pub fn losses_kwh(&self) -> f64 {
        self.losses_kwh
    }

    /// Energy (kWh at the terminals) the battery could take in `dt_h` hours.
    pub fn charge_room_kwh(&self, dt_h: f64) -> f64 {
        let room =
            (self.spec.soc_max * self.capacity_kwh() - self.stored_kwh).max(0.0) / self.spec.one_way_efficiency();
        room.min(self.spec.charge_power_kw * dt_h)
    }

    /// Charges with up to `offered_kwh` at the terminals within `dt_h` hours, of which
    /// `already_kwh` were already taken this interval (for the power limit); returns the
    /// energy accepted.
    pub fn charge(&mut self, offered_kwh: f64, dt_h: f64, already_kwh: f64, renewable: bool) -> f64 {
        let power_room = (self.spec.charge_power_kw * dt_h - already_kwh).max(0.0);
        let accepted = offered_kwh.max(0.0).min(power_room).min(self.charge_room_kwh(dt_h));
        let into_cells = accepted * self.spec.one_way_efficiency();
        self.stored_kwh += into_cells;
        if renewable {
            self.renewable_kwh += into_cells;
        }
        self.losses_kwh += accepted - into_cells;
        accepted
    }

    /// Discharges up to `wanted_kwh` at the terminals within `dt_h` hours; returns the energy
    /// delivered and the part of it that came from renewables.
    pub fn discharge(&mut self, wanted_kwh: f64, dt_h: f64) -> (f64, f64) {
        let eta = self.spec.one_way_efficiency();
        let available = (self.stored_kwh - self.spec.soc_min * self.capacity_kwh()).max(0.0) * eta;
        let delivered = wanted_kwh
            .max(0.0)
            .min(self.spec.discharge_power_kw * dt_h)
            .min(available);
        let from_cells = delivered / eta;
        let renewable_share = if self.stored_kwh > 0.0 {
            self.renewable_kwh / self.stored_kwh
        } else {
            0.0
        };
        self.stored_kwh -= from_cells;
        self.renewable_kwh = (self.renewable_kwh - from_cells * renewable_share).max(0.0);
        self.cycled_kwh += from_cells;
        self.losses_kwh += from_cells - delivered;
        (delivered, delivered * renewable_share)
    }

    /// Lets `dt_h` hours pass: self-discharge (not below the window's floor), ageing, and
    /// loss of whatever no longer fits a faded capacity.
    pub fn rest(&mut self, dt_h: f64) {
        self.age_h += dt_h;
        let capacity = self.capacity_kwh();
        let floor = self.spec.soc_min * capacity;
        if self.keep_cache.0 != dt_h {
            self.keep_cache = (dt_h, (1.0 - self.spec.self_discharge_per_day).powf(dt_h / 24.0));
        }
        let keep = self.keep_cache.1;
        let after = (self.stored_kwh * keep).max(floor.min(self.stored_kwh));
        let ceiling = self.spec.soc_max * capacity;
        let after = after.min(ceiling);
        self.take_loss(self.stored_kwh - after);
    }

    fn take_loss(&mut self, lost: f64) {
        if lost <= 0.0 {
            return;
        }
        let share = if self.stored_kwh > 0.0 {
            self.renewable_kwh / self.stored_kwh
        } else {
            0.0
        };
        self.stored_kwh -= lost;
        self.renewable_kwh = (self.renewable_kwh - lost * share).max(0.0);
        self.losses_kwh += lost;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> BatterySpec {
        BatterySpec {
            capacity_kwh: 100.0,
            charge_power_kw: 50.0,
            discharge_power_kw: 50.0,
            round_trip_efficiency: 0.85,
            soc_min: 0.1,
            soc_max: 0.9,
            initial_soc: 0.1,
            self_discharge_per_day: 0.0,
            cycle_life: 6000.0,
            calendar_life_years: 15.0,
            replace_at_soh: 0.8,
            dispatch: BatteryDispatch::SelfConsumption,
        }
    }

    #[test]
    fn a_worn_battery_is_replaced_at_the_threshold() {
        let mut b = Battery::new(spec());
        b.rest(8_760.0 * 14.0);
        assert!(
            !b.replace_if_worn(),
            "state of health {} is above 0.8",
            b.state_of_health()
        );
        b.rest(8_760.0 * 1.5);
        assert!(b.state_of_health() < 0.8);
        assert!(b.replace_if_worn());
        assert_eq!(b.state_of_health(), 1.0);
    }

    #[test]
    fn a_full_cycle_loses_exactly_one_minus_round_trip_efficiency() {
        let mut s = spec();
        s.cycle_life = f64::INFINITY;
        s.calendar_life_years = f64::INFINITY;
        let mut b = Battery::new(s);
        let mut energy_in = 0.0;
        for _ in 0..100 {
            energy_in += b.charge(1e9, 1.0, 0.0, true);
        }
        assert!((b.soc() - 0.9).abs() < 1e-12);
        let mut energy_out = 0.0;
        for _ in 0..100 {
            energy_out += b.discharge(1e9, 1.0).0;
        }
        assert!((b.soc() - 0.1).abs() < 1e-12);
        assert!(
            (energy_out / energy_in - 0.85).abs() < 1e-12,
            "{energy_out} / {energy_in}"
        );
        assert!((b.losses_kwh() - (energy_in - energy_out)).abs() < 1e-9);
    }

    #[test]
    fn power_and_window_limits_hold() {
        let mut b = Battery::new(spec());
        let got = b.charge(1000.0, 0.5, 0.0, false);
        assert!((got - 25.0).abs() < 1e-12, "50 kW for half an hour");
        assert!(
            (b.charge(1000.0, 0.5, got, false)).abs() < 1e-12,
            "the interval's power is used up"
        );
        let (out, renewable) = b.discharge(1000.0, 10.0);
        assert!(out > 0.0 && renewable == 0.0);
        // Discharged to the floor; the cycle just made fades the capacity by a few parts per
        // million, so the state of charge ends a hair above soc_min.
        assert!((b.soc() - 0.1).abs() < 1e-5, "{}", b.soc());
        assert!(b.discharge(1.0, 1.0).0 < 1e-3, "only the fade-lowered floor is left");
    }

    #[test]
    fn fades_with_cycles_and_age() {
        let mut b = Battery::new(spec());
        b.rest(15.0 * 8760.0);
        assert!((b.state_of_health() - 0.8).abs() < 1e-9);
        assert!((b.capacity_kwh() - 80.0).abs() < 1e-9);
    }

    #[test]
    fn renewable_origin_is_tracked_through_discharge() {
        let mut b = Battery::new(spec());
        b.charge(20.0, 1.0, 0.0, true);
        b.charge(20.0, 1.0, 20.0, false);
        let (out, renewable) = b.discharge(10.0, 1.0);
        let share = b.renewable_kwh() / b.stored_kwh();
        assert!(renewable > 0.0 && renewable < out);
        assert!(share > 0.0 && share < 1.0);
    }
}
