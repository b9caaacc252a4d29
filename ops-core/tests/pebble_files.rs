//! Files through the Pebble client: multipart push and pull, list, directories, removal and the
//! recursive push_path / pull_path, against the fake Pebble.

#![allow(clippy::unwrap_used)] // a test fails on the first unexpected error

use ops_core::pebble::{Error, FileType, MakeDirOptions, PushOptions};
use ops_testing::pebble::FakePebble;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;

#[test]
fn push_is_a_streamed_multipart_write() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    let options = PushOptions {
        make_dirs: true,
        permissions: Some(0o600),
        user_id: Some(0),
        user: Some("root".into()),
        group_id: Some(0),
        group: Some("root".into()),
    };
    client
        .push("/etc/web/config.json", &b"{\"port\": 80}\n"[..], &options)
        .unwrap();
    let host = fake.host_path("/etc/web/config.json");
    assert_eq!(std::fs::read(&host).unwrap(), b"{\"port\": 80}\n");
    assert_eq!(
        std::fs::metadata(&host).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let req = fake.last_request("/v1/files").unwrap();
    assert_eq!(req.method, "POST");
    assert!(req
        .header("content-type")
        .unwrap()
        .starts_with("multipart/form-data; boundary="));
    assert_eq!(req.header("accept"), Some("application/json"));
    let body = String::from_utf8_lossy(&req.body).into_owned();
    let request_part = body
        .split("\r\n\r\n")
        .nth(1)
        .and_then(|p| p.split("\r\n--").next())
        .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(request_part).unwrap(),
        json!({"action": "write", "files": [{"path": "/etc/web/config.json", "make-dirs": true,
               "permissions": "600", "user-id": 0, "user": "root", "group-id": 0, "group": "root"}]})
    );
    assert!(body.contains("name=\"request\""));
    assert!(body.contains("name=\"files\"; filename=\"/etc/web/config.json\""));
    assert!(body.contains("Content-Type: application/octet-stream"));
}

#[test]
fn a_large_push_and_pull_round_trip() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    client
        .push(
            "/data/blob",
            std::io::Cursor::new(data.clone()),
            &PushOptions {
                make_dirs: true,
                ..PushOptions::default()
            },
        )
        .unwrap();
    assert_eq!(client.pull("/data/blob").unwrap(), data);
    let mut out = Vec::new();
    client.pull_to("/data/blob", &mut out).unwrap();
    assert_eq!(out.len(), data.len());
    let req = fake.last_request("/v1/files").unwrap();
    assert_eq!(req.method, "GET");
    assert_eq!(req.header("accept"), Some("multipart/form-data"));
    assert_eq!(req.query_values("action"), ["read"]);
    assert_eq!(req.query_values("path"), ["/data/blob"]);
}

#[test]
fn push_and_pull_report_path_errors() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    let err = client
        .push("/no/such/dir/file", &b"x"[..], &PushOptions::default())
        .unwrap_err();
    match &err {
        Error::Path(p) => {
            // Pebble writes a temporary file beside the target (`os.CreateTemp`), then renames.
            assert_eq!(p.kind, "not-found");
            let tmp = p.message.strip_prefix("open /no/such/dir/file.").unwrap();
            let digits = tmp.strip_suffix("~: no such file or directory").unwrap();
            assert!(digits.chars().all(|c| c.is_ascii_digit()), "{}", p.message);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.is_not_found());
    let err = client.pull("/missing").unwrap_err();
    assert_eq!(
        err.to_string(),
        "not-found - stat /missing: no such file or directory"
    );
    fake.push_file("/dir/x", b"x").unwrap();
    let err = client.pull("/dir").unwrap_err();
    assert!(matches!(&err, Error::Path(p) if p.kind == "generic-file-error"));
    assert_eq!(
        err.to_string(),
        "generic-file-error - can only read a regular file: \"/dir\""
    );
    assert_eq!(client.pull_text("/dir/x").unwrap(), "x");
    fake.push_file("/bin.dat", &[0xff, 0xfe]).unwrap();
    assert!(matches!(client.pull_text("/bin.dat"), Err(Error::Io(_))));
}

#[test]
fn files_are_listed_with_pattern_and_itself() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    fake.push_file("/etc/a.conf", b"aaa").unwrap();
    fake.push_file("/etc/b.txt", b"b").unwrap();
    fake.push_file("/etc/sub/c.conf", b"c").unwrap();
    let all = client.list_files("/etc", None, false).unwrap();
    let names: Vec<&str> = all.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a.conf", "b.txt", "sub"]);
    assert_eq!(all[0].path, "/etc/a.conf");
    assert_eq!(all[0].file_type, FileType::File);
    assert_eq!(all[0].size, Some(3));
    assert_eq!(all[0].user_id, Some(0));
    assert_eq!(all[2].file_type, FileType::Directory);
    assert!(all[2].is_dir());

    let conf = client.list_files("/etc", Some("*.conf"), false).unwrap();
    assert_eq!(conf.len(), 1);
    let req = fake.last_request("/v1/files").unwrap();
    assert_eq!(req.query_values("pattern"), ["*.conf"]);
    assert!(req.query_values("itself").is_empty());

    let itself = client.list_files("/etc", None, true).unwrap();
    assert_eq!(itself.len(), 1);
    assert_eq!(itself[0].name, "etc");
    assert_eq!(
        fake.last_request("/v1/files")
            .unwrap()
            .query_values("itself"),
        ["true"]
    );
    let err = client.list_files("/nope", None, false).unwrap_err();
    assert_eq!(err.api_code(), Some(404));
    assert_eq!(err.as_api().unwrap().kind.as_deref(), Some("not-found"));

    assert!(client.exists("/etc/a.conf").unwrap());
    assert!(!client.exists("/etc/zzz").unwrap());
    assert!(client.isdir("/etc/sub").unwrap());
    assert!(!client.isdir("/etc/a.conf").unwrap());
    assert!(!client.isdir("/zzz").unwrap());
}

