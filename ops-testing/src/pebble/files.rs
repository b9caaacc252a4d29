//! The fake's files API over a directory mapped to the container's `/`.

use super::workload::ApiError;
use serde_json::{json, Map, Value};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

/// A per-path error (kind, message).
pub(crate) struct PathError(pub &'static str, pub String);

/// The host path of container path `path` under `root` (`..` cannot leave the root).
pub(crate) fn host_path(root: &Path, path: &str) -> Result<PathBuf, ApiError> {
    if !path.starts_with('/') {
        return Err(ApiError::new(
            400,
            format!("path must be absolute, got {}", json!(path)),
        ));
    }
    let mut parts: Vec<&str> = Vec::new();
    for c in Path::new(path).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str().unwrap_or("")),
            Component::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    let mut out = root.to_path_buf();
    for p in parts {
        out.push(p);
    }
    Ok(out)
}

/// `fnmatch.fnmatchcase`: `*`, `?`, `[seq]`, `[!seq]`.
pub(crate) fn fnmatch(pattern: &str, name: &str) -> bool {
    fn class(p: &[char], c: char) -> Option<(bool, usize)> {
        // p starts after '['; returns (matched, length consumed including ']').
        let mut i = 0;
        let negate = p.first() == Some(&'!');
        if negate {
            i += 1;
        }
        let mut matched = false;
        let mut first = true;
        while i < p.len() {
            if p[i] == ']' && !first {
                return Some((matched != negate, i + 1));
            }
            first = false;
            if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
                if p[i] <= c && c <= p[i + 2] {
                    matched = true;
                }
                i += 3;
            } else {
                if p[i] == c {
                    matched = true;
                }
                i += 1;
            }
        }
        None
    }
    fn go(p: &[char], s: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('*') => (0..=s.len()).any(|i| go(&p[1..], &s[i..])),
            Some('?') => !s.is_empty() && go(&p[1..], &s[1..]),
            Some('[') => match (s.first(), class(&p[1..], *s.first().unwrap_or(&'\0'))) {
                (Some(_), Some((true, n))) => go(&p[1 + n..], &s[1..]),
                (Some(_), Some((false, _))) => false,
                (_, None) => s.first() == Some(&'[') && go(&p[1..], &s[1..]),
                (None, _) => false,
            },
            Some(c) => s.first() == Some(c) && go(&p[1..], &s[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = name.chars().collect();
    go(&p, &s)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time.
fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The FileInfo of container path `path`.
pub(crate) fn file_info(root: &Path, path: &str) -> Result<Value, ApiError> {
    let host = host_path(root, path)?;
    let meta = std::fs::symlink_metadata(&host)
        .map_err(|e| ApiError::new(500, format!("stat {path}: {e}")))?;
    let ft = meta.file_type();
    use std::os::unix::fs::FileTypeExt;
    let kind = if ft.is_file() {
        "file"
    } else if ft.is_dir() {
        "directory"
    } else if ft.is_symlink() {
        "symlink"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_fifo() {
        "named-pipe"
    } else if ft.is_block_device() || ft.is_char_device() {
        "device"
    } else {
        "unknown"
    };
    let name = Path::new(path.trim_end_matches('/'))
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "/".into());
    let owner = |id: u32| {
        if id == 0 {
            "root".to_string()
        } else {
            id.to_string()
        }
    };
    let mut info = json!({
        "path": path, "name": name, "type": kind,
        "permissions": format!("{:03o}", meta.mode() & 0o7777),
        "last-modified": utc(meta.mtime()),
        "user-id": meta.uid(), "user": owner(meta.uid()),
        "group-id": meta.gid(), "group": owner(meta.gid()),
    });
    if kind == "file" {
        info["size"] = json!(meta.len());
    }
    Ok(info)
}

/// `GET /v1/files?action=list`.
pub(crate) fn list(
    root: &Path,
    path: &str,
    pattern: &str,
    itself: bool,
) -> Result<Value, ApiError> {
    let host = host_path(root, path)?;
    if std::fs::symlink_metadata(&host).is_err() {
        return Err(
            ApiError::new(404, format!("stat {path}: no such file or directory")).kind("not-found"),
        );
    }
    let entries: Vec<String> = if itself || !host.is_dir() {
        vec![path.to_string()]
    } else {
        let mut names: Vec<String> = std::fs::read_dir(&host)
            .map_err(|e| ApiError::new(500, e.to_string()))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|n| format!("{}/{n}", path.trim_end_matches('/')))
            .collect()
    };
    let mut out = Vec::new();
    for p in entries {
        let base = Path::new(&p)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if pattern.is_empty() || fnmatch(pattern, &base) {
            out.push(file_info(root, &p)?);
        }
    }
    Ok(Value::Array(out))
}

/// Read one file for a pull.
pub(crate) fn read(root: &Path, path: &str) -> Result<Vec<u8>, PathError> {
    let host = host_path(root, path).map_err(|e| PathError("generic-file-error", e.message))?;
    if host.is_dir() {
        return Err(PathError(
            "generic-file-error",
            format!("read {path}: is a directory"),
        ));
    }
    std::fs::read(&host).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => PathError(
            "not-found",
            format!("stat {path}: no such file or directory"),
        ),
        std::io::ErrorKind::PermissionDenied => PathError(
            "permission-denied",
            format!("open {path}: permission denied"),
        ),
        _ => PathError("generic-file-error", format!("read {path}: {e}")),
    })
}

