//! Writing results: atomic staged files, `summary.json`, `timeseries.csv`, and the printed
//! summary table. Only this module and the CLI touch files.

pub mod explain;
pub mod lifecycle_csv;
pub mod staged;
pub mod summary;
pub mod table;
pub mod timeseries;

pub use lifecycle_csv::lifecycle_csv;
pub use staged::{OutputError, StagedFile, StagedOutput};
pub use summary::summary_json;
pub use table::summary_table;
pub use timeseries::TimeseriesWriter;
