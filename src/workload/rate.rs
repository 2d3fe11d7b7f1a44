//! The arrival rate of each transaction class as a function of time.
//!
//! rate_k(t) = base(t) x share_k x growth(t) x bursts_k(t), where base(t) is either
//! `mean_tps x shape_k(weekday, hour, month)` or a trace's rate. The rate is piecewise
//! constant: it changes only on local hour boundaries (growth is evaluated at the middle of
//! each hour), at burst edges and at trace breakpoints. That makes both the exact NHPP
//! generator (transaction fidelity) and the exact per-step integral (flow fidelity) cheap.

use std::sync::Arc;

use crate::calendar::Calendar;
use crate::engine::time::{NS_PER_HOUR, NS_PER_S, NS_PER_YEAR};

use super::bursts::BurstSchedule;
use super::shape::Shape;
use super::trace::Trace;

/// Where the base rate comes from.
#[derive(Debug, Clone)]
pub enum BaseRate {
    /// A long-run mean rate shaped by each class's profile.
    MeanTps(f64),
    /// A measured trace (class profiles do not apply).
    Trace(Arc<Trace>),
}

/// A constant piece of a class's rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Arrival rate in the piece (transactions per second).
    pub rate_per_s: f64,
    /// End of the piece (exclusive), ns.
    pub end_ns: u64,
}

/// Per-class rate functions for one run.
#[derive(Debug, Clone)]
pub struct RateModel {
    base: BaseRate,
    growth_log_per_year: f64,
    class_shares: Vec<f64>,
    class_shapes: Vec<Arc<Shape>>,
    bursts: BurstSchedule,
    calendar: Calendar,
}

impl RateModel {
    /// Builds the rate model. `class_shares` and `class_shapes` are per class.
    pub fn new(
        base: BaseRate,
        growth_per_year: f64,
        class_shares: Vec<f64>,
        class_shapes: Vec<Arc<Shape>>,
        bursts: BurstSchedule,
        calendar: Calendar,
    ) -> Self {
        Self {
            base,
            growth_log_per_year: (1.0 + growth_per_year).ln(),
            class_shares,
            class_shapes,
            bursts,
            calendar,
        }
    }

    /// Number of classes.
    pub fn class_count(&self) -> usize {
        self.class_shares.len()
    }

    /// The run's calendar.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Growth factor for the hour containing `t_ns`, evaluated at the middle of that hour.
    #[inline]
    pub fn growth_factor(&self, t_ns: u64) -> f64 {
        if self.growth_log_per_year == 0.0 {
            return 1.0;
        }
        let hour = t_ns / NS_PER_HOUR;
        let years = (hour as f64 + 0.5) * NS_PER_HOUR as f64 / NS_PER_YEAR as f64;
        (self.growth_log_per_year * years).exp()
    }

    /// The constant piece of class `class`'s rate that contains `t_ns`.
    #[inline]
    pub fn segment(&self, class: usize, t_ns: u64) -> Segment {
        let hour_end = (t_ns / NS_PER_HOUR + 1) * NS_PER_HOUR;
        let (burst, burst_end) = self.bursts.at(class, t_ns);
        let (base, base_end) = match &self.base {
            BaseRate::MeanTps(mean) => {
                let day = self.calendar.day_at(t_ns);
                let hour = Calendar::hour_at(t_ns);
                (
                    mean * self.class_shapes[class].factor(day.weekday, hour, day.month),
                    u64::MAX,
                )
            }
            BaseRate::Trace(trace) => trace.segment_at(t_ns),
        };
        Segment {
            rate_per_s: base * self.class_shares[class] * self.growth_factor(t_ns) * burst,
            end_ns: hour_end.min(burst_end).min(base_end),
        }
    }

    /// Expected number of class `class` arrivals in `[t0_ns, t1_ns)`.
    pub fn expected_arrivals(&self, class: usize, t0_ns: u64, t1_ns: u64) -> f64 {
        let mut t = t0_ns;
        let mut total = 0.0;
        while t < t1_ns {
            let seg = self.segment(class, t);
            let end = seg.end_ns.min(t1_ns);
            total += seg.rate_per_s * (end - t) as f64 / NS_PER_S as f64;
            t = end;
        }
        total
    }

    /// Expected class `class` arrivals in `[t0_ns, t1_ns)`, reusing `cursor` (the segment
    /// found last time) while it still covers the interval: for sequential steps shorter than
    /// the rate's pieces this skips most segment look-ups.
    pub fn expected_arrivals_from(
        &self,
        class: usize,
        t0_ns: u64,
        t1_ns: u64,
        cursor: &mut Option<(u64, Segment)>,
    ) -> f64 {
        let mut t = t0_ns;
        let mut total = 0.0;
        while t < t1_ns {
            let seg = match *cursor {
                Some((start, seg)) if start <= t && t < seg.end_ns => seg,
                _ => {
                    let seg = self.segment(class, t);
                    *cursor = Some((t, seg));
                    seg
                }
            };
            let end = seg.end_ns.min(t1_ns);
            total += seg.rate_per_s * (end - t) as f64 / NS_PER_S as f64;
            t = end;
        }
        total
    }

    /// Expected arrivals of all classes in `[t0_ns, t1_ns)`.
    pub fn expected_arrivals_total(&self, t0_ns: u64, t1_ns: u64) -> f64 {
        (0..self.class_count())
            .map(|k| self.expected_arrivals(k, t0_ns, t1_ns))
            .sum()
    }
}
