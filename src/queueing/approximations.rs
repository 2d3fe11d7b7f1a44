//! Waiting-time results and approximations for multi-server queues.
//!
//! * M/M/c: exact. P(wait) = Erlang C; given a wait, the wait is exponential with rate
//!   c mu - lambda.
//! * M/G/c and G/G/c: the Allen-Cunneen approximation scales the M/M/c mean wait by
//!   (ca^2 + cs^2) / 2 (squared coefficients of variation of inter-arrival and service
//!   times). The wait distribution keeps the Erlang C probability of waiting and an
//!   exponential tail whose rate is scaled by the same factor, so its mean is the
//!   Allen-Cunneen mean (exact for M/M/c, and exact in heavy traffic for M/G/1).
//! * M/G/1: Pollaczek-Khinchine mean wait, exact.

use super::erlang::erlang_c;

/// The distribution of the time a transaction waits before service: zero with
/// probability `1 - prob_wait`, otherwise exponential with rate `tail_rate_per_s`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitDistribution {
    /// Probability that an arrival has to wait (Erlang C).
    pub prob_wait: f64,
    /// Rate of the exponential wait given that the arrival waits (1/s). Infinite when
    /// waits vanish (deterministic arrivals and service).
    pub tail_rate_per_s: f64,
}

impl WaitDistribution {
    /// No waiting at all.
    pub const NONE: WaitDistribution = WaitDistribution {
        prob_wait: 0.0,
        tail_rate_per_s: f64::INFINITY,
    };

    /// Mean wait in seconds.
    pub fn mean_s(&self) -> f64 {
        if self.prob_wait == 0.0 || self.tail_rate_per_s.is_infinite() {
            0.0
        } else {
            self.prob_wait / self.tail_rate_per_s
        }
    }

    /// P(wait > t) for t >= 0 seconds.
    pub fn survival(&self, t_s: f64) -> f64 {
        if t_s < 0.0 {
            1.0
        } else if self.tail_rate_per_s.is_infinite() {
            0.0
        } else {
            self.prob_wait * (-self.tail_rate_per_s * t_s).exp()
        }
    }
}

/// Wait distribution of a G/G/c queue with `servers` parallel servers, Poisson-like arrivals
/// at `arrival_rate_per_s`, mean service time `mean_service_s`, and squared coefficients of
/// variation `ca2` (arrivals; 1 for Poisson) and `cs2` (service; 1 for exponential).
/// Returns `None` when the queue is unstable (utilization >= 1).
pub fn ggc_wait(
    servers: u32,
    arrival_rate_per_s: f64,
    mean_service_s: f64,
    ca2: f64,
    cs2: f64,
) -> Option<WaitDistribution> {
    if servers == 0 || mean_service_s <= 0.0 {
        return None;
    }
    if arrival_rate_per_s <= 0.0 {
        return Some(WaitDistribution::NONE);
    }
    let c = servers as f64;
    let offered_load = arrival_rate_per_s * mean_service_s;
    if offered_load >= c {
        return None;
    }
    let prob_wait = erlang_c(servers, offered_load);
    let variability = 0.5 * (ca2 + cs2);
    let tail_rate_per_s = if variability <= 1e-12 {
        f64::INFINITY
    } else {
        (c / mean_service_s - arrival_rate_per_s) / variability
    };
    Some(WaitDistribution {
        prob_wait,
        tail_rate_per_s,
    })
}

/// Probability that an arrival is lost to a full queue in an M/M/c queue with `places`
/// waiting places (M/M/c/(c + K)) at utilization `rho` (any value; `erlang_b` is Erlang B
/// of the c servers at the offered load): E rho^K / (1 + E rho (1 - rho^K) / (1 - rho)),
/// exact for Poisson arrivals and exponential service, continuous through rho = 1
/// (E / (1 + E K) there), and 1 - 1 / rho for a long queue in overload. It replaces the
/// infinite queue's tail P(K or more waiting) = C rho^K below full load, which tends to 1
/// as rho tends to 1, and the fluid excess 1 - 1 / rho above it, which is far below the
/// loss of a short queue.
pub fn finite_queue_loss(erlang_b: f64, rho: f64, places: f64) -> f64 {
    if rho.is_nan() || rho <= 0.0 || erlang_b <= 0.0 {
        return 0.0;
    }
    let e = erlang_b.min(1.0);
    let ln_rho = rho.ln();
    let loss = if ln_rho.abs() < 1e-15 {
        e / (1.0 + e * places)
    } else if rho < 1.0 {
        // rho^K and (1 - rho^K) / (1 - rho), accurate near rho = 1.
        let tail = (places * ln_rho).exp();
        let sum = -(places * ln_rho).exp_m1() / -ln_rho.exp_m1();
        e * tail / (1.0 + e * rho * sum)
    } else {
        // Divided through by rho^K, which may overflow.
        let inverse_tail = (-places * ln_rho).exp();
        let sum = -(-places * ln_rho).exp_m1() / ln_rho.exp_m1();
        e / (inverse_tail + e * rho * sum)
    };
    loss.clamp(0.0, 1.0)
}

