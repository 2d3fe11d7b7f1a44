//! Mean power of a server at a mean load, averaged over how many of its cores are busy.
//!
//! A power curve maps utilization to watts, but at any instant a server has a whole number
//! of busy cores, and the curve is not a straight line: at low load most curves rise
//! steeply from active idle to 10 % and then flatten, so the mean of P(busy / cores) is
//! below P(mean busy / cores) (Jensen's inequality). For a server fed with its share of a
//! Poisson stream, the number of busy cores B follows the M/M/c occupancy law:
//! P(B = k) is proportional to a^k / k! for k < c, and P(B = c) = ErlangC(c, a). Flow
//! fidelity uses E[P(B / c)] for spreading dispatchers, from a table over the load that is
//! filled lazily (only the loads a run visits are computed) and interpolated linearly.
//!
//! Dispatchers smooth the occupancy below that Poisson law: round-robin gives each server
//! every n-th arrival (Erlang-n gaps, ca^2 = 1/n; the infinite-server variance law gives
//! Var B = a (1 + ca^2) / 2), and join-shortest-queue keeps servers within one transaction
//! of each other (Var B = f (1 - f) + a / n, f the fractional part of the load). The
//! Jensen gap is second order in the spread, so the Poisson correction is scaled by the
//! dispatcher's variance over the Poisson variance a.

use crate::datacenter::PowerCurve;
use crate::queueing::erlang_c;

/// Cells of the table over load 0..=cores.
const CELLS: usize = 256;

/// Lazily filled table of mean power against mean busy cores.
#[derive(Debug, Clone)]
pub struct OccupancyPower {
    curve: PowerCurve,
    by_busy: Vec<f64>,
    cores: u32,
    ln_k: Vec<f64>,
    table: Vec<f64>,
}

impl OccupancyPower {
    /// The table for servers with `cores` cores and this power curve.
    pub fn new(curve: &PowerCurve, cores: u32) -> Self {
        Self {
            curve: curve.clone(),
            by_busy: curve.by_busy_cores(cores),
            cores,
            ln_k: (0..=cores).map(|k| (k.max(1) as f64).ln()).collect(),
            table: vec![f64::NAN; CELLS + 1],
        }
    }

    /// Mean power (W) of a server whose mean number of busy cores is `load`, when its
    /// occupancy variance is `variance_ratio` times the Poisson variance (1 = Poisson).
    pub fn smoothed_power_w(&mut self, load: f64, variance_ratio: f64) -> f64 {
        let plain = self.plain_power_w(load);
        plain + variance_ratio.clamp(0.0, 1.0) * (self.mean_power_w(load) - plain)
    }

    /// Power at the mean load with no spread (the curve itself).
    fn plain_power_w(&self, load: f64) -> f64 {
        self.curve.power_w(load / self.cores as f64)
    }

    /// Mean power (W) of a server whose mean number of busy cores is `load`, with Poisson
    /// (M/M/c) occupancy.
    pub fn mean_power_w(&mut self, load: f64) -> f64 {
        let c = self.cores as f64;
        if load <= 0.0 {
            return self.by_busy[0];
        }
        if load >= c {
            return self.by_busy[self.cores as usize];
        }
        let x = load / c * CELLS as f64;
        let i = (x.floor() as usize).min(CELLS - 1);
        let frac = x - i as f64;
        let v0 = self.cell(i);
        let v1 = self.cell(i + 1);
        v0 + frac * (v1 - v0)
    }

    fn cell(&mut self, i: usize) -> f64 {
        if self.table[i].is_nan() {
            let load = i as f64 / CELLS as f64 * self.cores as f64;
            self.table[i] = if self.within_one_piece(load) {
                self.plain_power_w(load)
            } else {
                self.exact(load)
            };
        }
        self.table[i]
    }

    /// True when nearly all the occupancy mass (load +- 6 standard deviations) lies on one
    /// linear piece of the curve and below full load: there E[P(B / c)] = P(load / c).
    fn within_one_piece(&self, load: f64) -> bool {
        let c = self.cores as f64;
        let spread = 6.0 * load.sqrt();
        let (lo, hi) = ((load - spread) / c, (load + spread) / c);
        if lo <= 0.0 || hi >= 1.0 {
            return false;
        }
        match self.curve {
            PowerCurve::Linear { .. } => true,
            PowerCurve::SpecPower(_) => (lo * 10.0).floor() == (hi * 10.0).floor(),
        }
    }

