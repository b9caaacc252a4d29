//! Files: push and pull (multipart, streamed), list, make directories, remove, and the recursive
//! `push_path` / `pull_path` of ops' `Container`.

use super::multipart;
use super::transport;
use super::{Client, Error, FileInfo, FileType, MultiPushPullError, PathError, Result};
use serde_json::{json, Map, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use ureq::unversioned::multipart::{Form, Part};

/// Ownership and mode of what is pushed or created.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::PushOptions;
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// let options = PushOptions { make_dirs: true, permissions: Some(0o600), ..Default::default() };
/// client.push("/etc/web/secret.conf", "token = x\n".as_bytes(), &options)?;
/// assert_eq!(client.pull_text("/etc/web/secret.conf")?, "token = x\n");
/// assert_eq!(client.list_files("/etc/web/secret.conf", None, true)?[0].permissions, 0o600);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushOptions {
    /// Create missing parent directories.
    pub make_dirs: bool,
    /// Permission bits (Pebble's default: 0o644).
    pub permissions: Option<u32>,
    /// Owner id.
    pub user_id: Option<u32>,
    /// Owner name.
    pub user: Option<String>,
    /// Group id.
    pub group_id: Option<u32>,
    /// Group name.
    pub group: Option<String>,
}

/// Ownership and mode of a directory created with [`Client::make_dir`].
///
/// # Examples
///
/// ```
/// use ops_core::pebble::MakeDirOptions;
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// client.make_dir("/srv/web/cache", &MakeDirOptions { make_parents: true, ..Default::default() })?;
/// assert!(client.isdir("/srv/web/cache")?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MakeDirOptions {
    /// Create missing parents too, and succeed if it exists.
    pub make_parents: bool,
    /// Permission bits (Pebble's default: 0o755).
    pub permissions: Option<u32>,
    /// Owner id.
    pub user_id: Option<u32>,
    /// Owner name.
    pub user: Option<String>,
    /// Group id.
    pub group_id: Option<u32>,
    /// Group name.
    pub group: Option<String>,
}

fn auth(
    path: &str,
    permissions: Option<u32>,
    user_id: Option<u32>,
    user: &Option<String>,
    group_id: Option<u32>,
    group: &Option<String>,
) -> Map<String, Value> {
    let mut d = Map::new();
    d.insert("path".into(), json!(path));
    if let Some(p) = permissions {
        d.insert("permissions".into(), json!(format!("{p:03o}")));
    }
    if let Some(u) = user_id {
        d.insert("user-id".into(), json!(u));
    }
    if let Some(u) = user {
        d.insert("user".into(), json!(u));
    }
    if let Some(g) = group_id {
        d.insert("group-id".into(), json!(g));
    }
    if let Some(g) = group {
        d.insert("group".into(), json!(g));
    }
    d
}

/// A reader that keeps its first error (ureq reports it as a failed request).
struct Recording<R> {
    inner: R,
    error: Option<std::io::Error>,
}

impl<R: Read> Read for Recording<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.inner.read(buf) {
            Err(e) if e.kind() != std::io::ErrorKind::Interrupted => {
                let copy = std::io::Error::new(e.kind(), e.to_string());
                self.error.get_or_insert(e);
                Err(copy)
            }
            other => other,
        }
    }
}