/// Mean wait of an M/M/c queue (seconds), or `None` if unstable.
pub fn mmc_mean_wait_s(servers: u32, arrival_rate_per_s: f64, mean_service_s: f64) -> Option<f64> {
    ggc_wait(servers, arrival_rate_per_s, mean_service_s, 1.0, 1.0).map(|w| w.mean_s())
}

/// Pollaczek-Khinchine mean wait of an M/G/1 queue (seconds): lambda E[S^2] / (2 (1 - rho)).
pub fn mg1_mean_wait_s(arrival_rate_per_s: f64, mean_service_s: f64, cs2: f64) -> Option<f64> {
    let rho = arrival_rate_per_s * mean_service_s;
    if rho >= 1.0 {
        return None;
    }
    let second_moment = mean_service_s * mean_service_s * (1.0 + cs2);
    Some(arrival_rate_per_s * second_moment / (2.0 * (1.0 - rho)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mm1_closed_form() {
        // M/M/1: Wq = rho / (mu - lambda).
        let (lambda, s) = (80.0, 0.01);
        let expected = 0.8 / (100.0 - 80.0);
        assert!((mmc_mean_wait_s(1, lambda, s).unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn allen_cunneen_reduces_to_pollaczek_khinchine_for_one_server() {
        for &cs2 in &[0.0, 0.5, 1.0, 4.0] {
            let ac = ggc_wait(1, 50.0, 0.015, 1.0, cs2).unwrap().mean_s();
            let pk = mg1_mean_wait_s(50.0, 0.015, cs2).unwrap();
            assert!((ac - pk).abs() < 1e-12 * pk.max(1.0), "cs2={cs2}: {ac} vs {pk}");
        }
    }

    /// Blocking of M/M/c/(c + K) from its state probabilities (a^k / k! up to c, then
    /// times rho per waiting place).
    fn mmck_blocking(c: u32, a: f64, places: u32) -> f64 {
        let mut w = vec![1.0];
        for k in 1..=c {
            w.push(w[w.len() - 1] * a / f64::from(k));
        }
        for _ in 0..places {
            w.push(w[w.len() - 1] * a / f64::from(c));
        }
        w[w.len() - 1] / w.iter().sum::<f64>()
    }

    #[test]
    fn finite_queue_loss_is_the_mmck_blocking_probability() {
        for (c, a, places) in [
            (1, 0.5, 3),
            (8, 6.0, 10),
            (8, 7.99, 1000),
            (8, 7.9999, 1000),
            (8, 8.0, 1000),
            (8, 8.0001, 1000),
            (12, 11.4, 1),
            (12, 12.5, 1),
            (56, 50.0, 20),
            (8, 12.0, 200),
        ] {
            let rho = a / f64::from(c);
            let got = finite_queue_loss(crate::queueing::erlang_b(c, a), rho, f64::from(places));
            let exact = mmck_blocking(c, a, places);
            assert!(
                (got / exact - 1.0).abs() < 1e-6,
                "c {c}, a {a}, K {places}: {got} vs {exact}"
            );
        }
        // Near full load the loss is about 1 / (K + 1), not the infinite queue's tail (~1);
        // deep in overload a long queue loses the excess, 1 - 1 / rho, without overflow.
        let near = finite_queue_loss(crate::queueing::erlang_b(8, 7.9999), 7.9999 / 8.0, 1000.0);
        assert!(near < 2e-3, "{near}");
        let over = finite_queue_loss(crate::queueing::erlang_b(8, 40.0), 5.0, 1000.0);
        assert!((over - 0.8).abs() < 1e-12, "{over}");
    }

    #[test]
    fn unstable_queues_have_no_steady_state() {
        assert!(ggc_wait(4, 400.0, 0.01, 1.0, 1.0).is_none());
        assert!(mg1_mean_wait_s(100.0, 0.01, 1.0).is_none());
    }

    #[test]
    fn survival_is_consistent_with_mean() {
        let w = ggc_wait(8, 600.0, 0.01, 1.0, 1.0).unwrap();
        // Integral of the survival function equals the mean (trapezoid on a fine grid).
        let dt = 1e-5;
        let integral: f64 = (0..200_000).map(|i| w.survival((i as f64 + 0.5) * dt) * dt).sum();
        assert!((integral - w.mean_s()).abs() < 1e-6 * w.mean_s().max(1e-9) + 1e-9);
    }
}
