//! Atomic output: every file is written under a temporary name in the output folder and
//! renamed into place only when the whole run has succeeded, so a crash or an error never
//! leaves a half-written or stale-mixed result.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tempfile::NamedTempFile;
use thiserror::Error;

/// A failure to write results.
#[derive(Debug, Error)]
pub enum OutputError {
    /// The output folder cannot be created or written.
    #[error("cannot write to the output folder {dir}: {source}\n  fix: choose a folder you can write to with --out")]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written or moved into place.
    #[error("cannot write {file}: {source}\n  fix: check free disk space and permissions of the output folder")]
    File {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// A set of files being written to one folder, committed together.
#[derive(Debug)]
pub struct StagedOutput {
    dir: PathBuf,
    created_dir: bool,
    pending: Vec<(NamedTempFile, PathBuf)>,
    /// Fault injection: bytes all files may still take before writes fail as on a full disk.
    space_left: Option<Arc<AtomicU64>>,
}

impl StagedOutput {
    /// Prepares `dir`, creating it (and its parents) if needed.
    pub fn new(dir: &Path) -> Result<Self, OutputError> {
        let existed = dir.is_dir();
        std::fs::create_dir_all(dir).map_err(|source| OutputError::Folder {
            dir: dir.to_owned(),
            source,
        })?;
        Ok(Self {
            dir: dir.to_owned(),
            created_dir: !existed,
            pending: Vec::new(),
            space_left: None,
        })
    }

    /// Like [`StagedOutput::new`], but the files together may take only `bytes`: writes
    /// beyond fail with ENOSPC, as on a full disk. For fault-injection tests.
    #[doc(hidden)]
    pub fn with_space_limit(dir: &Path, bytes: u64) -> Result<Self, OutputError> {
        let mut out = Self::new(dir)?;
        out.space_left = Some(Arc::new(AtomicU64::new(bytes)));
        Ok(out)
    }

    /// The output folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new temporary file that will become `name` on commit.
    pub fn create(&self, name: &str) -> Result<StagedFile, OutputError> {
        let final_path = self.dir.join(name);
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // Results are ordinary files (rw-r--r--, before the umask), not private temporaries.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let tmp = builder.tempfile_in(&self.dir).map_err(|source| OutputError::Folder {
            dir: self.dir.clone(),
            source,
        })?;
        Ok(StagedFile {
            writer: BufWriter::new(TempSink {
                file: tmp,
                space_left: self.space_left.clone(),
            }),
            final_path,
        })
    }

    /// Adds a finished file to the commit list.
    pub fn add(&mut self, file: StagedFile) -> Result<(), OutputError> {
        let final_path = file.final_path.clone();
        let tmp = file
            .writer
            .into_inner()
            .map_err(|e| OutputError::File {
                file: final_path.clone(),
                source: e.into_error(),
            })?
            .file;
        tmp.as_file().sync_all().map_err(|source| OutputError::File {
            file: final_path.clone(),
            source,
        })?;
        self.pending.push((tmp, final_path));
        Ok(())
    }

    /// Writes a whole small file.
    pub fn write_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let mut f = self.create(name)?;
        f.write_all(bytes).map_err(|source| OutputError::File {
            file: f.final_path.clone(),
            source,
        })?;
        self.add(f)
    }

    /// Renames every staged file into place; returns their final paths.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, OutputError> {
        let mut done = Vec::new();
        for (tmp, path) in std::mem::take(&mut self.pending) {
            tmp.persist(&path).map_err(|e| OutputError::File {
                file: path.clone(),
                source: e.error,
            })?;
            done.push(path);
        }
        self.created_dir = false;
        Ok(done)
    }
}

impl Drop for StagedOutput {
    /// On failure (drop without commit) temporary files delete themselves; a folder this
    /// run created is removed again if it is empty.
    fn drop(&mut self) {
        self.pending.clear();
        if self.created_dir {
            let _ = std::fs::remove_dir(&self.dir);
        }
    }
}

/// A file being written; becomes visible only on commit.
#[derive(Debug)]
pub struct StagedFile {
    writer: BufWriter<TempSink>,
    final_path: PathBuf,
}

/// The temporary file under a staged file (with the fault-injection space limit, if any).
#[derive(Debug)]
struct TempSink {
    file: NamedTempFile,
    space_left: Option<Arc<AtomicU64>>,
}

impl Write for TempSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let Some(space) = &self.space_left else {
            return self.file.write(buf);
        };
        let left = space.load(Ordering::SeqCst);
        if left == 0 && !buf.is_empty() {
            return Err(std::io::Error::from_raw_os_error(libc::ENOSPC));
        }
        let n = self
            .file
            .write(&buf[..buf.len().min(usize::try_from(left).unwrap_or(usize::MAX))])?;
        space.fetch_sub(n as u64, Ordering::SeqCst);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl StagedFile {
    /// The name it will have.
    pub fn final_path(&self) -> &Path {
        &self.final_path
    }
}

impl Write for StagedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_appear_only_on_commit() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let mut out = StagedOutput::new(&dir).unwrap();
        out.write_bytes("a.txt", b"hello").unwrap();
        assert!(!dir.join("a.txt").exists());
        let files = out.commit().unwrap();
        assert_eq!(files, vec![dir.join("a.txt")]);
        assert_eq!(std::fs::read(dir.join("a.txt")).unwrap(), b"hello");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary files left");
    }

    #[test]
    fn abandoned_output_leaves_nothing() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        {
            let mut out = StagedOutput::new(&dir).unwrap();
            out.write_bytes("a.txt", b"partial").unwrap();
        }
        assert!(!dir.exists(), "the folder this run created is removed");
    }
}