    /// E[P(B / c)] under the M/M/c occupancy law with offered load `a` (= mean busy cores).
    fn exact(&self, a: f64) -> f64 {
        let c = self.cores as usize;
        if a <= 0.0 {
            return self.by_busy[0];
        }
        if a >= c as f64 {
            return self.by_busy[c];
        }
        let all_busy = erlang_c(self.cores, a);
        // log of a^k / k! for k < c, then normalized to total mass 1 - ErlangC.
        let ln_a = a.ln();
        let mut ln_w = Vec::with_capacity(c);
        let mut acc = 0.0;
        for k in 0..c {
            if k > 0 {
                acc += ln_a - self.ln_k[k];
            }
            ln_w.push(acc);
        }
        let max = ln_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (mut mass, mut power) = (0.0, 0.0);
        for (k, lw) in ln_w.iter().enumerate() {
            let w = (lw - max).exp();
            mass += w;
            power += w * self.by_busy[k];
        }
        (1.0 - all_busy) * power / mass + all_busy * self.by_busy[c]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_curves_need_no_correction() {
        let curve = PowerCurve::Linear {
            idle_w: 100.0,
            max_w: 300.0,
        };
        let mut p = OccupancyPower::new(&curve, 8);
        for load in [0.1, 1.0, 3.7, 7.9] {
            let expected = curve.power_w(load / 8.0);
            assert!((p.mean_power_w(load) - expected).abs() < 1e-6, "{load}");
        }
    }

    #[test]
    fn concave_low_end_lowers_mean_power() {
        // Steep first segment: mean power at low load is below the curve at the mean.
        let curve = PowerCurve::SpecPower([
            60.0, 90.0, 105.0, 118.0, 130.0, 143.0, 157.0, 172.0, 190.0, 210.0, 230.0,
        ]);
        let mut p = OccupancyPower::new(&curve, 8);
        let load = 0.6;
        let mean = p.mean_power_w(load);
        assert!(mean < curve.power_w(load / 8.0));
        // One core: only 0 or 1 busy: P = (1 - a) P0 + a P1 with a = ErlangC(1, a) = a.
        let mut one = OccupancyPower::new(&curve, 1);
        let a: f64 = 0.3;
        let expected = (1.0 - a) * 60.0 + a * 230.0;
        assert!((one.mean_power_w(a) - expected).abs() < 0.01, "{}", one.mean_power_w(a));
    }
}

/// Mean power of a packed fleet: servers are filled in order, so with B busy cores in all,
/// B div c servers run at 100 %, one at (B mod c) / c, and the other awake servers idle.
/// Fleet power = awake x P(0) + E[g(B)] with
/// g(B) = (B div c) (P(1) - P(0)) + P((B mod c) / c) - P(0), and B ~ Poisson(a) (the
/// infinite-server law of the total busy cores). E[g] is tabulated lazily over a.
#[derive(Debug, Clone)]
pub struct PackedPower {
    by_busy: Vec<f64>,
    cores: u32,
    max_load: f64,
    table: Vec<f64>,
}

impl PackedPower {
    /// The table for a fleet of `servers` servers with `cores` cores.
    pub fn new(curve: &PowerCurve, cores: u32, servers: u32) -> Self {
        Self {
            by_busy: curve.by_busy_cores(cores),
            cores,
            max_load: f64::from(cores) * f64::from(servers.max(1)),
            table: vec![f64::NAN; CELLS + 1],
        }
    }

    /// Mean power (W) of `awake` packed servers carrying `load` busy cores in all.
    pub fn fleet_power_w(&mut self, load: f64, awake: f64) -> f64 {
        let idle = self.by_busy[0];
        let load = load.clamp(0.0, self.max_load);
        let x = load / self.max_load * CELLS as f64;
        let i = (x.floor() as usize).min(CELLS - 1);
        let frac = x - i as f64;
        let v0 = self.cell(i);
        let v1 = self.cell(i + 1);
        awake * idle + v0 + frac * (v1 - v0)
    }

    fn cell(&mut self, i: usize) -> f64 {
        if self.table[i].is_nan() {
            self.table[i] = self.expected_excess(i as f64 / CELLS as f64 * self.max_load);
        }
        self.table[i]
    }

    /// E[g(B)] for B ~ Poisson(a).
    fn expected_excess(&self, a: f64) -> f64 {
        let c = self.cores as u64;
        let (idle, full) = (self.by_busy[0], self.by_busy[self.cores as usize]);
        let g = |b: u64| -> f64 {
            let partial = (b % c) as usize;
            (b / c) as f64 * (full - idle) + self.by_busy[partial] - idle
        };
        if a <= 0.0 {
            return 0.0;
        }
        let spread = 10.0 * a.sqrt() + 10.0;
        let lo = (a - spread).floor().max(0.0) as u64;
        let hi = (a + spread).ceil() as u64;
        let ln_a = a.ln();
        let mode = a.floor() as u64;
        // log pmf relative to the mode, walked outwards with the ratio a / k.
        let mut total_w = 0.0;
        let mut total = 0.0;
        let mut lw = 0.0;
        for b in mode..=hi {
            if b > mode {
                lw += ln_a - (b as f64).ln();
            }
            let w = lw.exp();
            total_w += w;
            total += w * g(b);
        }
        lw = 0.0;
        for b in (lo..mode).rev() {
            lw -= ln_a - ((b + 1) as f64).ln();
            let w = lw.exp();
            total_w += w;
            total += w * g(b);
        }
        total / total_w
    }
}

#[cfg(test)]
mod packed_tests {
    use super::*;

    #[test]
    fn packed_fleet_of_linear_servers_draws_idle_plus_proportional_power() {
        // With a linear curve, g(B) = B (P(1) - P(0)) / c exactly, so E[g] = a (P(1)-P(0))/c.
        let curve = PowerCurve::Linear {
            idle_w: 100.0,
            max_w: 300.0,
        };
        let mut p = PackedPower::new(&curve, 8, 10);
        for load in [0.5, 7.3, 40.0] {
            let expected = 5.0 * 100.0 + load * 200.0 / 8.0;
            assert!(
                (p.fleet_power_w(load, 5.0) - expected).abs() < 0.05,
                "{load}: {}",
                p.fleet_power_w(load, 5.0)
            );
        }
    }
}