#[test]
fn directories_are_made_and_paths_removed() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    client
        .make_dir(
            "/var/lib/web",
            &MakeDirOptions {
                make_parents: true,
                permissions: Some(0o700),
                ..MakeDirOptions::default()
            },
        )
        .unwrap();
    assert_eq!(
        fake.last_request("/v1/files").unwrap().json(),
        json!({"action": "make-dirs", "dirs": [{"path": "/var/lib/web", "make-parents": true, "permissions": "700"}]})
    );
    let host = fake.host_path("/var/lib/web");
    assert!(host.is_dir());
    assert_eq!(
        std::fs::metadata(&host).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let err = client
        .make_dir("/var/lib/web", &MakeDirOptions::default())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "generic-file-error - mkdir /var/lib/web: file exists"
    );
    let err = client
        .make_dir("/a/b/c", &MakeDirOptions::default())
        .unwrap_err();
    assert!(err.is_not_found());

    fake.push_file("/var/lib/web/f", b"f").unwrap();
    let err = client.remove_path("/var/lib/web", false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "generic-file-error - remove /var/lib/web: directory not empty"
    );
    client.remove_path("/var/lib/web", true).unwrap();
    assert_eq!(
        fake.last_request("/v1/files").unwrap().json(),
        json!({"action": "remove", "paths": [{"path": "/var/lib/web", "recursive": true}]})
    );
    assert!(!host.exists());
    assert!(client
        .remove_path("/var/lib/web", false)
        .unwrap_err()
        .is_not_found());
}

#[test]
fn push_path_copies_trees_with_ops_path_rules() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("a.txt"), b"a").unwrap();
    std::fs::write(src.join("sub/b.txt"), b"b").unwrap();
    std::fs::set_permissions(src.join("a.txt"), std::fs::Permissions::from_mode(0o640)).unwrap();

    client.push_path(&[&src], "/dst").unwrap();
    assert_eq!(
        std::fs::read(fake.host_path("/dst/src/a.txt")).unwrap(),
        b"a"
    );
    assert_eq!(
        std::fs::read(fake.host_path("/dst/src/sub/b.txt")).unwrap(),
        b"b"
    );
    assert_eq!(
        std::fs::metadata(fake.host_path("/dst/src/a.txt"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o640
    );

    // `/src/*` copies the contents.
    client.push_path(&[src.join("*")], "/flat").unwrap();
    assert_eq!(std::fs::read(fake.host_path("/flat/a.txt")).unwrap(), b"a");
    assert_eq!(
        std::fs::read(fake.host_path("/flat/sub/b.txt")).unwrap(),
        b"b"
    );

    // Errors are collected per source; the others are still copied.
    let missing = local.path().join("missing");
    let err = client
        .push_path(&[missing.clone(), src.join("a.txt")], "/more")
        .unwrap_err();
    match err {
        Error::MultiPushPull(e) => {
            assert_eq!(e.message, "failed to push one or more files");
            assert_eq!(e.errors.len(), 1);
            assert_eq!(e.errors[0].0, missing.display().to_string());
            assert!(matches!(e.errors[0].1, Error::Io(_)));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(std::fs::read(fake.host_path("/more/a.txt")).unwrap(), b"a");
}

#[test]
fn pull_path_copies_trees_back() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    fake.push_file("/srv/app/x.txt", b"x").unwrap();
    fake.push_file("/srv/app/deep/y.txt", b"y").unwrap();
    let local = tempfile::tempdir().unwrap();

    client.pull_path(&["/srv/app"], local.path()).unwrap();
    assert_eq!(std::fs::read(local.path().join("app/x.txt")).unwrap(), b"x");
    assert_eq!(
        std::fs::read(local.path().join("app/deep/y.txt")).unwrap(),
        b"y"
    );

    let flat = local.path().join("flat");
    client.pull_path(&["/srv/app/*"], &flat).unwrap();
    assert_eq!(std::fs::read(flat.join("x.txt")).unwrap(), b"x");
    assert_eq!(std::fs::read(flat.join("deep/y.txt")).unwrap(), b"y");

    let err = client
        .pull_path(&["/srv/none", "/srv/app/x.txt"], local.path().join("m"))
        .unwrap_err();
    match err {
        Error::MultiPushPull(e) => {
            assert_eq!(e.message, "failed to pull one or more files");
            assert_eq!(e.errors.len(), 1);
            assert_eq!(e.errors[0].0, "/srv/none");
            assert!(e.errors[0].1.is_not_found());
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(std::fs::read(local.path().join("m/x.txt")).unwrap(), b"x");
}
