//! `cells.jsonl`: one line per finished (variant, replication) cell with its metric tree,
//! appended as cells finish and flushed after every batch. A crash can only cut the last
//! line short; reading ignores such a line, so a resumed sweep reruns just that cell.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

/// Appends cells to a journal.
#[derive(Debug)]
pub struct JournalWriter {
    path: PathBuf,
    file: BufWriter<File>,
}

impl JournalWriter {
    /// Opens `path` for appending (`fresh`: truncated first). A partial last line left by a
    /// crash is cut off so the next line starts clean.
    pub fn open(path: &Path, fresh: bool) -> std::io::Result<Self> {
        if !fresh && path.exists() {
            let text = std::fs::read(path)?;
            let keep = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            if keep < text.len() {
                let f = OpenOptions::new().write(true).open(path)?;
                f.set_len(keep as u64)?;
            }
        }
        let file = if fresh {
            OpenOptions::new().create(true).write(true).truncate(true).open(path)?
        } else {
            OpenOptions::new().create(true).append(true).open(path)?
        };
        Ok(Self {
            path: path.to_owned(),
            file: BufWriter::new(file),
        })
    }

    /// Appends one cell.
    pub fn append(&mut self, variant: usize, replication: u32, metrics: &Value) -> std::io::Result<()> {
        let line = serde_json::json!({ "variant": variant, "replication": replication, "metrics": metrics });
        serde_json::to_writer(&mut self.file, &line)?;
        self.file.write_all(b"\n")
    }

    /// Writes everything appended so far to disk.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()?;
        self.file.get_ref().sync_data()
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[derive(Deserialize)]
struct Header {
    variant: usize,
    replication: u32,
    #[allow(dead_code)]
    metrics: serde::de::IgnoredAny,
}

/// Where each finished cell is, across one or more journals.
#[derive(Debug, Default)]
pub struct CellIndex {
    files: Vec<PathBuf>,
    cells: HashMap<(usize, u32), (usize, u64, usize)>,
}

impl CellIndex {
    /// Indexes the journals `paths` (missing files are empty). The first copy of a cell wins.
    pub fn read(paths: &[PathBuf]) -> Result<Self, String> {
        let mut index = CellIndex::default();
        for path in paths {
            if !path.exists() {
                continue;
            }
            let file_id = index.files.len();
            index.files.push(path.clone());
            let f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut reader = BufReader::new(f);
            let mut offset = 0u64;
            let mut line = String::new();
            loop {
                line.clear();
                let n = reader
                    .read_line(&mut line)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                if n == 0 {
                    break;
                }
                let complete = line.ends_with('\n');
                match serde_json::from_str::<Header>(line.trim_end()) {
                    Ok(h) => {
                        index
                            .cells
                            .entry((h.variant, h.replication))
                            .or_insert((file_id, offset, n));
                    }
                    Err(_) if !complete => break,
                    Err(e) => {
                        return Err(format!(
                            "{}: a line at byte {offset} is not a cell ({e})",
                            path.display()
                        ));
                    }
                }
                offset += n as u64;
            }
        }
        Ok(index)
    }

    /// Whether cell (variant, replication) is done.
    pub fn contains(&self, variant: usize, replication: u32) -> bool {
        self.cells.contains_key(&(variant, replication))
    }

    /// Cells indexed.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether no cell is indexed.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The metric tree of a cell.
    pub fn metrics(&self, variant: usize, replication: u32) -> Result<Option<Value>, String> {
        let Some(&(file_id, offset, len)) = self.cells.get(&(variant, replication)) else {
            return Ok(None);
        };
        let path = &self.files[file_id];
        let mut f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        f.seek(SeekFrom::Start(offset))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut buf = vec![0u8; len];
        f.read_exact(&mut buf).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut v: Value = serde_json::from_slice(&buf).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(v.get_mut("metrics").map(Value::take))
    }
}
