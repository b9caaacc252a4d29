//! `SecretEvent::remove_revision` through the real dispatcher and the scripted fake runner:
//! `secret-remove <id> --revision <JUJU_SECRET_REVISION>` on secret-remove and secret-expired
//! (ops 3's `event.remove_revision()`), refused with no call on the events naming no revision.

#![allow(clippy::unwrap_used)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use ops_core::dispatch::{HookSetup, StoreSource, STATE_FILE};
use ops_core::env::JujuContext;
use ops_core::hooktools::FakeRunner;
use ops_core::model::ModelError;
use ops_core::prelude::*;

thread_local! {
    static OUTCOME: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

#[derive(Default, StoredState)]
struct Owner;

#[charm(dir = "tests/fixtures/tiny", module = owner_tiny)]
impl Owner {
    #[on(secret_remove, secret_expired, secret_changed, secret_rotate)]
    fn remove(&mut self, _ctx: &mut Context<Self>, event: &SecretEvent) -> ops_core::Result<()> {
        let outcome = match event.remove_revision() {
            Ok(()) => "removed".to_string(),
            Err(ModelError::Invalid(m)) => format!("invalid: {m}"),
            Err(e) => format!("error: {e}"),
        };
        OUTCOME.with(|o| o.borrow_mut().push(outcome));
        Ok(())
    }
}

fn run(dir: &Path, hook: &str, revision: Option<&str>) -> (Vec<String>, Rc<FakeRunner>) {
    let fake = Rc::new(FakeRunner::new());
    for tool in ["juju-log", "secret-remove"] {
        fake.on_ok(tool, "");
    }
    let mut env: HashMap<String, String> = [
        ("JUJU_UNIT_NAME", "tiny/0"),
        ("JUJU_VERSION", "3.6.0"),
        ("JUJU_DISPATCH_PATH", hook),
        ("JUJU_SECRET_ID", "secret:cq8oq7vmp25c7ebh8ur0"),
        ("JUJU_SECRET_LABEL", "tls"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if let Some(r) = revision {
        env.insert("JUJU_SECRET_REVISION".into(), r.into());
    }
    let setup = HookSetup {
        env: JujuContext::from_map(&env).expect("valid environment"),
        runner: fake.clone(),
        charm_dir: dir.to_path_buf(),
        argv0: dir.join("dispatch"),
        store: Some(StoreSource::Local(dir.join(STATE_FILE))),
        is_process: false,
    };
    ops_core::run::<Owner>(setup).expect("hook");
    (OUTCOME.with(|o| o.take()), fake)
}

fn removes(fake: &FakeRunner) -> Vec<Vec<String>> {
    fake.calls()
        .into_iter()
        .filter(|c| c.tool == "secret-remove")
        .map(|c| {
            std::iter::once(c.tool.clone())
                .chain(c.args.clone())
                .collect()
        })
        .collect()
}

#[test]
fn remove_revision_removes_the_revision_juju_names() {
    for hook in ["hooks/secret-remove", "hooks/secret-expired"] {
        let dir = tempfile::tempdir().unwrap();
        let (outcome, fake) = run(dir.path(), hook, Some("3"));
        assert_eq!(outcome, ["removed"], "{hook}");
        assert_eq!(
            removes(&fake),
            [[
                "secret-remove",
                "secret:cq8oq7vmp25c7ebh8ur0",
                "--revision",
                "3"
            ]],
            "{hook}"
        );
    }
}

#[test]
fn remove_revision_is_refused_without_a_revision() {
    for (hook, revision, why) in [
        (
            "hooks/secret-changed",
            Some("3"),
            "only secret_remove and secret_expired",
        ),
        (
            "hooks/secret-rotate",
            None,
            "only secret_remove and secret_expired",
        ),
        ("hooks/secret-remove", None, "carries no revision"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (outcome, fake) = run(dir.path(), hook, revision);
        assert_eq!(outcome.len(), 1, "{hook}");
        assert!(
            outcome[0].starts_with("invalid: ") && outcome[0].contains(why),
            "{hook}: {outcome:?}"
        );
        assert!(removes(&fake).is_empty(), "{hook}");
    }
}
