//! From horizontal irradiance to the plane of the array: angle of incidence, transposition
//! (isotropic sky, or Hay-Davies with a circumsolar part), ground reflection, and the
//! incidence-angle modifier of the module glass. The formulas follow pvlib's
//! `irradiance.get_total_irradiance` and `iam.physical`, which the tests check against.

/// Sky diffuse model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transposition {
    /// Isotropic sky (Liu and Jordan).
    Isotropic,
    /// Hay and Davies (1980): circumsolar share by the anisotropy index DNI / DNI_extra.
    #[default]
    HayDavies,
}

/// Irradiance on the plane of the array, W/m^2.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PlaneIrradiance {
    /// Beam on the plane.
    pub direct: f64,
    /// Sky diffuse on the plane.
    pub sky_diffuse: f64,
    /// Ground-reflected on the plane.
    pub ground_diffuse: f64,
    /// Angle of incidence of the beam, degrees.
    pub aoi_deg: f64,
}

impl PlaneIrradiance {
    /// Total plane-of-array irradiance.
    pub fn global(&self) -> f64 {
        self.direct + self.sky_diffuse + self.ground_diffuse
    }
}

/// cos(angle of incidence) on a plane with `tilt_deg` and `azimuth_deg` for the sun at
/// `zenith_deg`, `sun_azimuth_deg`.
pub fn cos_aoi(tilt_deg: f64, azimuth_deg: f64, zenith_deg: f64, sun_azimuth_deg: f64) -> f64 {
    let (t, z) = (tilt_deg.to_radians(), zenith_deg.to_radians());
    let d_az = (sun_azimuth_deg - azimuth_deg).to_radians();
    (z.cos() * t.cos() + z.sin() * t.sin() * d_az.cos()).clamp(-1.0, 1.0)
}

/// Transposes GHI/DNI/DHI to the plane.
#[allow(clippy::too_many_arguments)]
pub fn plane_of_array(
    model: Transposition,
    tilt_deg: f64,
    azimuth_deg: f64,
    zenith_deg: f64,
    sun_azimuth_deg: f64,
    ghi: f64,
    dni: f64,
    dhi: f64,
    dni_extra: f64,
    albedo: f64,
) -> PlaneIrradiance {
    let cos_i = cos_aoi(tilt_deg, azimuth_deg, zenith_deg, sun_azimuth_deg);
    let tilt = tilt_deg.to_radians();
    let direct = (dni * cos_i).max(0.0);
    let isotropic_view = 0.5 * (1.0 + tilt.cos());
    let sky_diffuse = match model {
        Transposition::Isotropic => dhi * isotropic_view,
        Transposition::HayDavies => {
            let ai = if dni_extra > 0.0 {
                (dni / dni_extra).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let rb = cos_i.max(0.0) / zenith_deg.to_radians().cos().max(0.017_45);
            (dhi * (1.0 - ai) * isotropic_view).max(0.0) + (dhi * ai * rb).max(0.0)
        }
    };
    let ground_diffuse = ghi * albedo * 0.5 * (1.0 - tilt.cos());
    PlaneIrradiance {
        direct,
        sky_diffuse: sky_diffuse.max(0.0),
        ground_diffuse: ground_diffuse.max(0.0),
        aoi_deg: cos_i.acos().to_degrees(),
    }
}

/// Incidence-angle modifier of a glass cover (De Soto et al. 2006; pvlib `iam.physical`):
/// transmittance at `aoi_deg` relative to normal incidence, for refractive index `n`,
/// extinction coefficient `k` (1/m) and glass thickness `l` (m). 0 at or beyond 90 degrees.
pub fn physical_iam(aoi_deg: f64, n: f64, k: f64, l: f64) -> f64 {
    if aoi_deg >= 90.0 {
        return 0.0;
    }
    let aoi = aoi_deg.max(1e-6).to_radians();
    let refracted = (aoi.sin() / n).asin();
    let transmittance = |theta: f64, theta_r: f64| -> f64 {
        let reflect = 0.5
            * (((theta_r - theta).sin() / (theta_r + theta).sin()).powi(2)
                + ((theta_r - theta).tan() / (theta_r + theta).tan()).powi(2));
        (-k * l / theta_r.cos()).exp() * (1.0 - reflect)
    };
    let at_normal = (-k * l).exp() * (1.0 - ((1.0 - n) / (1.0 + n)).powi(2));
    (transmittance(aoi, refracted) / at_normal).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn horizontal_plane_receives_ghi() {
        // On a horizontal plane the direct part is DNI cos z, the sky sees all the diffuse
        // and the ground nothing (isotropic), so the total equals GHI when GHI = DHI + DNI cos z.
        let (z, dni, dhi) = (40.0_f64, 700.0, 100.0);
        let ghi = dhi + dni * z.to_radians().cos();
        let p = plane_of_array(
            Transposition::Isotropic,
            0.0,
            180.0,
            z,
            150.0,
            ghi,
            dni,
            dhi,
            1360.0,
            0.2,
        );
        assert!((p.global() - ghi).abs() < 1e-9);
    }

    #[test]
    fn iam_is_one_at_normal_and_falls_off_at_grazing() {
        let iam = |a: f64| physical_iam(a, 1.526, 4.0, 0.002);
        assert!((iam(0.0) - 1.0).abs() < 1e-6);
        assert!(iam(60.0) > 0.9 && iam(60.0) < 1.0);
        assert!(iam(85.0) < 0.5);
        assert_eq!(iam(95.0), 0.0);
    }

    #[test]
    fn hay_davies_adds_circumsolar_light_toward_the_sun() {
        let args = |m| plane_of_array(m, 30.0, 180.0, 30.0, 180.0, 800.0, 800.0, 100.0, 1360.0, 0.2);
        assert!(args(Transposition::HayDavies).sky_diffuse > args(Transposition::Isotropic).sky_diffuse);
    }
}
