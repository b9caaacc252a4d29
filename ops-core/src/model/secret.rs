//! Juju secrets.

use super::{Model, ModelError, Relation, SecretInfo, SecretOptions, SecretOwner, Unit};
use crate::hooktools::HookToolError;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// A secret's content: keys to values.
///
/// # Examples
///
/// ```
/// use ops_core::prelude::*;
///
/// let content: SecretContent = [("user".to_string(), "alice".to_string())].into();
/// // In a handler: `ctx.app().add_secret(&content, &SecretOptions::default())?`.
/// assert_eq!(content["user"], "alice");
/// ```
pub type SecretContent = BTreeMap<String, String>;

/// A secret, by id and/or label. Content is fetched only when asked for.
///
/// # Examples
///
/// ```
/// # use ops_core::prelude::*;
/// # use ops_testing::{Event, State};
/// # #[derive(Default, StoredState)]
/// # struct Tiny;
/// #[charm(dir = "tests/fixtures/tiny")]
/// impl Tiny {
///     #[on(install)]
///     fn install(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
///         let content: SecretContent = [("password".to_string(), "s3cret".to_string())].into();
///         let options = SecretOptions { label: Some("admin".into()), ..Default::default() };
///         let secret = ctx.app().add_secret(&content, &options)?;
///         assert_eq!(secret.get_content(false)?["password"], "s3cret");
///         Ok(())
///     }
/// }
///
/// let state = State::default().with_leader(true);
/// let out = ops_testing::Context::<Tiny>::new().run(Event::install(), &state)?;
/// assert_eq!(out.secrets().len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Secret {
    model: Model,
    id: RefCell<Option<String>>,
    label: Option<String>,
    content: RefCell<Option<SecretContent>>,
}

