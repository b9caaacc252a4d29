//! Secrets as ops 3, in both test styles (Harness and Context/State): user secrets, the
//! owner's `remove_revision()` on secret-remove/-expired, `unique_identifier`, the first-class
//! "secret not found" error, and what a read returns after `set_content` in the same hook.

use ops_core::model::{ModelError, SecretContent, SecretOptions};
use ops_core::prelude::*;
use ops_testing::{Context as TestContext, Event, Harness, Secret, State};
use serde::{Deserialize, Serialize};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Records what its handlers saw.
#[derive(Debug, Default, Serialize, Deserialize, StoredState)]
#[serde(default)]
struct Secrets {
    seen: Vec<String>,
}

fn content(key: &str, value: &str) -> SecretContent {
    SecretContent::from([(key.to_string(), value.to_string())])
}

fn value(c: &SecretContent, key: &str) -> String {
    c.get(key).cloned().unwrap_or_default()
}

#[charm(dir = "tests/fixtures/secretcharm", module = secretcharm)]
impl Secrets {
    /// Reads the user secret the `creds` option names (ops 3's way: `get_secret(id, label)`).
    #[on(config_changed)]
    fn read_creds(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        let Some(id) = ctx.config()?.creds.clone() else {
            return Ok(());
        };
        match ctx.model().get_secret(Some(&id), Some("creds")) {
            Ok(s) => {
                let c = s.get_content(false)?;
                self.seen.push(format!(
                    "creds {} {}",
                    s.unique_identifier().unwrap_or_default(),
                    value(&c, "password")
                ));
            }
            Err(ModelError::SecretNotFound { id_or_label }) => {
                self.seen.push(format!("creds not found: {id_or_label}"));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// A consumer told of a new revision: the tracked content, then the latest (refresh).
    #[on(secret_changed)]
    fn changed(&mut self, _ctx: &mut Context<Self>, event: &SecretEvent) -> ops_core::Result<()> {
        let tracked = event.secret.get_content(false)?;
        let latest = event.secret.get_content(true)?;
        self.seen.push(format!(
            "changed {} -> {}",
            value(&tracked, "password"),
            value(&latest, "password")
        ));
        Ok(())
    }

    /// The unit's own secret.
    #[on(install)]
    fn add_own(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        let options = SecretOptions {
            label: Some("own".into()),
            ..SecretOptions::default()
        };
        ctx.unit().add_secret(&content("val", "v1"), &options)?;
        Ok(())
    }

    /// A new revision, then what a read and a peek return in the same hook.
    #[on(start)]
    fn set_own(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        let s = ctx.model().get_secret(None, Some("own"))?;
        s.set_content(&content("val", "v2"))?;
        let kept = s.get_content(false)?;
        let peeked = s.peek_content()?;
        self.seen.push(format!(
            "start kept {} peeked {}",
            value(&kept, "val"),
            value(&peeked, "val")
        ));
        Ok(())
    }

    /// The owner removes the revision Juju names (ops 3's `event.remove_revision()`).
    #[on(secret_remove, secret_expired)]
    fn remove(&mut self, _ctx: &mut Context<Self>, event: &SecretEvent) -> ops_core::Result<()> {
        event.remove_revision()?;
        self.seen.push(format!(
            "{} removed {}",
            event.name(),
            event.revision.unwrap_or_default()
        ));
        Ok(())
    }

    /// secret-rotate names no revision: `remove_revision()` is refused without a call.
    #[on(secret_rotate)]
    fn rotate(&mut self, _ctx: &mut Context<Self>, event: &SecretEvent) -> ops_core::Result<()> {
        match event.remove_revision() {
            Err(ModelError::Invalid(m)) => self.seen.push(format!("rotate refused: {m}")),
            other => self.seen.push(format!("rotate: {other:?}")),
        }
        Ok(())
    }
}

fn creds(id: &str) -> impl FnOnce(&mut secretcharm::Config) + '_ {
    move |c: &mut secretcharm::Config| c.creds = Some(id.to_string())
}

fn seen(state: &State) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    Ok(state.stored_state::<Secrets>()?.seen)
}

fn bare(id: &str) -> &str {
    id.strip_prefix("secret:").unwrap_or(id)
}

// ---- user secrets ------------------------------------------------------------------------------

#[test]
fn harness_user_secret_granted_to_the_app_is_read_and_tracked() -> TestResult {
    let mut h = Harness::<Secrets>::new();
    let id = h.add_user_secret([("password", "p1")])?;
    h.grant_secret(&id, "secretcharm")?;
    h.begin()?;
    h.update_config([("creds", id.as_str())])?;
    assert_eq!(h.charm()?.seen, vec![format!("creds {} p1", bare(&id))]);
    // `juju update-secret`: the charm tracks revision 1, so it is told, and refresh moves it.
    h.set_secret_content(&id, [("password", "p2")])?;
    assert_eq!(
        h.charm()?.seen.last().map(String::as_str),
        Some("changed p1 -> p2")
    );
    // Tracking the latest now: another update is told again, a no-change one is not.
    h.set_secret_content(&id, [("password", "p3")])?;
    assert_eq!(
        h.charm()?.seen.last().map(String::as_str),
        Some("changed p2 -> p3")
    );
    assert_eq!(h.get_secret_revisions(&id)?, vec![1, 2, 3]);
    Ok(())
}

#[test]
fn harness_user_secret_not_granted_or_revoked_is_not_readable() -> TestResult {
    let mut h = Harness::<Secrets>::new();
    let id = h.add_user_secret([("password", "p1")])?;
    h.begin()?;
    h.update_config([("creds", id.as_str())])?;
    assert_eq!(h.charm()?.seen, vec![format!("creds not found: {id}")]);

    h.grant_secret(&id, "secretcharm")?;
    h.update_config([("creds", id.as_str())])?;
    assert_eq!(
        h.charm()?.seen.last(),
        Some(&format!("creds {} p1", bare(&id)))
    );
    h.revoke_secret(&id, "secretcharm")?;
    h.update_config([("creds", id.as_str())])?;
    assert_eq!(
        h.charm()?.seen.last(),
        Some(&format!("creds not found: {id}"))
    );
    // A user secret has no relation: it cannot be changed by the charm's owner events.
    assert!(h.trigger_secret_removal(&id, 1).is_err());
    Ok(())
}

#[test]
fn context_user_secret_is_read_and_a_new_revision_is_told() -> TestResult {
    let ctx = TestContext::<Secrets>::new();
    let secret = Secret::user_secret([("password", "p1")]);
    let id = secret.id().to_string();
    let state = State::default()
        .with_secret(secret.clone())
        .with_config(creds(&id));
    let out = ctx.run(Event::config_changed(), &state)?;
    assert_eq!(seen(&out)?, vec![format!("creds {} p1", bare(&id))]);
    let kept = out.secret(&id).ok_or("secret kept")?;
    assert!(!kept.is_owned());
    assert_eq!(kept.owner(), &ops_testing::Owner::User);

    let secret = secret.with_latest_content([("password", "p2")]);
    let out = ctx.run(
        Event::secret_changed(&secret),
        State::default().with_secret(secret.clone()),
    )?;
    assert_eq!(seen(&out)?, vec!["changed p1 -> p2".to_string()]);
    assert_eq!(out.secret(&id).and_then(|s| s.tracked_revision()), Some(2));
    Ok(())
}

#[test]
fn context_unknown_secret_is_secret_not_found() -> TestResult {
    let ctx = TestContext::<Secrets>::new();
    let id = "secret:cq8oq7vmp25c7ebh8ur0";
    let out = ctx.run(
        Event::config_changed(),
        State::default().with_config(creds(id)),
    )?;
    assert_eq!(seen(&out)?, vec![format!("creds not found: {id}")]);
    Ok(())
}

#[test]
fn consistency_refuses_impossible_user_secrets() {
    let ctx = TestContext::<Secrets>::new();
    let user = Secret::user_secret([("password", "p1")]);
    // Juju sends secret-remove/-expired/-rotate to the owner: the user, not the charm.
    for event in [
        Event::secret_remove(&user, 1),
        Event::secret_expired(&user, 1),
        Event::secret_rotate(&user),
    ] {
        let err = ctx
            .run(event, State::default().with_secret(user.clone()))
            .expect_err("not the charm's secret");
        assert!(err.to_string().contains("owner"), "{err}");
    }
    // The charm cannot have granted a secret it does not own.
    let db = ops_testing::Relation::of::<secretcharm::relations::Db>();
    let granted = user.clone().with_remote_grant(&db, "postgresql");
    let err = ctx
        .run(
            Event::update_status(),
            State::default().with_relation(db).with_secret(granted),
        )
        .expect_err("granted by the charm");
    assert!(err.to_string().contains("owned by the user"), "{err}");
}

// ---- the owner: set_content, remove_revision ---------------------------------------------------

#[test]
fn harness_set_content_then_read_and_peek_in_the_same_hook() -> TestResult {
    let mut h = Harness::<Secrets>::new();
    h.begin()?;
    h.emit_hook("install")?;
    let id = h.owned_secrets().pop().ok_or("the unit's secret")?;
    h.emit_hook("start")?;
    // As Juju: the revision set in this hook is seen by --peek only; the read is the tracked one.
    assert_eq!(h.charm()?.seen, vec!["start kept v1 peeked v2".to_string()]);
    assert_eq!(h.get_secret_revisions(&id)?, vec![1, 2]);
    assert_eq!(h.get_secret_content(&id)?, content("val", "v2"));
    Ok(())
}

#[test]
fn harness_remove_revision_on_secret_remove_and_expired() -> TestResult {
    let mut h = Harness::<Secrets>::new();
    h.begin()?;
    h.emit_hook("install")?;
    h.emit_hook("start")?;
    let id = h.owned_secrets().pop().ok_or("the unit's secret")?;
    h.trigger_secret_removal(&id, 1)?;
    assert_eq!(h.get_secret_revisions(&id)?, vec![2]);
    let removes: Vec<Vec<String>> = h
        .tool_calls()
        .into_iter()
        .filter(|c| c.argv[0] == "secret-remove")
        .map(|c| c.argv)
        .collect();
    assert_eq!(
        removes,
        vec![vec![
            "secret-remove".to_string(),
            id.clone(),
            "--revision".to_string(),
            "1".to_string()
        ]]
    );
    h.trigger_secret_rotation(&id)?;
    let last = h.charm()?.seen.last().cloned().unwrap_or_default();
    assert!(
        last.starts_with("rotate refused: only secret_remove"),
        "{last}"
    );
    // The last revision expires and is removed: the secret is gone.
    h.trigger_secret_expiration(&id, 2)?;
    assert!(h.owned_secrets().is_empty());
    Ok(())
}

#[test]
fn context_set_content_then_read_and_peek_in_the_same_hook() -> TestResult {
    let ctx = TestContext::<Secrets>::new();
    let own = Secret::owned_by_unit([("val", "v1")]).with_label("own");
    let id = own.id().to_string();
    let out = ctx.run(Event::start(), State::default().with_secret(own))?;
    assert_eq!(seen(&out)?, vec!["start kept v1 peeked v2".to_string()]);
    let s = out.secret(&id).ok_or("kept")?;
    assert_eq!(s.revisions(), vec![1, 2]);
    assert_eq!(
        s.latest().map(|c| c.get("val").cloned()),
        Some(Some("v2".to_string()))
    );
    // secret-get --label, secret-info-get (the id, to set: as ops 3), secret-set,
    // secret-get --peek: the kept content costs no call.
    let tools: Vec<String> = ctx
        .tool_calls()
        .into_iter()
        .map(|c| c.argv[0].clone())
        .filter(|t| t.starts_with("secret-"))
        .collect();
    assert_eq!(
        tools,
        vec!["secret-get", "secret-info-get", "secret-set", "secret-get"]
    );
    Ok(())
}

#[test]
fn context_remove_revision_on_secret_remove_and_expired() -> TestResult {
    let ctx = TestContext::<Secrets>::new();
    let own = Secret::owned_by_unit([("val", "v1")])
        .with_label("own")
        .with_latest_content([("val", "v2")])
        .with_latest_content([("val", "v3")]);
    let id = own.id().to_string();
    let state = State::default().with_secret(own.clone());
    let out = ctx.run(Event::secret_remove(&own, 1), &state)?;
    assert_eq!(out.secret(&id).map(|s| s.revisions()), Some(vec![2, 3]));
    assert_eq!(seen(&out)?, vec!["secret_remove removed 1".to_string()]);
    let argv: Vec<Vec<String>> = ctx
        .tool_calls()
        .into_iter()
        .filter(|c| c.argv[0] == "secret-remove")
        .map(|c| c.argv)
        .collect();
    assert_eq!(
        argv,
        vec![vec![
            "secret-remove".to_string(),
            id.clone(),
            "--revision".to_string(),
            "1".to_string()
        ]]
    );
    let out = ctx.run(Event::secret_expired(&own, 2), &state)?;
    assert_eq!(out.secret(&id).map(|s| s.revisions()), Some(vec![1, 3]));

    let out = ctx.run(Event::secret_rotate(&own), &state)?;
    let seen = seen(&out)?;
    assert!(
        seen[0].starts_with("rotate refused: only secret_remove"),
        "{seen:?}"
    );
    assert!(ctx
        .tool_calls()
        .iter()
        .all(|c| c.argv[0] != "secret-remove"));
    Ok(())
}
