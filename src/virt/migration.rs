//! Live migration cost (pre-copy), after Liu et al., "Performance and energy modeling for
//! live migration of virtual machines", HPDC 2011 (doi 10.1145/1996130.1996154): the
//! memory copied grows with the dirty-page rate, the time with the copied volume over the
//! link bandwidth plus the resume time, and the energy linearly with the volume.

/// Parameters of the live-migration model (defaults: `src/flex/data/flex.toml`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MigrationModel {
    /// Rate at which the VM dirties memory, GB/s.
    pub dirty_rate_gb_s: f64,
    /// Migration link bandwidth, GB/s.
    pub bandwidth_gb_s: f64,
    /// Downtime to stop, copy the last pages and resume on the target, s.
    pub resume_s: f64,
    /// Most pre-copy rounds.
    pub precopy_rounds: u32,
    /// Energy per MB moved, J (alpha).
    pub energy_j_per_mb: f64,
    /// Energy per migration, J (beta).
    pub energy_const_j: f64,
    /// Relative slowdown of the VM's work while it migrates.
    pub slowdown_share: f64,
}

impl Default for MigrationModel {
    /// The values of `src/flex/data/flex.toml` (`[virtualization]`, each with its source).
    fn default() -> Self {
        Self {
            dirty_rate_gb_s: 0.1,
            bandwidth_gb_s: 1.0,
            resume_s: 0.2,
            precopy_rounds: 30,
            energy_j_per_mb: 0.512,
            energy_const_j: 20.165,
            slowdown_share: 0.10,
        }
    }
}

impl MigrationModel {
    /// Data moved to migrate `memory_gb` of memory, MB:
    /// V = M (1 - l^(n+1)) / (1 - l), l = dirty rate / bandwidth (capped at n + 1 copies).
    pub fn volume_mb(&self, memory_gb: f64) -> f64 {
        let m_mb = memory_gb * 1024.0;
        let ratio = self.dirty_rate_gb_s / self.bandwidth_gb_s;
        let rounds = f64::from(self.precopy_rounds) + 1.0;
        if ratio >= 1.0 - 1e-12 {
            m_mb * rounds
        } else {
            m_mb * (1.0 - ratio.powf(rounds)) / (1.0 - ratio)
        }
    }

    /// Duration of the migration, s: V / bandwidth + resume.
    pub fn duration_s(&self, memory_gb: f64) -> f64 {
        self.volume_mb(memory_gb) / 1024.0 / self.bandwidth_gb_s + self.resume_s
    }

    /// Energy of the migration, J: alpha V + beta.
    pub fn energy_j(&self, memory_gb: f64) -> f64 {
        self.energy_j_per_mb * self.volume_mb(memory_gb) + self.energy_const_j
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_4_gb_vm_matches_the_worked_example() {
        // flex.toml: 4 GB at l = 0.1 moves 4096 / 0.9 = 4551 MB -> 0.512 x 4551 + 20.165 = 2350 J.
        let m = MigrationModel::default();
        assert!((m.volume_mb(4.0) - 4096.0 / 0.9).abs() < 1e-6, "{}", m.volume_mb(4.0));
        assert!((m.energy_j(4.0) - 2350.3).abs() < 0.1, "{}", m.energy_j(4.0));
        assert!((m.duration_s(4.0) - (4.0 / 0.9 + 0.2)).abs() < 1e-9);
    }

    #[test]
    fn a_link_slower_than_the_dirty_rate_copies_every_round() {
        let m = MigrationModel {
            dirty_rate_gb_s: 2.0,
            ..MigrationModel::default()
        };
        assert!((m.volume_mb(1.0) - 1024.0 * 31.0).abs() < 1e-9);
    }
}