/// A multipart answer of a pull: file parts, then the `response` part.
pub(crate) fn multipart_answer(
    files: &[(String, Vec<u8>)],
    results: &[Value],
) -> (Vec<u8>, String) {
    let boundary = format!(
        "fakepebble{:016x}",
        files.len() as u64 * 7919 + results.len() as u64
    );
    let mut body = Vec::new();
    for (path, data) in files {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(
            format!("Content-Disposition: form-data; name=\"files\"; filename=\"{path}\"\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(b"Content-Type: application/octet-stream\r\n\r\n");
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    let envelope = json!({"type": "sync", "status-code": 200, "status": "OK", "result": results});
    body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    body.extend_from_slice(b"Content-Disposition: form-data; name=\"response\"\r\n");
    body.extend_from_slice(b"Content-Type: application/json\r\n\r\n");
    body.extend_from_slice(envelope.to_string().as_bytes());
    body.extend_from_slice(b"\n\r\n");
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

pub(crate) fn path_error(path: &str, kind: &str, message: &str) -> Value {
    json!({"path": path, "error": {"message": message, "kind": kind}})
}

fn os_error(path: &str, e: std::io::Error) -> PathError {
    PathError("generic-file-error", format!("{e}: {path}").to_lowercase())
}

fn mode(spec: &Map<String, Value>, default: u32) -> u32 {
    spec.get("permissions")
        .and_then(Value::as_str)
        .and_then(|p| u32::from_str_radix(p, 8).ok())
        .unwrap_or(default)
}

fn chmod(host: &Path, mode: u32) -> std::io::Result<()> {
    std::fs::set_permissions(host, std::fs::Permissions::from_mode(mode))
}

/// `make-dirs` of one path.
pub(crate) fn make_dir(
    root: &Path,
    path: &str,
    spec: &Map<String, Value>,
) -> Result<(), PathError> {
    let host = host_path(root, path).map_err(|e| PathError("generic-file-error", e.message))?;
    let m = mode(spec, 0o755);
    if spec.get("make-parents").and_then(Value::as_bool) == Some(true) {
        if host.exists() && !host.is_dir() {
            return Err(PathError(
                "generic-file-error",
                format!("mkdir {path}: not a directory"),
            ));
        }
        std::fs::create_dir_all(&host).map_err(|e| os_error(path, e))?;
        chmod(&host, m).map_err(|e| os_error(path, e))?;
        return Ok(());
    }
    if !host.parent().is_some_and(Path::is_dir) {
        return Err(PathError(
            "not-found",
            format!("mkdir {path}.mkdir-new: no such file or directory"),
        ));
    }
    if std::fs::symlink_metadata(&host).is_ok() {
        return Err(PathError(
            "generic-file-error",
            format!("mkdir {path}: file exists"),
        ));
    }
    std::fs::create_dir(&host).map_err(|e| os_error(path, e))?;
    chmod(&host, m).map_err(|e| os_error(path, e))
}

/// `remove` of one path.
pub(crate) fn remove(root: &Path, path: &str, spec: &Map<String, Value>) -> Result<(), PathError> {
    let host = host_path(root, path).map_err(|e| PathError("generic-file-error", e.message))?;
    let Ok(meta) = std::fs::symlink_metadata(&host) else {
        return Err(PathError(
            "not-found",
            format!("remove {path}: no such file or directory"),
        ));
    };
    if meta.is_dir() {
        if spec.get("recursive").and_then(Value::as_bool) == Some(true) {
            std::fs::remove_dir_all(&host).map_err(|e| os_error(path, e))
        } else if std::fs::read_dir(&host)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
        {
            Err(PathError(
                "generic-file-error",
                format!("remove {path}: directory not empty"),
            ))
        } else {
            std::fs::remove_dir(&host).map_err(|e| os_error(path, e))
        }
    } else {
        std::fs::remove_file(&host).map_err(|e| os_error(path, e))
    }
}

/// `write` of one path.
pub(crate) fn write(
    root: &Path,
    path: &str,
    spec: &Map<String, Value>,
    data: &[u8],
) -> Result<(), PathError> {
    let host = host_path(root, path).map_err(|e| PathError("generic-file-error", e.message))?;
    let parent = host.parent().unwrap_or(root).to_path_buf();
    if spec.get("make-dirs").and_then(Value::as_bool) == Some(true) {
        std::fs::create_dir_all(&parent).map_err(|e| os_error(path, e))?;
    } else if !parent.is_dir() {
        return Err(PathError(
            "not-found",
            format!("open {path}: no such file or directory"),
        ));
    }
    if host.is_dir() {
        return Err(PathError(
            "generic-file-error",
            format!("open {path}: is a directory"),
        ));
    }
    std::fs::write(&host, data).map_err(|e| os_error(path, e))?;
    chmod(&host, mode(spec, 0o644)).map_err(|e| os_error(path, e))
}

/// One part of a multipart body: its name, its file name, its content.
pub(crate) type Part = (String, Option<String>, Vec<u8>);

/// The parts of a multipart request body.
pub(crate) fn parse_multipart(body: Vec<u8>, content_type: &str) -> Result<Vec<Part>, ApiError> {
    let boundary =
        multer::parse_boundary(content_type).map_err(|_| ApiError::new(400, "invalid boundary"))?;
    let stream = futures_one(bytes::Bytes::from(body));
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut out = Vec::new();
    let bad = |e: multer::Error| ApiError::new(400, format!("cannot parse multipart body: {e}"));
    while let Some(field) = block_on(mp.next_field()).map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        let filename = field.file_name().map(|f| f.replace("\\\"", "\""));
        let data = block_on(field.bytes()).map_err(bad)?;
        out.push((name, filename, data.to_vec()));
    }
    Ok(out)
}

/// A stream of one chunk.
fn futures_one(
    b: bytes::Bytes,
) -> impl futures_core::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send {
    struct One(Option<bytes::Bytes>);
    impl futures_core::Stream for One {
        type Item = Result<bytes::Bytes, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.take().map(Ok))
        }
    }
    One(Some(b))
}

/// Poll a future that never waits (all its input is in memory).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_fnmatch() {
        assert!(fnmatch("*.txt", "a.txt"));
        assert!(!fnmatch("*.txt", "a.txt.bak"));
        assert!(fnmatch("a?c", "abc"));
        assert!(fnmatch("[ab]x", "bx"));
        assert!(!fnmatch("[!ab]x", "bx"));
        assert!(fnmatch("[a-c]*", "cat"));
        assert!(!fnmatch("", "x"));
    }

    #[test]
    fn times_are_utc() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_704_067_200), "2024-01-01T00:00:00Z");
        assert_eq!(utc(951_827_696), "2000-02-29T12:34:56Z");
    }

    #[test]
    fn paths_stay_under_the_root() {
        let root = Path::new("/r");
        assert_eq!(host_path(root, "/a/../b").ok(), Some(PathBuf::from("/r/b")));
        assert_eq!(
            host_path(root, "/../../x").ok(),
            Some(PathBuf::from("/r/x"))
        );
        assert!(host_path(root, "rel").is_err());
    }
}
