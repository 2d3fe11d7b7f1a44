//! The weather readers from arbitrary text: NREL TMY3, EnergyPlus EPW and the plain CSV.
//!
//! Every input goes through all three readers (a file of the wrong format must fail with
//! an error, not a panic), as the scenario loader would call them on a file it read.

#![no_main]

use greenloop::weather::{WeatherSite, read_epw, read_plain_csv, read_tmy3};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The loader reads weather files with `read_to_string`: non-UTF-8 never reaches them.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let site = WeatherSite {
        name: "fuzz".to_owned(),
        latitude: 36.1,
        longitude: -79.9,
        utc_offset_hours: -5.0,
        elevation_m: 270.0,
    };
    for year in [
        read_tmy3(text, "fuzz.csv"),
        read_epw(text, "fuzz.epw"),
        read_plain_csv(text, site, "fuzz.csv"),
    ]
    .into_iter()
    .flatten()
    {
        // A year that reads must be usable: every date of the year has an hour.
        let _ = year.annual_ghi_kwh_m2();
        let _ = year.at(11, 31, 23);
        let _ = year.at(1, 29, 0);
    }
});
