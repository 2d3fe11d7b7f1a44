//! End-of-life routes and the rule that sends each retired device to exactly one of them.
//!
//! Routing is deterministic: among the routes a device may take, it goes to the one
//! furthest below its target share ("largest deficit", ties to the earlier route). Over
//! many devices the counts follow the shares exactly, with no sampling noise, so that two
//! policies can be compared on the same fleet. A failed device beyond repair cannot be
//! resold or refurbished, a second-life device cannot be refurbished again, and a device
//! older than the resale table cannot be resold; their shares are spread over the routes
//! left.

use super::defaults::RouteShares;

/// Where a retired device goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    /// Sold whole for reuse elsewhere.
    Reuse,
    /// Refurbished and kept as a second-life spare.
    Refurbish,
    /// DRAM and SSDs taken out for new builds; the rest recycled.
    Harvest,
    /// Material recovery.
    Recycle,
    /// Landfill (or an unknown fate).
    Landfill,
}

impl Route {
    /// All routes in order.
    pub const ALL: [Route; 5] = [
        Route::Reuse,
        Route::Refurbish,
        Route::Harvest,
        Route::Recycle,
        Route::Landfill,
    ];

    /// Name in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Reuse => "reuse",
            Route::Refurbish => "refurbish",
            Route::Harvest => "harvest",
            Route::Recycle => "recycle",
            Route::Landfill => "landfill",
        }
    }

    /// Index in `ALL`.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// What a retired device may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Eligibility {
    /// It works and is young enough to sell.
    pub resellable: bool,
    /// It works and has not had a second life yet.
    pub refurbishable: bool,
}

/// Sends retired devices to routes by target shares.
#[derive(Debug, Clone)]
pub struct Router {
    shares: [f64; 5],
    counts: [u64; 5],
    total: u64,
}

impl Router {
    /// A router with target `shares` (they sum to 1).
    pub fn new(shares: &RouteShares) -> Self {
        Self {
            shares: shares.as_array(),
            counts: [0; 5],
            total: 0,
        }
    }

    /// The route of the next device.
    pub fn route(&mut self, can: Eligibility) -> Route {
        let allowed = |r: Route| match r {
            Route::Reuse => can.resellable,
            Route::Refurbish => can.refurbishable,
            _ => true,
        };
        let allowed_share: f64 = Route::ALL
            .iter()
            .filter(|&&r| allowed(r))
            .map(|r| self.shares[r.index()])
            .sum();
        let n = (self.total + 1) as f64;
        let mut best: Option<(f64, Route)> = None;
        for r in Route::ALL {
            if !allowed(r) {
                continue;
            }
            let share = if allowed_share > 0.0 {
                self.shares[r.index()] / allowed_share
            } else if r == Route::Landfill {
                1.0
            } else {
                0.0
            };
            if share <= 0.0 {
                continue;
            }
            let deficit = share * n - self.counts[r.index()] as f64;
            if best.is_none_or(|(d, _)| deficit > d + 1e-12) {
                best = Some((deficit, r));
            }
        }
        let route = best.map_or(Route::Landfill, |(_, r)| r);
        self.counts[route.index()] += 1;
        self.total += 1;
        route
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_OK: Eligibility = Eligibility {
        resellable: true,
        refurbishable: true,
    };

    #[test]
    fn counts_follow_the_shares() {
        let shares = RouteShares {
            reuse: 0.25,
            refurbish: 0.15,
            harvest: 0.25,
            recycle: 0.259,
            landfill: 0.091,
        };
        let mut r = Router::new(&shares);
        let mut counts = [0u32; 5];
        for _ in 0..1000 {
            counts[r.route(ALL_OK).index()] += 1;
        }
        for (c, s) in counts.iter().zip(shares.as_array()) {
            assert!((f64::from(*c) - 1000.0 * s).abs() <= 1.0, "{counts:?}");
        }
    }

    #[test]
    fn failed_devices_are_never_resold_or_refurbished() {
        let shares = RouteShares {
            reuse: 0.5,
            refurbish: 0.5,
            harvest: 0.0,
            recycle: 0.0,
            landfill: 0.0,
        };
        let mut r = Router::new(&shares);
        let broken = Eligibility {
            resellable: false,
            refurbishable: false,
        };
        assert_eq!(r.route(broken), Route::Landfill);
        let shares = RouteShares {
            reuse: 0.5,
            refurbish: 0.2,
            harvest: 0.0,
            recycle: 0.3,
            landfill: 0.0,
        };
        let mut r = Router::new(&shares);
        for _ in 0..10 {
            assert_eq!(r.route(broken), Route::Recycle);
        }
    }
}
