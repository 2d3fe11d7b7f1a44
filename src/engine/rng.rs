//! Named, independent random-number streams.
//!
//! Every model draws from its own stream (`"arrivals/authorization"`, `"service"`,
//! `"weather"`, ...). A stream's seed is a hash of (scenario seed, stream name, replication),
//! so adding draws to one model never shifts another model's numbers, and replication `r`
//! of every scenario variant sees the same arrivals and weather (common random numbers).
//!
//! The hash is FNV-1a over the name followed by SplitMix64 finalisation: both are fixed,
//! documented functions, so streams are stable across platforms, thread counts and Rust
//! versions. The generator is xoshiro256++ (small, fast, statistically strong).

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator every stream uses.
pub type StreamRng = Xoshiro256PlusPlus;

/// Derives stream generators for one run (one seed, one replication).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RngStreams {
    seed: u64,
    replication: u32,
}

impl RngStreams {
    /// Streams for `seed` and replication index `replication` (0-based).
    pub fn new(seed: u64, replication: u32) -> Self {
        Self { seed, replication }
    }

    /// The scenario seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The replication index.
    pub fn replication(&self) -> u32 {
        self.replication
    }

    /// A fresh generator for the stream called `name`.
    pub fn stream(&self, name: &str) -> StreamRng {
        StreamRng::seed_from_u64(derive_stream_seed(self.seed, name, self.replication))
    }
}

/// The 64-bit seed of stream `name` in replication `replication` of a run seeded `seed`.
pub fn derive_stream_seed(seed: u64, name: &str, replication: u32) -> u64 {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut name_hash = FNV_OFFSET;
    for byte in name.bytes() {
        name_hash ^= u64::from(byte);
        name_hash = name_hash.wrapping_mul(FNV_PRIME);
    }
    let mut x = splitmix64(seed);
    x = splitmix64(x ^ name_hash);
    splitmix64(x ^ u64::from(replication).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn same_inputs_same_stream() {
        let a = RngStreams::new(7, 0).stream("arrivals").next_u64();
        let b = RngStreams::new(7, 0).stream("arrivals").next_u64();
        assert_eq!(a, b);
    }

    #[test]
    fn names_seeds_and_replications_separate_streams() {
        let base = derive_stream_seed(7, "arrivals", 0);
        assert_ne!(base, derive_stream_seed(7, "service", 0));
        assert_ne!(base, derive_stream_seed(8, "arrivals", 0));
        assert_ne!(base, derive_stream_seed(7, "arrivals", 1));
        assert_ne!(base, derive_stream_seed(7, "arrivals/", 0));
    }

    /// Guards stream stability: if a dependency upgrade or an edit changes how streams are
    /// derived or generated, every stored result would silently change. The values were
    /// recorded when the derivation was written (greenloop 0.1.0, rand_xoshiro 0.8).
    #[test]
    fn stream_derivation_is_stable() {
        assert_eq!(derive_stream_seed(42, "arrivals", 3), 0x9a0b_3747_4e74_b402);
        assert_eq!(
            RngStreams::new(42, 3).stream("arrivals").next_u64(),
            0x918f_ed39_11ce_942d
        );
    }
}
