//! Exact generation of a non-homogeneous Poisson process with a piecewise-constant rate, by
//! time change: draw a unit-rate exponential E and advance through the rate's pieces until
//! the integrated rate reaches E. Every arrival costs exactly one exponential draw, however
//! many pieces it crosses, so a class's arrival stream stays aligned across scenario
//! variants (common random numbers).

use rand_distr::{Distribution, Exp1};

use crate::engine::StreamRng;
use crate::engine::time::NS_PER_S;

use super::rate::{RateModel, Segment};

/// The arrival stream of one transaction class.
#[derive(Debug, Clone)]
pub struct ArrivalStream {
    class: usize,
    rng: StreamRng,
    segment: Segment,
    /// Position of the process (the last arrival, or a segment boundary), ns.
    position_ns: u64,
    next_ns: Option<u64>,
    end_ns: u64,
}

impl ArrivalStream {
    /// Starts the stream of `class` at `start_ns`, generating arrivals before `end_ns`.
    pub fn new(class: usize, rates: &RateModel, rng: StreamRng, start_ns: u64, end_ns: u64) -> Self {
        let mut stream = Self {
            class,
            rng,
            segment: rates.segment(class, start_ns),
            position_ns: start_ns,
            next_ns: None,
            end_ns,
        };
        stream.next_ns = stream.draw_next(rates);
        stream
    }

    /// The class this stream generates.
    pub fn class(&self) -> usize {
        self.class
    }

    /// Time of the next arrival, or `None` when the stream has ended.
    #[inline]
    pub fn peek(&self) -> Option<u64> {
        self.next_ns
    }

    /// Consumes the pending arrival and draws the one after it.
    #[inline]
    pub fn advance(&mut self, rates: &RateModel) {
        self.next_ns = self.draw_next(rates);
    }

    fn draw_next(&mut self, rates: &RateModel) -> Option<u64> {
        let mut remaining: f64 = Exp1.sample(&mut self.rng);
        loop {
            if self.position_ns >= self.end_ns {
                return None;
            }
            let seg = self.segment;
            let span_s = (seg.end_ns - self.position_ns) as f64 / NS_PER_S as f64;
            let mass = seg.rate_per_s * span_s;
            if seg.rate_per_s > 0.0 && remaining < mass {
                let offset_ns = (remaining / seg.rate_per_s * NS_PER_S as f64).round() as u64;
                let t = (self.position_ns + offset_ns).min(seg.end_ns);
                self.position_ns = t;
                return (t < self.end_ns).then_some(t);
            }
            remaining -= mass;
            self.position_ns = seg.end_ns;
            if self.position_ns >= self.end_ns {
                return None;
            }
            self.segment = rates.segment(self.class, self.position_ns);
        }
    }
}
