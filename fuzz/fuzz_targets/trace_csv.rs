//! The hourly trace readers from arbitrary bytes: the workload arrival-rate trace
//! (`Trace::from_csv`) and the grid's year of hourly carbon intensity and price
//! (`grid::read_year_csv`).

#![no_main]

use chrono::NaiveDate;
use greenloop::grid::read_year_csv;
use greenloop::scenario::validate::MAX_HORIZON_NS;
use greenloop::workload::trace::Trace;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The scenario loader hands the trace reader the open file, so any bytes reach it.
    let start = NaiveDate::from_ymd_opt(2025, 1, 6)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("a valid start");
    for repeat in [false, true] {
        if let Ok(trace) = Trace::from_csv(data, start, repeat) {
            // A trace that reads must be usable at any time of the longest horizon.
            let end = trace.end_ns();
            assert!(end > 0);
            assert!(trace.mean_tps().is_finite());
            assert!(trace.peak_tps().is_finite());
            for t in [0, end / 2, end - 1, end, end.saturating_add(1), MAX_HORIZON_NS] {
                let (rate, next) = trace.segment_at(t);
                assert!(rate.is_finite() && rate >= 0.0);
                if repeat || t < end {
                    assert!(next > t, "segment at {t} ends at {next}");
                }
            }
            let _ = trace.scaled(2.5);
        }
    }
    // Grid files are read with `read_to_string`: only UTF-8 reaches `read_year_csv`.
    if let Ok(text) = std::str::from_utf8(data) {
        for column in ["carbon_g_per_kwh", "price_eur_per_mwh"] {
            if let Ok(values) = read_year_csv(text, column) {
                assert!(values.len() == 8_760 || values.len() == 8_784);
                assert!(values.iter().all(|v| v.is_finite()));
            }
        }
    }
});
