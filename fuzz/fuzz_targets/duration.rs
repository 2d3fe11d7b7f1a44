//! The duration parser (`"15m"`, `"1h30m"`, `"0.5s"`, `"5y"`) and its formatter, from
//! arbitrary text, directly and through serde as a scenario value.
//!
//! Properties: parsing never panics; a parsed duration formats to text that parses back to
//! the same number of nanoseconds; serde gives the same answer as `FromStr`.

#![no_main]

use greenloop::scenario::{HumanDuration, format_duration};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = text.parse::<HumanDuration>();
    if let Err(e) = &parsed {
        assert!(e.to_string().contains("invalid duration"), "{e}");
    }
    let via_serde = serde_json::from_value::<HumanDuration>(serde_json::Value::String(text.to_owned()));
    assert_eq!(
        parsed.as_ref().ok(),
        via_serde.as_ref().ok(),
        "FromStr and serde disagree on {text:?}"
    );
    if let Ok(d) = parsed {
        let formatted = format_duration(d.ns());
        let again = formatted
            .replace(' ', "")
            .parse::<HumanDuration>()
            .unwrap_or_else(|e| panic!("{text:?} -> {formatted:?} does not parse back: {e}"));
        assert_eq!(again, d, "{text:?} -> {formatted:?}");
        // Display and serde's text form must also round-trip.
        let json = serde_json::to_value(d).expect("serializes");
        assert_eq!(serde_json::from_value::<HumanDuration>(json).ok(), Some(d));
    }
});
