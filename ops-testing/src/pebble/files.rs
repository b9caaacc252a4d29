//! The fake's files API over a directory mapped to the container's `/`.

use super::users::Users;
use super::workload::ApiError;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

/// A per-path error (kind, message).
pub(crate) struct PathError(pub &'static str, pub String);

/// Owners the fake cannot set on the host (it does not run as root): container path →
/// (uid, gid) of what was pushed or created with an owner.
pub(crate) type Owners = std::sync::Mutex<BTreeMap<String, (u32, u32)>>;

/// The host path of container path `path` under `root` (`..` cannot leave the root).
pub(crate) fn host_path(root: &Path, path: &str) -> Result<PathBuf, ApiError> {
    if !path.starts_with('/') {
        return Err(ApiError::new(
            400,
            format!("path must be absolute, got {}", json!(path)),
        ));
    }
    Ok(root.join(clean(path).trim_start_matches('/')))
}

/// Go's `path.Clean` of an absolute path (`..` stops at `/`).
pub(crate) fn clean(path: &str) -> String {
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
    format!("/{}", parts.join("/"))
}

/// The host path of a per-path operation's path: relative paths are refused as Pebble does.
fn per_path_host(root: &Path, path: &str) -> Result<PathBuf, PathError> {
    if !path.starts_with('/') {
        return Err(PathError(
            "generic-file-error",
            format!("paths must be absolute, got {}", json!(path)),
        ));
    }
    host_path(root, path).map_err(|e| PathError("generic-file-error", e.message))
}

/// The text Go gives an errno.
fn errno_text(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(1) => "operation not permitted".into(),
        Some(2) => "no such file or directory".into(),
        Some(13) => "permission denied".into(),
        Some(17) => "file exists".into(),
        Some(20) => "not a directory".into(),
        Some(21) => "is a directory".into(),
        Some(28) => "no space left on device".into(),
        Some(36) => "file name too long".into(),
        Some(39) => "directory not empty".into(),
        Some(40) => "too many levels of symbolic links".into(),
        _ => {
            let text = e.to_string().to_lowercase();
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}

/// Pebble's `fileErrorToResult`: `op path: errno`, of kind `not-found` (ENOENT),
/// `permission-denied` (EACCES, EPERM) or `generic-file-error`.
fn os_error(op: &str, path: &str, e: &std::io::Error) -> PathError {
    let kind = match e.raw_os_error() {
        Some(2) => "not-found",
        Some(1) | Some(13) => "permission-denied",
        _ => "generic-file-error",
    };
    PathError(kind, format!("{op} {path}: {}", errno_text(e)))
}

/// Go's `path.Match`: `*`, `?`, `[class]` (`^` negates, `\` escapes); `Err` for a malformed
/// pattern (`syntax error in pattern`), checked whole as Go does.
pub(crate) fn glob_match(pattern: &str, name: &str) -> Result<bool, ()> {
    fn class(p: &[char], c: Option<char>) -> Result<(bool, usize), ()> {
        // p starts after '['; returns (matched, length consumed including ']').
        let mut i = 0;
        let negate = p.first() == Some(&'^');
        if negate {
            i += 1;
        }
        let mut matched = false;
        let mut n = 0;
        loop {
            match p.get(i) {
                None => return Err(()),
                Some(']') if n > 0 => break,
                _ => {}
            }
            let mut lo = *p.get(i).ok_or(())?;
            if lo == '\\' {
                i += 1;
                lo = *p.get(i).ok_or(())?;
            } else if lo == '-' || lo == ']' {
                return Err(());
            }
            i += 1;
            let mut hi = lo;
            if p.get(i) == Some(&'-') {
                i += 1;
                hi = *p.get(i).ok_or(())?;
                if hi == '\\' {
                    i += 1;
                    hi = *p.get(i).ok_or(())?;
                } else if hi == '-' || hi == ']' {
                    return Err(());
                }
                i += 1;
            }
            if c.is_some_and(|c| lo <= c && c <= hi) {
                matched = true;
            }
            n += 1;
        }
        Ok((matched != negate, i + 1))
    }
    fn valid(p: &[char]) -> Result<(), ()> {
        let mut i = 0;
        while i < p.len() {
            match p[i] {
                '\\' => {
                    if i + 1 >= p.len() {
                        return Err(());
                    }
                    i += 2;
                }
                '[' => i += 1 + class(&p[i + 1..], None)?.1,
                _ => i += 1,
            }
        }
        Ok(())
    }
    fn go(p: &[char], s: &[char]) -> Result<bool, ()> {
        match p.first() {
            None => Ok(s.is_empty()),
            Some('*') => {
                for i in 0..=s.len() {
                    if s[..i].contains(&'/') {
                        break;
                    }
                    if go(&p[1..], &s[i..])? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Some('?') => Ok(s.first().is_some_and(|c| *c != '/') && go(&p[1..], &s[1..])?),
            Some('[') => {
                let (m, n) = class(&p[1..], s.first().copied())?;
                Ok(s.first().is_some_and(|c| *c != '/') && m && go(&p[1 + n..], &s[1..])?)
            }
            Some('\\') => Ok(p.get(1).is_some() && s.first() == p.get(1) && go(&p[2..], &s[1..])?),
            Some(c) => Ok(s.first() == Some(c) && go(&p[1..], &s[1..])?),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = name.chars().collect();
    valid(&p)?;
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

/// The fake's view of who owns a file: what was requested when it was pushed or created, else
/// the host's owner, the test's own user standing for the container's root.
fn owner(root: &Path, owners: &Owners, path: &str, meta: &std::fs::Metadata) -> (u32, u32) {
    if let Some(o) = owners.lock().ok().and_then(|o| o.get(path).copied()) {
        return o;
    }
    let me = std::fs::metadata(root).ok();
    let uid = if me.as_ref().is_some_and(|m| m.uid() == meta.uid()) {
        0
    } else {
        meta.uid()
    };
    let gid = if me.as_ref().is_some_and(|m| m.gid() == meta.gid()) {
        0
    } else {
        meta.gid()
    };
    (uid, gid)
}

/// The FileInfo of container path `path` (clean), from its metadata.
fn file_info(
    root: &Path,
    owners: &Owners,
    users: &Users,
    path: &str,
    meta: &std::fs::Metadata,
) -> Value {
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
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "/".into());
    let (uid, gid) = owner(root, owners, path, meta);
    let mut info = json!({
        "path": path, "name": name, "type": kind,
        "permissions": format!("{:03o}", meta.mode() & 0o777),
        "last-modified": utc(meta.mtime()),
        "user-id": uid, "user": users.user_name(uid),
        "group-id": gid, "group": users.group_name(gid),
    });
    if kind == "file" {
        info["size"] = json!(meta.len());
    }
    info
}

/// `GET /v1/files?action=list`.
pub(crate) fn list(
    root: &Path,
    owners: &Owners,
    path: &str,
    pattern: &str,
    itself: bool,
) -> Result<Value, ApiError> {
    if path.is_empty() {
        return Err(ApiError::new(400, "must specify path"));
    }
    let host = host_path(root, path)?;
    let to_api = |e: PathError| {
        let code = match e.0 {
            "not-found" => 404,
            "permission-denied" => 403,
            _ => 400,
        };
        ApiError::new(code, e.1).kind(e.0)
    };
    let meta = std::fs::metadata(&host).map_err(|e| to_api(os_error("stat", path, &e)))?;
    let users = Users::load(root);
    let clean_path = clean(path);
    let entries: Vec<(String, std::fs::Metadata)> = if itself || !meta.is_dir() {
        vec![(clean_path, meta)]
    } else {
        let mut entries: Vec<(String, std::fs::Metadata)> = Vec::new();
        let dir = std::fs::read_dir(&host).map_err(|e| to_api(os_error("open", path, &e)))?;
        for e in dir.filter_map(|e| e.ok()) {
            let name = e.file_name().to_string_lossy().into_owned();
            let full = format!("{}/{name}", clean_path.trim_end_matches('/'));
            let meta = e
                .metadata()
                .map_err(|err| to_api(os_error("lstat", &full, &err)))?;
            entries.push((full, meta));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries
    };
    let mut out = Vec::new();
    for (p, meta) in entries {
        let base = Path::new(&p)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "/".into());
        let matched = pattern.is_empty()
            || glob_match(pattern, &base).map_err(|()| {
                ApiError::new(400, "syntax error in pattern").kind("generic-file-error")
            })?;
        if matched {
            out.push(file_info(root, owners, &users, &p, &meta));
        }
    }
    Ok(Value::Array(out))
}

/// Read one file for a pull: a regular file only (symlinks followed).
pub(crate) fn read(root: &Path, path: &str) -> Result<Vec<u8>, PathError> {
    let host = per_path_host(root, path)?;
    let meta = std::fs::metadata(&host).map_err(|e| os_error("stat", path, &e))?;
    if !meta.is_file() {
        return Err(PathError(
            "generic-file-error",
            format!("can only read a regular file: {}", json!(path)),
        ));
    }
    std::fs::read(&host).map_err(|e| os_error("open", path, &e))
}

/// A multipart answer of a pull: file parts, then the `response` part. File names are escaped
/// as Go's `mime/multipart` escapes them (`\` and `"` get a backslash).
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
        let escaped = path.replace('\\', "\\\\").replace('"', "\\\"");
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(
            format!("Content-Disposition: form-data; name=\"files\"; filename=\"{escaped}\"\r\n")
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

/// Pebble's `parsePermissions`: three octal digits, or the default.
fn mode(spec: &Map<String, Value>, default: u32) -> Result<u32, PathError> {
    let text = match spec.get("permissions") {
        None | Some(Value::Null) => return Ok(default),
        Some(Value::String(s)) if s.is_empty() => return Ok(default),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    match u32::from_str_radix(&text, 8) {
        Ok(m) if text.len() == 3 => Ok(m),
        _ => Err(PathError(
            "generic-file-error",
            format!(
                "permissions must be a 3-digit octal string, got {}",
                json!(text)
            ),
        )),
    }
}

fn chmod(host: &Path, mode: u32) -> std::io::Result<()> {
    std::fs::set_permissions(host, std::fs::Permissions::from_mode(mode))
}

/// The owner a push or make-dirs asks for, normalised as Pebble does (both or neither).
fn requested_owner(
    root: &Path,
    spec: &Map<String, Value>,
) -> Result<Option<(u32, u32)>, PathError> {
    let id = |k: &str| spec.get(k).and_then(Value::as_u64).map(|v| v as u32);
    let name = |k: &str| {
        spec.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    match Users::load(root).normalize(id("user-id"), id("group-id"), name("user"), name("group")) {
        Ok((Some(u), Some(g))) => Ok(Some((u, g))),
        Ok(_) => Ok(None),
        Err(e) => Err(PathError(
            "generic-file-error",
            format!("cannot look up user and group: {e}"),
        )),
    }
}

fn set_owner(owners: &Owners, path: &str, owner: Option<(u32, u32)>) {
    if let (Some(o), Ok(mut owners)) = (owner, owners.lock()) {
        owners.insert(clean(path), o);
    }
}

/// Pebble's `osutil.Mkdir` of one directory (`path.mkdir-new`, then renamed).
fn mkdir_one(
    root: &Path,
    owners: &Owners,
    path: &str,
    mode: u32,
    owner: Option<(u32, u32)>,
) -> Result<(), PathError> {
    let host = host_path(root, path).map_err(|e| PathError("generic-file-error", e.message))?;
    let cand = format!("{path}.mkdir-new");
    std::fs::create_dir(&host).map_err(|e| os_error("mkdir", &cand, &e))?;
    chmod(&host, mode).map_err(|e| os_error("chmod", &cand, &e))?;
    set_owner(owners, path, owner);
    Ok(())
}

/// Pebble's `osutil.Mkdir` (`mkdirAll` when `parents`).
fn mkdir(
    root: &Path,
    owners: &Owners,
    path: &str,
    mode: u32,
    parents: bool,
    exist_ok: bool,
    owner: Option<(u32, u32)>,
) -> Result<(), PathError> {
    let path = clean(path);
    let host = host_path(root, &path).map_err(|e| PathError("generic-file-error", e.message))?;
    if let Ok(meta) = std::fs::metadata(&host) {
        if !meta.is_dir() {
            return Err(PathError(
                "generic-file-error",
                format!("mkdir {path}: not a directory"),
            ));
        }
        if exist_ok {
            return Ok(());
        }
        return Err(PathError(
            "generic-file-error",
            format!("mkdir {path}: file exists"),
        ));
    }
    if parents {
        let parent = Path::new(&path)
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|| "/".into());
        if parent != "/" {
            mkdir(root, owners, &parent, mode, true, true, owner)?;
        }
    }
    mkdir_one(root, owners, &path, mode, owner)
}

/// `make-dirs` of one path.
pub(crate) fn make_dir(
    root: &Path,
    owners: &Owners,
    path: &str,
    spec: &Map<String, Value>,
) -> Result<(), PathError> {
    per_path_host(root, path)?;
    let m = mode(spec, 0o755)?;
    let owner = requested_owner(root, spec)?;
    let parents = spec.get("make-parents").and_then(Value::as_bool) == Some(true);
    mkdir(root, owners, path, m, parents, parents, owner)
}

/// `remove` of one path: `os.RemoveAll` when recursive (a missing path is fine), else
/// `os.Remove`.
pub(crate) fn remove(
    root: &Path,
    owners: &Owners,
    path: &str,
    spec: &Map<String, Value>,
) -> Result<(), PathError> {
    let host = per_path_host(root, path)?;
    let recursive = spec.get("recursive").and_then(Value::as_bool) == Some(true);
    let forget = || {
        if let Ok(mut o) = owners.lock() {
            let p = clean(path);
            o.retain(|k, _| !(k == &p || k.starts_with(&format!("{}/", p.trim_end_matches('/')))));
        }
    };
    let meta = match std::fs::symlink_metadata(&host) {
        Ok(meta) => meta,
        Err(e) if recursive && e.raw_os_error() == Some(2) => return Ok(()),
        Err(e) if recursive => return Err(os_error("unlinkat", path, &e)),
        Err(e) => return Err(os_error("remove", path, &e)),
    };
    let result = if meta.is_dir() {
        if recursive {
            std::fs::remove_dir_all(&host).map_err(|e| os_error("unlinkat", path, &e))
        } else {
            std::fs::remove_dir(&host).map_err(|e| os_error("remove", path, &e))
        }
    } else {
        std::fs::remove_file(&host).map_err(|e| os_error("remove", path, &e))
    };
    if result.is_ok() {
        forget();
    }
    result
}

/// A temporary name as Go's `os.CreateTemp(dir, base+".*~")` makes them.
fn temp_name(path: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let n = nanos
        .wrapping_mul(2_654_435_761)
        .wrapping_add(SEQ.fetch_add(1, Ordering::Relaxed));
    format!("{path}.{n}~")
}

/// `write` of one path: Pebble's atomic write (a temporary file beside it, then a rename).
pub(crate) fn write(
    root: &Path,
    owners: &Owners,
    path: &str,
    spec: &Map<String, Value>,
    data: &[u8],
) -> Result<(), PathError> {
    let host = per_path_host(root, path)?;
    let owner = requested_owner(root, spec)?;
    let clean_path = clean(path);
    if spec.get("make-dirs").and_then(Value::as_bool) == Some(true) {
        let parent = Path::new(&clean_path)
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|| "/".into());
        if parent != "/" {
            mkdir(root, owners, &parent, 0o755, true, true, owner)
                .map_err(|e| PathError(e.0, format!("cannot create directory: {}", e.1)))?;
        }
    }
    let m = mode(spec, 0o644)?;
    let tmp = temp_name(&clean_path);
    let parent = host.parent().unwrap_or(root);
    match std::fs::metadata(parent) {
        Err(e) => return Err(os_error("open", &tmp, &e)),
        Ok(meta) if !meta.is_dir() => {
            return Err(PathError(
                "generic-file-error",
                format!("open {tmp}: not a directory"),
            ))
        }
        Ok(_) => {}
    }
    if host.is_dir() {
        return Err(PathError(
            "generic-file-error",
            format!("rename {tmp} {clean_path}: file exists"),
        ));
    }
    std::fs::write(&host, data).map_err(|e| os_error("open", &tmp, &e))?;
    chmod(&host, m).map_err(|e| os_error("chmod", &tmp, &e))?;
    match owner {
        Some(o) => set_owner(owners, &clean_path, Some(o)),
        None => {
            if let Ok(mut o) = owners.lock() {
                o.remove(&clean_path);
            }
        }
    }
    Ok(())
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
        // Read from the header: multer ends a quoted name at `\\"` and keeps `\\` escapes.
        let filename = field
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .and_then(quoted_filename);
        let data = block_on(field.bytes()).map_err(bad)?;
        out.push((name, filename, data.to_vec()));
    }
    Ok(out)
}

/// The `filename="..."` parameter of a `Content-Disposition` value, unescaped.
fn quoted_filename(value: &str) -> Option<String> {
    let start = value.find("filename=\"")? + "filename=\"".len();
    let rest = &value[start..];
    let mut end = None;
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => {
                end = Some(i);
                break;
            }
            _ => {}
        }
    }
    Some(unescape(&rest[..end?]))
}

/// A quoted-string's content without its backslash escapes, as Go's `mime.ParseMediaType`
/// reads a file name.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
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
    fn globs_match_as_go_path_match() {
        let m = |p: &str, n: &str| glob_match(p, n);
        assert_eq!(m("*.txt", "a.txt"), Ok(true));
        assert_eq!(m("*.txt", "a.txt.bak"), Ok(false));
        assert_eq!(m("a?c", "abc"), Ok(true));
        assert_eq!(m("[ab]x", "bx"), Ok(true));
        assert_eq!(m("[^ab]x", "bx"), Ok(false));
        assert_eq!(m("[^ab]x", "cx"), Ok(true));
        assert_eq!(m("[a-c]*", "cat"), Ok(true));
        assert_eq!(m("\\*", "*"), Ok(true));
        assert_eq!(m("", "x"), Ok(false));
        assert_eq!(m("[", "x"), Err(()));
        assert_eq!(
            m("x[", "y"),
            Err(()),
            "checked whole, even after a mismatch"
        );
        assert_eq!(m("[]a]", "a"), Err(()));
        assert_eq!(m("a\\", "a"), Err(()));
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
        assert_eq!(clean("/a//b/./c/"), "/a/b/c");
        assert_eq!(clean("/"), "/");
    }

    #[test]
    fn file_names_unescape_as_go_reads_them() {
        assert_eq!(unescape(r#"/a\\b\"c"#), r#"/a\b"c"#);
        assert_eq!(
            quoted_filename(r#"form-data; name="files"; filename="/c\\""#).as_deref(),
            Some(r"/c\")
        );
    }
}
