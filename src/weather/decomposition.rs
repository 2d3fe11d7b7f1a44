//! Splitting global horizontal irradiance into its direct and diffuse parts when a weather
//! source gives only GHI: the Erbs, Klein and Duffie (1982) correlation of the diffuse
//! fraction with the clearness index kt = GHI / (E0 cos z).

use crate::solar::{Irradiance, SunPosition, extraterrestrial_normal_w_m2};

/// Diffuse fraction of GHI for clearness index `kt` (Erbs et al. 1982).
pub fn erbs_diffuse_fraction(kt: f64) -> f64 {
    if kt <= 0.22 {
        1.0 - 0.09 * kt
    } else if kt <= 0.80 {
        0.9511 - 0.1604 * kt + 4.388 * kt.powi(2) - 16.638 * kt.powi(3) + 12.336 * kt.powi(4)
    } else {
        0.165
    }
}

/// GHI, DNI and DHI from GHI alone at sun position `sun`.
pub fn decompose(ghi: f64, sun: SunPosition) -> Irradiance {
    let cos_z = sun.zenith_deg.to_radians().cos();
    if ghi <= 0.0 || cos_z <= 0.0 {
        return Irradiance {
            ghi: ghi.max(0.0),
            dni: 0.0,
            dhi: ghi.max(0.0),
        };
    }
    let e0 = extraterrestrial_normal_w_m2(sun.day_of_year);
    let kt = (ghi / (e0 * cos_z.max(0.065))).clamp(0.0, 1.0);
    let dhi = ghi * erbs_diffuse_fraction(kt);
    // Near the horizon cos z is tiny; cap DNI at the extra-terrestrial value.
    let dni = ((ghi - dhi) / cos_z.max(0.065)).clamp(0.0, e0);
    Irradiance { ghi, dni, dhi }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erbs_is_continuous_and_bounded() {
        for kt in [0.0, 0.22, 0.5, 0.8, 1.0] {
            let f = erbs_diffuse_fraction(kt);
            assert!((0.0..=1.0).contains(&f), "{kt}: {f}");
        }
        assert!((erbs_diffuse_fraction(0.22) - erbs_diffuse_fraction(0.2200001)).abs() < 1e-3);
        assert!((erbs_diffuse_fraction(0.8) - erbs_diffuse_fraction(0.8000001)).abs() < 1e-2);
    }

    #[test]
    fn decomposition_closes_the_horizontal_balance() {
        let sun = SunPosition {
            zenith_deg: 40.0,
            azimuth_deg: 180.0,
            day_of_year: 180,
        };
        let i = decompose(700.0, sun);
        let closure = i.dhi + i.dni * 40f64.to_radians().cos();
        assert!((closure - 700.0).abs() < 1e-6);
    }
}