impl std::fmt::Debug for Secret {
    // Never shows the content.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret")
            .field("id", &self.id.borrow())
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// `abc` → `secret:abc`, as ops canonicalises ids.
fn canonical(id: &str) -> String {
    let id = id.trim();
    if id.starts_with("secret:") {
        id.to_string()
    } else {
        format!("secret:{id}")
    }
}

pub(super) fn get_secret(
    model: &Model,
    id: Option<&str>,
    label: Option<&str>,
) -> Result<Secret, ModelError> {
    if id.is_none() && label.is_none() {
        return Err(ModelError::Invalid(
            "get_secret needs an id or a label".into(),
        ));
    }
    let id = id.map(canonical);
    match model
        .backend()
        .secret_get(id.as_deref(), label, false, false)
    {
        Ok(content) => Ok(Secret::new(
            model.clone(),
            id,
            label.map(str::to_string),
            Some(content),
        )),
        // As ops: a unit that cannot read the content (Juju refused: ops' `ModelError`) may still
        // be its owner. A missing tool or unreadable output is an error, as in ops.
        Err(HookToolError::Failed { .. } | HookToolError::SecretNotFound { .. }) => {
            let info = model.backend().secret_info_get(id.as_deref(), label)?;
            Ok(Secret::new(
                model.clone(),
                Some(info.id.clone()),
                info.label.clone(),
                None,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) fn add_secret(
    model: &Model,
    content: &SecretContent,
    options: &SecretOptions,
    owner: SecretOwner,
) -> Result<Secret, ModelError> {
    let id = model.backend().secret_add(content, options, Some(owner))?;
    Ok(Secret::new(
        model.clone(),
        Some(id),
        options.label.clone(),
        Some(content.clone()),
    ))
}

impl Secret {
    pub(crate) fn new(
        model: Model,
        id: Option<String>,
        label: Option<String>,
        content: Option<SecretContent>,
    ) -> Self {
        Secret {
            model,
            id: RefCell::new(id.map(|i| canonical(&i))),
            label,
            content: RefCell::new(content),
        }
    }

    /// The secret's id (`secret:...`), if known.
    pub fn id(&self) -> Option<String> {
        self.id.borrow().clone()
    }

    /// The secret's unique identifier: its id without the `secret:` prefix or the
    /// `secret://<model-uuid>/` locator (ops 3's `Secret.unique_identifier`), e.g.
    /// `cq8oq7vmp25c7ebh8ur0`. `None` while only the label is known (no hook-tool call is made to
    /// find it). Use [`Secret::id`] to share a secret over relation data and the label to name
    /// it locally; this is for telling secrets apart in a set of arbitrary size.
    pub fn unique_identifier(&self) -> Option<String> {
        let id = self.id.borrow();
        let id = id.as_deref()?;
        Some(match id.rsplit_once('/') {
            Some((_, tail)) => tail.to_string(),
            None => id.strip_prefix("secret:").unwrap_or(id).to_string(),
        })
    }

    /// The label it was looked up or created with.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The id, looked up by label (`secret-info-get`) when only the label is known.
    fn resolved_id(&self) -> Result<String, ModelError> {
        if let Some(id) = self.id() {
            return Ok(id);
        }
        let info = self.get_info()?;
        *self.id.borrow_mut() = Some(info.id.clone());
        Ok(info.id)
    }

    /// The content of the revision this unit tracks (`secret-get`), kept on this handle after the
    /// first read, as ops 3 does; `refresh` reads the latest revision and moves this consumer to
    /// it (`secret-get --refresh`), replacing what is kept.
    ///
    /// The content kept is that of the tracked revision, which [`Secret::set_content`] does not
    /// change within a hook: Juju shows a revision set in this hook only to `--peek` and
    /// `--refresh` (and a plain read by a hook that did not set it sees the committed revision),
    /// so a read after `set_content` returns what `secret-get` would, without a call.
    /// [`Secret::peek_content`] is never kept.
    pub fn get_content(&self, refresh: bool) -> Result<SecretContent, ModelError> {
        if !refresh {
            if let Some(c) = self.content.borrow().as_ref() {
                return Ok(c.clone());
            }
        }
        let id = self.id();
        let c = self.model.backend().secret_get(
            id.as_deref(),
            self.label.as_deref(),
            refresh,
            false,
        )?;
        *self.content.borrow_mut() = Some(c.clone());
        Ok(c)
    }

    /// The latest revision's content, without tracking it (`--peek`, not cached).
    pub fn peek_content(&self) -> Result<SecretContent, ModelError> {
        let id = self.id();
        Ok(self
            .model
            .backend()
            .secret_get(id.as_deref(), self.label.as_deref(), false, true)?)
    }

    /// The secret's metadata (owners only; `secret-info-get`).
    pub fn get_info(&self) -> Result<SecretInfo, ModelError> {
        let id = self.id();
        Ok(self.model.backend().secret_info_get(
            id.as_deref(),
            if id.is_none() {
                self.label.as_deref()
            } else {
                None
            },
        )?)
    }

    /// Set new content: a new revision (`secret-set`), which Juju creates when the hook succeeds
    /// (and, since Juju 3.6, only if the content differs from the latest revision).
    ///
    /// The content kept by [`Secret::get_content`] is left as it is, as in ops 3 (since 2.15,
    /// `#1248`): it is the tracked revision's, which this call does not change; the new content
    /// is read with [`Secret::peek_content`] or `get_content(true)`.
    pub fn set_content(&self, content: &SecretContent) -> Result<(), ModelError> {
        let id = self.resolved_id()?;
        self.model
            .backend()
            .secret_set(&id, Some(content), &SecretOptions::default())?;
        Ok(())
    }

    /// Change the label, description, expiry or rotation policy.
    pub fn set_info(&self, options: &SecretOptions) -> Result<(), ModelError> {
        if options == &SecretOptions::default() {
            return Err(ModelError::Invalid(
                "must provide a label, description, expiration, or rotation policy".into(),
            ));
        }
        let id = self.resolved_id()?;
        Ok(self.model.backend().secret_set(&id, None, options)?)
    }

    /// Let the remote side of `relation` (or only `unit`) read the secret.
    pub fn grant(&self, relation: &Relation, unit: Option<&Unit>) -> Result<(), ModelError> {
        let id = self.resolved_id()?;
        Ok(self
            .model
            .backend()
            .secret_grant(&id, relation.id(), unit.map(Unit::name))?)
    }

    /// Take a grant back.
    pub fn revoke(&self, relation: &Relation, unit: Option<&Unit>) -> Result<(), ModelError> {
        let id = self.resolved_id()?;
        Ok(self
            .model
            .backend()
            .secret_revoke(&id, relation.id(), unit.map(Unit::name))?)
    }

    /// Remove one revision (`secret-remove <id> --revision <n>`), usually the one a
    /// `secret_remove` or `secret_expired` event names (see
    /// [`SecretEvent::remove_revision`](crate::events::SecretEvent::remove_revision)).
    pub fn remove_revision(&self, revision: u64) -> Result<(), ModelError> {
        let id = self.resolved_id()?;
        Ok(self.model.backend().secret_remove(&id, Some(revision))?)
    }

    /// Remove the secret (every revision).
    pub fn remove_all_revisions(&self) -> Result<(), ModelError> {
        let id = self.resolved_id()?;
        Ok(self.model.backend().secret_remove(&id, None)?)
    }
}
