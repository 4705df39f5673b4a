//! Output files written whole or not at all: every report and registry export goes to a
//! temporary file in the destination's folder, which is then renamed over the
//! destination. A reader (a CI step, a service loading the registry) sees the old file
//! or the new one, never half of one, even if the writer is killed midway.

use std::io::{self, Write};
use std::path::Path;

/// Write `bytes` to `path` atomically, creating its folder if needed. No key reaches a
/// file: the text is redacted first (see `routeval_core::redact`).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let bytes = routeval_core::redact::redact_bytes(bytes);
    write_atomic_with(path, |file| file.write_all(&bytes))
}

/// Write `path` atomically with `fill`, which writes the whole content to the file it is
/// given; nothing replaces `path` unless `fill` succeeds.
pub fn write_atomic_with<E>(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<io::Error>,
{
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        // The mode any file the user writes gets (0666 less the umask), not the
        // owner-only mode of temporary files.
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    fill(tmp.as_file_mut())?;
    tmp.as_file_mut().flush()?;
    // What `fill` wrote may be binary (Parquet), which redaction would break: a file that
    // holds a key is refused rather than written.
    if routeval_core::redact::reader_holds_secret(std::fs::File::open(tmp.path())?)? {
        return Err(E::from(io::Error::other(format!(
            "{} would hold an API key; not written",
            path.display()
        ))));
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| E::from(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out").join("report.md");
        write_atomic(&path, b"old").unwrap();
        // A reader that opened the old file keeps reading the old file: the new one is a
        // new file renamed into place, not the old one truncated and rewritten.
        let mut reader = std::fs::File::open(&path).unwrap();
        write_atomic(&path, b"new content").unwrap();
        let mut seen = String::new();
        reader.read_to_string(&mut seen).unwrap();
        assert_eq!(seen, "old");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new content");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["report.md"]);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.json");
        write_atomic(&path, b"{\"ok\":true}").unwrap();
        let err = write_atomic_with(&path, |f| {
            f.write_all(b"{\"half")?;
            Err(io::Error::other("render failed"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "render failed");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"ok\":true}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn no_key_is_written() {
        let key = "sk-output-canary-5678";
        routeval_core::redact::register(key);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        write_atomic(&path, format!("a {key} b").as_bytes()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a [REDACTED] b");
        let binary = dir.path().join("results.parquet");
        let err = write_atomic_with(&binary, |f| f.write_all(format!("\0{key}\0").as_bytes()))
            .unwrap_err();
        assert!(err.to_string().contains("would hold an API key"), "{err}");
        assert!(!binary.exists());
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.html");
        write_atomic(&path, b"x").unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&plain));
    }
}