/// ops' `_raise_on_path_error`: the result item of `path`, with its error.
fn raise_on_path_error(body: &Value, path: &str) -> Result<()> {
    let empty = Vec::new();
    let items = body
        .get("result")
        .and_then(|r| r.as_array())
        .unwrap_or(&empty);
    let item = items
        .iter()
        .find(|i| i.get("path").and_then(|p| p.as_str()) == Some(path))
        .ok_or_else(|| Error::Protocol(format!("path not found in response metadata: {body}")))?;
    if let Some(err) = item.get("error").filter(|e| !e.is_null()) {
        let text = |k: &str| {
            err.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        return Err(PathError {
            kind: text("kind"),
            message: text("message"),
        }
        .into());
    }
    Ok(())
}

impl Client {
    /// Write `source` to the file `path` in the workload, streamed as a multipart upload
    /// (`POST /v1/files`, `write`).
    pub fn push(&self, path: &str, source: impl Read, options: &PushOptions) -> Result<()> {
        let mut info = auth(
            path,
            options.permissions,
            options.user_id,
            &options.user,
            options.group_id,
            &options.group,
        );
        if options.make_dirs {
            info.insert("make-dirs".into(), json!(true));
        }
        let request = json!({"action": "write", "files": [info]}).to_string();
        let mut source = Recording {
            inner: source,
            error: None,
        };
        let filename = path.replace('\\', "\\\\").replace('"', "\\\"");
        let bad_mime = |e: ureq::Error| Error::Invalid(e.to_string());
        let form = Form::new()
            .part(
                "request",
                Part::text(&request)
                    .mime_str("application/json")
                    .map_err(bad_mime)?,
            )
            .part(
                "files",
                Part::reader(&mut source)
                    .file_name(&filename)
                    .mime_str("application/octet-stream")
                    .map_err(bad_mime)?,
            );
        let resp = self
            .agent()
            .post(transport::url("/v1/files", &[]))
            .header("Accept", "application/json")
            .send(form);
        // A failing local reader is a local I/O error, not Pebble's.
        if let Some(e) = source.error.take() {
            return Err(Error::Io(e));
        }
        let answer = Client::decode(resp.map_err(transport::map_error)?)?;
        raise_on_path_error(&answer.body, path)
    }

    /// Stream the file `path` of the workload into `out` (`GET /v1/files?action=read`, a
    /// multipart answer).
    pub fn pull_to(&self, path: &str, out: &mut dyn Write) -> Result<()> {
        let url = transport::url(
            "/v1/files",
            &[("action", "read".into()), ("path", path.into())],
        );
        let resp = self
            .agent()
            .get(url)
            .header("Accept", "multipart/form-data")
            .call()
            .map_err(transport::map_error)?;
        if !resp.status().is_success() {
            return Err(transport::api_error(resp));
        }
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if transport::media_type(&resp) != "multipart/form-data" {
            return Err(Error::Protocol(format!(
                "expected Content-Type multipart/form-data, got {ctype:?}"
            )));
        }
        let reader = resp.into_body().into_reader();
        let parts = multipart::read_pull(reader, &ctype, path, out)?;
        let response = parts
            .response
            .ok_or_else(|| Error::Protocol("no \"response\" field in multipart body".into()))?;
        raise_on_path_error(&response, path)?;
        match parts.files {
            0 => Err(Error::Protocol(
                "no file content in multipart response".into(),
            )),
            1 => Ok(()),
            _ => Err(Error::Protocol(
                "single file request resulted in a multi-file response".into(),
            )),
        }
    }

    /// The content of the file `path` of the workload.
    pub fn pull(&self, path: &str) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.pull_to(path, &mut out)?;
        Ok(out)
    }

    /// The content of the file `path` of the workload, as UTF-8 text.
    pub fn pull_text(&self, path: &str) -> Result<String> {
        String::from_utf8(self.pull(path)?).map_err(|e| {
            Error::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{path} is not UTF-8: {e}"),
            ))
        })
    }

    /// The entries of directory `path`, or `path` itself when it is a file or `itself` is set;
    /// only names matching the glob `pattern` (`GET /v1/files?action=list`).
    pub fn list_files(
        &self,
        path: &str,
        pattern: Option<&str>,
        itself: bool,
    ) -> Result<Vec<FileInfo>> {
        let mut query = vec![("action", "list".to_string()), ("path", path.to_string())];
        if let Some(p) = pattern {
            query.push(("pattern", p.to_string()));
        }
        if itself {
            query.push(("itself", "true".to_string()));
        }
        let list: Option<Vec<FileInfo>> =
            self.request("GET", "/v1/files", &query, None)?.result()?;
        Ok(list.unwrap_or_default())
    }

    /// Create a directory (`POST /v1/files`, `make-dirs`).
    pub fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<()> {
        let mut info = auth(
            path,
            options.permissions,
            options.user_id,
            &options.user,
            options.group_id,
            &options.group,
        );
        if options.make_parents {
            info.insert("make-parents".into(), json!(true));
        }
        let body = json!({"action": "make-dirs", "dirs": [info]});
        let answer = self.request("POST", "/v1/files", &[], Some(&body))?;
        raise_on_path_error(&answer.body, path)
    }

    /// Remove a file or an empty directory; with `recursive`, a directory and everything in it
    /// (`POST /v1/files`, `remove`).
    pub fn remove_path(&self, path: &str, recursive: bool) -> Result<()> {
        let mut info = Map::new();
        info.insert("path".into(), json!(path));
        if recursive {
            info.insert("recursive".into(), json!(true));
        }
        let body = json!({"action": "remove", "paths": [info]});
        let answer = self.request("POST", "/v1/files", &[], Some(&body))?;
        raise_on_path_error(&answer.body, path)
    }

    /// Whether `path` exists in the workload.
    pub fn exists(&self, path: &str) -> Result<bool> {
        match self.list_files(path, None, true) {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Whether `path` is a directory in the workload.
    pub fn isdir(&self, path: &str) -> Result<bool> {
        match self.list_files(path, None, true) {
            Ok(files) => Ok(files.first().is_some_and(FileInfo::is_dir)),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Push local files and directories, recursively, into the workload directory `dest_dir`
    /// (as ops' `Container.push_path`): `/src` lands in `dest_dir/src`, `/src/*` lands its
    /// contents in `dest_dir`. Modes and owner ids are kept; only files, directories and symlinks
    /// (pushed as files) are copied. Failures are collected per source path into
    /// [`MultiPushPullError`], after copying everything else.
    pub fn push_path<P: AsRef<Path>>(&self, sources: &[P], dest_dir: &str) -> Result<()> {
        let mut errors = Vec::new();
        for source in sources {
            let source = source.as_ref();
            if let Err(e) = self.push_one_path(source, dest_dir) {
                errors.push((source.display().to_string(), e));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(MultiPushPullError {
                message: "failed to push one or more files".into(),
                errors,
            }
            .into())
        }
    }

    fn push_one_path(&self, source: &Path, dest_dir: &str) -> Result<()> {
        let mut files = Vec::new();
        list_recursive(&mut local_list, source, &mut files)?;
        for info in files {
            let dest = build_destpath(&info.path, &source.to_string_lossy(), dest_dir)?;
            let file = std::fs::File::open(&info.path)?;
            self.push(
                &dest,
                file,
                &PushOptions {
                    make_dirs: true,
                    permissions: Some(info.permissions),
                    user_id: info.user_id,
                    user: None,
                    group_id: info.group_id,
                    group: None,
                },
            )?;
        }
        Ok(())
    }

    /// Pull workload files and directories, recursively, into the local directory `dest_dir`
    /// (as ops' `Container.pull_path`), with the same path rules and error collection as
    /// [`Client::push_path`].
    pub fn pull_path<S: AsRef<str>>(
        &self,
        sources: &[S],
        dest_dir: impl AsRef<Path>,
    ) -> Result<()> {
        let mut errors = Vec::new();
        for source in sources {
            let source = source.as_ref();
            if let Err(e) = self.pull_one_path(source, dest_dir.as_ref()) {
                errors.push((source.to_string(), e));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(MultiPushPullError {
                message: "failed to pull one or more files".into(),
                errors,
            }
            .into())
        }
    }

    fn pull_one_path(&self, source: &str, dest_dir: &Path) -> Result<()> {
        let mut files = Vec::new();
        let mut list = |p: &str| self.list_files(p, None, false);
        list_recursive(&mut list, Path::new(source), &mut files)?;
        for info in files {
            let dest = build_destpath(&info.path, source, &dest_dir.to_string_lossy())?;
            let dest = PathBuf::from(dest);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut out = std::fs::File::create(&dest)?;
            self.pull_to(&info.path, &mut out)?;
        }
        Ok(())
    }
}

/// A local file's info, as ops' `_build_fileinfo` (owner ids, no names).
fn local_info(path: &Path) -> Result<FileInfo> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path)?;
    let ft = meta.file_type();
    let file_type = if ft.is_dir() {
        FileType::Directory
    } else if ft.is_symlink() {
        FileType::Symlink
    } else if ft.is_file() {
        FileType::File
    } else {
        FileType::Unknown
    };
    Ok(FileInfo {
        path: path.to_string_lossy().into_owned(),
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        file_type,
        size: Some(meta.len()),
        permissions: meta.mode() & 0o7777,
        last_modified: String::new(),
        user_id: Some(meta.uid()),
        user: None,
        group_id: Some(meta.gid()),
        group: None,
    })
}

/// The entries of a local directory, or the path itself.
fn local_list(path: &str) -> Result<Vec<FileInfo>> {
    let p = Path::new(path);
    if p.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(p)?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()?;
        entries.sort();
        entries.iter().map(|e| local_info(e)).collect()
    } else {
        Ok(vec![local_info(p)?])
    }
}

/// ops' `_list_recursive`: every file (and symlink) under `path`; a trailing `/*` is ignored.
fn list_recursive(
    list: &mut dyn FnMut(&str) -> Result<Vec<FileInfo>>,
    path: &Path,
    out: &mut Vec<FileInfo>,
) -> Result<()> {
    let path = if path.file_name().is_some_and(|n| n == "*") {
        path.parent().unwrap_or(path)
    } else {
        path
    };
    for info in list(&path.to_string_lossy())? {
        match info.file_type {
            FileType::Directory => list_recursive(list, Path::new(&info.path), out)?,
            FileType::File | FileType::Symlink => out.push(info),
            _ => log::debug!(
                target: "ops_core",
                "skipped unsupported file in Container.[push/pull]_path: {}",
                info.path
            ),
        }
    }
    Ok(())
}

/// ops' `_build_destpath`: `/src/*` → `dest/*`, `/src` → `dest/src`.
fn build_destpath(file_path: &str, source_path: &str, dest_dir: &str) -> Result<String> {
    let prefix = Path::new(source_path)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = if prefix.is_empty() {
        ".".to_string()
    } else {
        prefix
    };
    let suffix = if prefix == "." {
        file_path.trim_start_matches("./").to_string()
    } else {
        let rel = Path::new(file_path).strip_prefix(&prefix).map_err(|_| {
            Error::Invalid(format!(
                "file \"{file_path}\" does not have specified prefix \"{prefix}\""
            ))
        })?;
        rel.to_string_lossy().into_owned()
    };
    Ok(Path::new(dest_dir)
        .join(suffix)
        .to_string_lossy()
        .into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destination_paths_follow_ops_rules() {
        let dest = |f: &str, s: &str| build_destpath(f, s, "/dst").ok();
        assert_eq!(
            dest("/src/a/b.txt", "/src").as_deref(),
            Some("/dst/src/a/b.txt")
        );
        assert_eq!(
            dest("/src/a/b.txt", "/src/*").as_deref(),
            Some("/dst/a/b.txt")
        );
        assert_eq!(dest("f.txt", "f.txt").as_deref(), Some("/dst/f.txt"));
        assert!(build_destpath("/other/x", "/src/y", "/dst").is_err());
    }

    #[test]
    fn path_errors_are_read_from_the_result_items() {
        let ok = json!({"result": [{"path": "/a"}]});
        assert!(raise_on_path_error(&ok, "/a").is_ok());
        let err = json!({"result": [{"path": "/a", "error": {"kind": "not-found", "message": "stat /a: no such file"}}]});
        match raise_on_path_error(&err, "/a") {
            Err(Error::Path(p)) => {
                assert_eq!(p.kind, "not-found");
                assert_eq!(p.to_string(), "not-found - stat /a: no such file");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            raise_on_path_error(&json!({"result": null}), "/a"),
            Err(Error::Protocol(_))
        ));
    }
}
