//! Files only the service account may read: the data folder is created
//! 0700 and the database, TLS key and key files 0600. At start the modes of
//! what is already there are checked; anything group- or world-accessible is
//! logged as a warning, and files Deskmate itself creates are tightened.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A file or folder operation that failed, with the path.
#[derive(Debug, thiserror::Error)]
#[error("{action} {path}: {source}")]
pub struct FileError {
    /// What was being done.
    pub action: &'static str,
    /// The file or folder.
    pub path: String,
    /// Why it failed.
    pub source: std::io::Error,
}

impl FileError {
    /// Wraps an I/O error for `path`.
    pub fn new<'a>(
        action: &'static str,
        path: &'a Path,
    ) -> impl FnOnce(std::io::Error) -> Self + 'a {
        move |source| FileError {
            action,
            path: path.display().to_string(),
            source,
        }
    }
}

/// Creates `dir` (and missing parents) readable by the owner only; an
/// existing folder keeps its mode.
pub fn create_dir(dir: &Path) -> Result<(), FileError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(FileError::new("cannot create the folder", dir))
}

/// Writes `bytes` to a new file readable by the owner only (replacing any file there).
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(FileError::new("cannot write", path))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(FileError::new("cannot write", path))?;
    tighten(path, 0o600);
    Ok(())
}

/// Creates an empty file readable by the owner only, unless it exists.
pub fn create_empty(path: &Path) -> Result<(), FileError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(FileError::new("cannot create", path)(err)),
    }
}

/// The permission bits of `path`, if it exists (always `None` off Unix).
pub fn mode_of(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Whether a mode lets anyone but the owner in.
pub fn is_loose(mode: u32) -> bool {
    mode & 0o077 != 0
}

/// Logs a warning when `path` is accessible to others; returns whether it was.
pub fn warn_if_loose(path: &Path, what: &str) -> bool {
    match mode_of(path) {
        Some(mode) if is_loose(mode) => {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{mode:04o}"),
                "the {what} can be read by other users on this machine; \
                 make it readable by the service account only (chmod go-rwx)"
            );
            true
        }
        _ => false,
    }
}

/// Restricts a file or folder Deskmate made to the owner (`0o600` or
/// `0o700`), logging a warning naming the old mode. Returns whether it changed.
pub fn tighten(path: &Path, wanted: u32) -> bool {
    let Some(mode) = mode_of(path) else {
        return false;
    };
    if !is_loose(mode) {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted)) {
            Ok(()) => {
                tracing::warn!(
                    path = %path.display(),
                    was = format!("{mode:04o}"),
                    now = format!("{wanted:04o}"),
                    "tightened permissions: this Deskmate file was readable by other users"
                );
                true
            }
            Err(err) => {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{mode:04o}"),
                    error = %err,
                    "this Deskmate file can be read by other users and its permissions could not be changed"
                );
                false
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = wanted;
        false
    }
}

/// The SQLite database file and the two files SQLite keeps beside it in WAL mode.
pub fn sqlite_files(database: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = database.as_os_str().to_os_string();
        name.push(suffix);
        PathBuf::from(name)
    };
    [database.to_path_buf(), with("-wal"), with("-shm")]
}

/// Prepares the data folder at start: creates it 0700, or warns when an
/// existing one is open to others and tightens it (it holds Deskmate's
/// state only).
pub fn prepare_data_dir(dir: &Path) -> Result<(), FileError> {
    if dir.is_dir() {
        tighten(dir, 0o700);
        Ok(())
    } else {
        create_dir(dir)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn temp() -> PathBuf {
        std::env::temp_dir().join(format!("deskmate-private-{}", uuid::Uuid::new_v4()))
    }

    #[test]
    fn new_folders_and_files_are_owner_only() {
        let dir = temp();
        create_dir(&dir.join("a/b")).expect("dir");
        assert_eq!(mode_of(&dir.join("a/b")), Some(0o700));
        write(&dir.join("k"), b"x").expect("file");
        assert_eq!(mode_of(&dir.join("k")), Some(0o600));
        create_empty(&dir.join("db")).expect("file");
        assert_eq!(mode_of(&dir.join("db")), Some(0o600));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn loose_modes_are_tightened() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp();
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let file = dir.join("f");
        std::fs::write(&file, b"x").expect("file");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(tighten(&file, 0o600));
        assert_eq!(mode_of(&file), Some(0o600));
        assert!(!tighten(&file, 0o600), "already tight");
        prepare_data_dir(&dir).expect("prepared");
        assert_eq!(mode_of(&dir), Some(0o700));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn sqlite_companions_are_named() {
        let [db, wal, shm] = sqlite_files(Path::new("/x/deskmate.db"));
        assert_eq!(db, Path::new("/x/deskmate.db"));
        assert_eq!(wal, Path::new("/x/deskmate.db-wal"));
        assert_eq!(shm, Path::new("/x/deskmate.db-shm"));
    }
}
