//! The PVWatts-class DC and AC model (Dobos, "PVWatts Version 5 Manual", NREL/TP-6A20-62641,
//! 2014) as implemented in pvlib: cell temperature by the Sandia (SAPM) model, DC power
//! linear in effective irradiance with a temperature coefficient, lumped system losses,
//! and the PVWatts inverter efficiency curve with clipping at the AC rating.

/// Sandia cell-temperature parameters (King et al. 2004, SAND2004-3535).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SapmTemperature {
    /// Empirical coefficient a.
    pub a: f64,
    /// Empirical coefficient b (s/m).
    pub b: f64,
    /// Cell-to-module temperature difference at 1000 W/m^2, C.
    pub delta_t_c: f64,
}

impl SapmTemperature {
    /// Open rack, glass/polymer module (King et al. 2004, Table 1).
    pub const OPEN_RACK_GLASS_POLYMER: SapmTemperature = SapmTemperature {
        a: -3.56,
        b: -0.075,
        delta_t_c: 3.0,
    };

    /// Cell temperature (C) at plane-of-array irradiance `poa_w_m2`, air temperature and
    /// wind speed (m/s, at 10 m).
    pub fn cell_temperature_c(&self, poa_w_m2: f64, temp_air_c: f64, wind_ms: f64) -> f64 {
        let module = poa_w_m2 * (self.a + self.b * wind_ms).exp() + temp_air_c;
        module + poa_w_m2 / 1000.0 * self.delta_t_c
    }
}

/// The PVWatts default system losses (soiling 2, shading 3, snow 0, mismatch 2, wiring 2,
/// connections 0.5, light-induced degradation 1.5, nameplate 1, age 0, availability 3 %),
/// combined multiplicatively: 14.08 %.
pub fn pvwatts_default_losses() -> f64 {
    let parts: [f64; 10] = [2.0, 3.0, 0.0, 2.0, 2.0, 0.5, 1.5, 1.0, 0.0, 3.0];
    1.0 - parts.iter().map(|p| 1.0 - p / 100.0).product::<f64>()
}

/// DC power (W) of an array rated `pdc0_w` at effective irradiance `effective_w_m2` and cell
/// temperature `temp_cell_c`, with power temperature coefficient `gamma_per_c` (1/C).
pub fn dc_power_w(effective_w_m2: f64, temp_cell_c: f64, pdc0_w: f64, gamma_per_c: f64) -> f64 {
    effective_w_m2 / 1000.0 * pdc0_w * (1.0 + gamma_per_c * (temp_cell_c - 25.0))
}

/// PVWatts inverter: AC power (W) for DC input `pdc_w`, DC input limit `pdc0_w`, nominal
/// efficiency `eta_nom` (reference efficiency 0.9637). Output is clipped to eta_nom x pdc0
/// and to zero.
pub fn inverter_ac_w(pdc_w: f64, pdc0_w: f64, eta_nom: f64) -> f64 {
    const ETA_REF: f64 = 0.9637;
    if pdc_w <= 0.0 || pdc0_w <= 0.0 {
        return 0.0;
    }
    let zeta = pdc_w / pdc0_w;
    let eta = eta_nom / ETA_REF * (-0.0162 * zeta - 0.0059 / zeta + 0.9858);
    (eta * pdc_w).min(eta_nom * pdc0_w).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_losses_are_14_08_percent() {
        assert!(
            (pvwatts_default_losses() - 0.1408).abs() < 5e-5,
            "{}",
            pvwatts_default_losses()
        );
    }

    #[test]
    fn inverter_clips_at_its_rating() {
        let pdc0 = 100_000.0;
        assert_eq!(inverter_ac_w(150_000.0, pdc0, 0.96), 96_000.0);
        // Near full load the efficiency is close to nominal.
        let eff = inverter_ac_w(50_000.0, pdc0, 0.96) / 50_000.0;
        assert!((eff - 0.96).abs() < 0.01, "{eff}");
        assert_eq!(inverter_ac_w(0.0, pdc0, 0.96), 0.0);
    }

    #[test]
    fn hot_cells_make_less_power() {
        let cool = dc_power_w(1000.0, 25.0, 1000.0, -0.0037);
        let hot = dc_power_w(1000.0, 65.0, 1000.0, -0.0037);
        assert_eq!(cool, 1000.0);
        assert!((hot - 852.0).abs() < 1e-9);
        let t = SapmTemperature::OPEN_RACK_GLASS_POLYMER.cell_temperature_c(1000.0, 25.0, 1.0);
        assert!(t > 50.0 && t < 60.0, "{t}");
    }
}
