//! Opt-in: the client against a real Pebble, started from the binary named by
//! `OPS_REAL_PEBBLE` (e.g. one built from Pebble's public source: `go build ./cmd/pebble`), with
//! `PEBBLE` in a temporary directory. Without the variable the test only prints a notice. The
//! expectations are those `pebble_v1_32.rs` checks on the fake (Pebble v1.32.1's answers), plus
//! the exec back-pressure the fake models (10 MiB of output through `run()` and `output()`).

#![allow(clippy::unwrap_used)] // a test fails on the first unexpected error

use ops_core::pebble::{ChangeState, WarningState};
use ops_core::pebble::{Client, Error, NoticeType, NotifyOptions, PushOptions, ServiceStatus};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

struct RealPebble {
    child: Child,
    client: Client,
    dir: tempfile::TempDir,
}

impl Drop for RealPebble {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Option<RealPebble> {
    let Some(binary) = std::env::var_os("OPS_REAL_PEBBLE") else {
        eprintln!(
            "NOTICE: OPS_REAL_PEBBLE is not set: the checks against a real Pebble are skipped"
        );
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(binary)
        .args(["run", "--create-dirs"])
        .env("PEBBLE", dir.path().join("pebble"))
        .spawn()
        .unwrap();
    let client = Client::new(dir.path().join("pebble/.pebble.socket"));
    let started = Instant::now();
    while client.get_system_info().is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "Pebble did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(RealPebble { child, client, dir })
}

fn api(err: &Error) -> (u16, String) {
    let e = err
        .as_api()
        .unwrap_or_else(|| panic!("not an API error: {err:?}"));
    (e.code, e.message.clone())
}

#[test]
fn the_client_against_a_real_pebble() {
    let Some(pebble) = start() else { return };
    let c = &pebble.client;
    let base = pebble.dir.path().join("files");
    std::fs::create_dir_all(&base).unwrap();
    let base = base.to_str().unwrap().to_string();

    // exec: back-pressure drained, a missing executable, timeouts, working directories.
    c.exec(["head", "-c", "10485760", "/dev/zero"])
        .run()
        .unwrap();
    let out = c
        .exec(["head", "-c", "10485760", "/dev/zero"])
        .output()
        .unwrap();
    assert_eq!(out.stdout.len(), 10 << 20);
    let err = c.exec(["no-such-binary-x"]).run().unwrap_err();
    assert_eq!(
        api(&err),
        (400, "cannot find executable \"no-such-binary-x\"".into())
    );
    let err = c
        .exec(["sleep", "5"])
        .timeout(Duration::from_millis(200))
        .run()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("(timed out after 200ms: context deadline exceeded)"),
        "{err}"
    );
    let err = c
        .exec(["true"])
        .working_dir("/no/such/dir")
        .run()
        .unwrap_err();
    assert_eq!(
        api(&err),
        (
            500,
            "cannot call exec: working directory \"/no/such/dir\" does not exist".into()
        )
    );

    // warnings are gone; changes.
    assert_eq!(
        c.get_warnings(WarningState::All).unwrap_err().api_code(),
        Some(404)
    );
    assert!(c.get_changes(ChangeState::All, None).is_ok());

    // services, checks, signals, notices.
    let layer = "services:
    svc:
        override: replace
        command: sleep 1000
    bad:
        override: replace
        command: 'false'
checks:
    up:
        override: replace
        exec:
            command: 'true'
";
    c.add_layer_yaml("base", layer, false).unwrap();
    c.start_services(&["svc"]).unwrap();
    let err = c.send_signal("SIGFOO", &["svc"]).unwrap_err();
    assert_eq!(
        api(&err),
        (
            500,
            "cannot send signal to \"svc\": invalid signal name \"SIGFOO\"".into()
        )
    );
    let err = c.start_services(&["bad"]).unwrap_err();
    assert!(
        err.to_string()
            .contains("(service start attempt: exited quickly with code 1, will restart)"),
        "{err}"
    );
    assert_eq!(
        c.get_services(&["bad"]).unwrap()[0].current,
        ServiceStatus::Backoff
    );
    let err = c.start_checks(&["nope"]).unwrap_err();
    assert_eq!(
        api(&err),
        (
            400,
            "cannot start checks: cannot find checks in plan: nope".into()
        )
    );
    let err = c.stop_checks::<&str>(&[]).unwrap_err();
    assert_eq!(
        api(&err),
        (400, "must specify checks for stop action".into())
    );
    let err = c
        .notify(
            NoticeType::ChangeUpdate,
            "example.com/x",
            &NotifyOptions::default(),
        )
        .unwrap_err();
    assert_eq!(
        api(&err),
        (
            400,
            "invalid type \"change-update\" (can only add \"custom\" notices)".into()
        )
    );
    let err = c
        .add_layer_yaml(
            "l",
            "services:\n    x:\n        override: replace\n        command: x\n        backoff-delay: 5\n",
            false,
        )
        .unwrap_err();
    assert_eq!(api(&err).0, 400);

    // files.
    let f = format!("{base}/f");
    c.push(&f, &b"x"[..], &PushOptions::default()).unwrap();
    let err = c.pull(&format!("{f}/x")).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("generic-file-error - stat {f}/x: not a directory")
    );
    c.remove_path(&format!("{base}/missing"), true).unwrap();
    let err = c
        .push(
            &f,
            &b"x"[..],
            &PushOptions {
                permissions: Some(0o1755),
                ..PushOptions::default()
            },
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "generic-file-error - permissions must be a 3-digit octal string, got \"1755\""
    );
    let err = c.pull(&base).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("generic-file-error - can only read a regular file: \"{base}\"")
    );
    let err = c.pull("x").unwrap_err();
    assert_eq!(
        err.to_string(),
        "generic-file-error - paths must be absolute, got \"x\""
    );
    let err = c.list_files(&base, Some("[x"), false).unwrap_err();
    assert_eq!(api(&err), (400, "syntax error in pattern".into()));
    let odd = format!("{base}/a\\b");
    c.push(&odd, &b"odd"[..], &PushOptions::default()).unwrap();
    assert_eq!(c.pull(&odd).unwrap(), b"odd");
}
