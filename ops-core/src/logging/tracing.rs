//! Forwarding `tracing` events to Juju, as `log` records are (feature `tracing`, off by default).
//!
//! [`JujuSubscriber`] is a minimal [`Subscriber`] over `tracing-core` alone (no
//! `tracing-subscriber`): each event takes the path of a `log` record (the same targets filter,
//! [`capture`](super::capture), `juju-log` with ops' level names, the same failure policy), with
//! the names and fields of the spans it is in as a prefix, as `tracing-subscriber`'s `fmt`
//! renders them:
//!
//! ```text
//! tracing::info!(port = 8080, "listening") inside span!(INFO, "start", unit = "web/0")
//!   → juju-log --log-level INFO -- start{unit="web/0"}: listening port=8080
//! ```
//!
//! The dispatcher installs it as the process's global default ([`install`]) when the feature is
//! on, unless the charm (or its test) already installed one. Spans cost one small map entry while
//! they live; nothing else is kept.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use log::Level;
use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Interest, Metadata, Subscriber};

/// The `log` level a `tracing` level is sent as (and so its ops level name through
/// [`level_name`](super::level_name): `ERROR`, `WARNING`, `INFO`, `DEBUG`, `TRACE` → `DEBUG`).
pub fn log_level(level: &tracing_core::Level) -> Level {
    match *level {
        tracing_core::Level::ERROR => Level::Error,
        tracing_core::Level::WARN => Level::Warn,
        tracing_core::Level::INFO => Level::Info,
        tracing_core::Level::DEBUG => Level::Debug,
        _ => Level::Trace,
    }
}

/// One live span: its rendering and its parent (kept alive by a reference of its own).
#[derive(Debug)]
struct SpanData {
    name: &'static str,
    /// `a=1 b="x"`, as recorded so far.
    fields: String,
    parent: Option<u64>,
    refs: usize,
}

thread_local! {
    /// The spans entered on this thread, innermost last.
    static STACK: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// The `tracing` subscriber sending events to Juju (see the module docs).
#[derive(Debug, Default)]
pub struct JujuSubscriber {
    spans: Mutex<HashMap<u64, SpanData>>,
    next: AtomicU64,
}

impl JujuSubscriber {
    /// A subscriber with no live span.
    pub fn new() -> Self {
        Self::default()
    }

    fn spans(&self) -> std::sync::MutexGuard<'_, HashMap<u64, SpanData>> {
        self.spans.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `outer{a=1}:inner: ` for the span `id` and its ancestors (empty without a span).
    fn scope_prefix(&self, id: Option<u64>) -> String {
        let spans = self.spans();
        let mut chain = Vec::new();
        let mut next = id;
        while let Some(id) = next {
            match spans.get(&id) {
                Some(span) => {
                    chain.push(span);
                    next = span.parent;
                }
                None => break,
            }
        }
        let mut out = String::new();
        for span in chain.iter().rev() {
            out.push_str(span.name);
            if !span.fields.is_empty() {
                let _ = write!(out, "{{{}}}", span.fields);
            }
            out.push(':');
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out
    }
}

fn current() -> Option<u64> {
    STACK
        .try_with(|s| s.try_borrow().ok().and_then(|s| s.last().copied()))
        .ok()
        .flatten()
}

/// Renders fields as `tracing-subscriber`'s `fmt` does: the `message` field as is, the others
/// `name=value` (`Debug`, so strings are quoted), space-separated; `log.*` fields (added by
/// `tracing-log`) are skipped.
#[derive(Default)]
struct FieldWriter {
    message: String,
    fields: String,
}

impl FieldWriter {
    fn into_line(self) -> String {
        match (self.message.is_empty(), self.fields.is_empty()) {
            (_, true) => self.message,
            (true, false) => self.fields,
            (false, false) => format!("{} {}", self.message, self.fields),
        }
    }
}

impl Visit for FieldWriter {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let name = field.name();
        if name == "message" {
            let _ = write!(self.message, "{value:?}");
        } else if !name.starts_with("log.") {
            if !self.fields.is_empty() {
                self.fields.push(' ');
            }
            let _ = write!(self.fields, "{name}={value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.record_debug(field, &value);
        }
    }
}

impl Subscriber for JujuSubscriber {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if metadata.is_span() {
            Interest::always()
        } else {
            // Whether an event goes depends on the thread (a capture) and on filters set at run
            // time: ask `enabled` each time.
            Interest::sometimes()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        if metadata.is_span() {
            return true;
        }
        // As for `log` records: `log`'s max level first (`Debug` unless raised, see
        // `set_level`), then the targets filter.
        let level = log_level(metadata.level());
        level <= log::max_level() && super::wanted(level, metadata.target())
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut writer = FieldWriter::default();
        span.record(&mut writer);
        let parent = if let Some(parent) = span.parent() {
            Some(parent.into_u64())
        } else if span.is_contextual() {
            current()
        } else {
            None
        };
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut spans = self.spans();
        let parent = parent.filter(|p| match spans.get_mut(p) {
            Some(p) => {
                p.refs += 1;
                true
            }
            None => false,
        });
        spans.insert(
            id,
            SpanData {
                name: span.metadata().name(),
                fields: writer.into_line(),
                parent,
                refs: 1,
            },
        );
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut writer = FieldWriter::default();
        values.record(&mut writer);
        let more = writer.into_line();
        if more.is_empty() {
            return;
        }
        if let Some(data) = self.spans().get_mut(&span.into_u64()) {
            if !data.fields.is_empty() {
                data.fields.push(' ');
            }
            data.fields.push_str(&more);
        }
    }

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        let scope = if let Some(parent) = event.parent() {
            Some(parent.into_u64())
        } else if event.is_contextual() {
            current()
        } else {
            None
        };
        super::emit(log_level(metadata.level()), metadata.target(), || {
            let mut writer = FieldWriter::default();
            event.record(&mut writer);
            let mut line = self.scope_prefix(scope);
            line.push_str(&writer.into_line());
            line
        });
    }

    fn enter(&self, span: &Id) {
        let _ = STACK.try_with(|s| s.borrow_mut().push(span.into_u64()));
    }

    fn exit(&self, span: &Id) {
        let id = span.into_u64();
        let _ = STACK.try_with(|s| {
            let mut stack = s.borrow_mut();
            if let Some(at) = stack.iter().rposition(|&x| x == id) {
                stack.remove(at);
            }
        });
    }

    fn clone_span(&self, id: &Id) -> Id {
        if let Some(data) = self.spans().get_mut(&id.into_u64()) {
            data.refs += 1;
        }
        id.clone()
    }

    fn try_close(&self, id: Id) -> bool {
        let mut spans = self.spans();
        let id = id.into_u64();
        let mut parent = match release(&mut spans, id) {
            Some(parent) => parent,
            None => return false,
        };
        // A closed span releases its reference on its parent, which may close in turn.
        while let Some(id) = parent {
            parent = release(&mut spans, id).flatten();
        }
        true
    }
}

/// Drops one reference to span `id`; when it was the last, forgets the span and returns
/// `Some(its parent)`.
fn release(spans: &mut HashMap<u64, SpanData>, id: u64) -> Option<Option<u64>> {
    let data = spans.get_mut(&id)?;
    data.refs = data.refs.saturating_sub(1);
    if data.refs > 0 {
        return None;
    }
    spans.remove(&id).map(|data| data.parent)
}

static INSTALLED: OnceLock<bool> = OnceLock::new();

/// Makes a [`JujuSubscriber`] the process's global default `tracing` subscriber, once. Returns
/// whether it is the global default: `false` when another subscriber was set first (by the
/// charm, or its tests), which then keeps the events.
pub fn install() -> bool {
    *INSTALLED.get_or_init(|| {
        tracing_core::dispatcher::set_global_default(tracing_core::Dispatch::new(
            JujuSubscriber::new(),
        ))
        .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ops' `JujuLogHandler` sends Python's `record.levelname`: `logger.error` → `ERROR`,
    /// `.warning` → `WARNING`, `.info` → `INFO`, `.debug` → `DEBUG` (ops/log.py). `tracing` has
    /// no CRITICAL; its TRACE, below DEBUG, is sent as DEBUG as `log::trace!` is.
    #[test]
    fn levels_are_named_as_ops_names_them() {
        let table = [
            (tracing_core::Level::ERROR, "ERROR"),
            (tracing_core::Level::WARN, "WARNING"),
            (tracing_core::Level::INFO, "INFO"),
            (tracing_core::Level::DEBUG, "DEBUG"),
            (tracing_core::Level::TRACE, "DEBUG"),
        ];
        for (level, name) in table {
            assert_eq!(super::super::level_name(log_level(&level)), name, "{level}");
        }
        // The same names as the `log` path's.
        assert_eq!(log_level(&tracing_core::Level::TRACE), Level::Trace);
        assert_eq!(log_level(&tracing_core::Level::WARN), Level::Warn);
    }

    fn captured(run: impl FnOnce()) -> Vec<(&'static str, String)> {
        let capture = super::super::capture().expect("our logger");
        log::set_max_level(log::LevelFilter::Trace);
        tracing::subscriber::with_default(JujuSubscriber::new(), run);
        capture.messages()
    }

    #[test]
    fn events_render_message_fields_and_spans() {
        let got = captured(|| {
            tracing::info!(a = 1, b = "x", c = ?Some(2), "hello {}", "you");
            tracing::warn!(only = true);
            let outer = tracing::warn_span!("outer", id = 7);
            outer.in_scope(|| {
                let inner = tracing::debug_span!("inner");
                inner.record("late", 3);
                inner.in_scope(|| tracing::error!("deep"));
                // An explicit root event ignores the entered spans.
                tracing::error!(parent: None, "root");
                tracing::trace!("mid");
            });
            tracing::debug!("after");
        });
        assert_eq!(
            got,
            [
                ("INFO", "hello you a=1 b=\"x\" c=Some(2)".to_string()),
                ("WARNING", "only=true".to_string()),
                ("ERROR", "outer{id=7}:inner: deep".to_string()),
                ("ERROR", "root".to_string()),
                ("DEBUG", "outer{id=7}: mid".to_string()),
                ("DEBUG", "after".to_string()),
            ]
        );
    }

    #[test]
    fn spans_are_forgotten_when_closed_with_their_parents() {
        let subscriber = std::sync::Arc::new(JujuSubscriber::new());
        let dispatch = tracing_core::Dispatch::from(subscriber.clone());
        tracing_core::dispatcher::with_default(&dispatch, || {
            let outer = tracing::info_span!("outer");
            let inner = outer.in_scope(|| tracing::info_span!("inner", n = 1));
            let copy = inner.clone();
            drop(outer);
            // The child keeps its parent alive.
            assert_eq!(subscriber.spans().len(), 2);
            drop(inner);
            assert_eq!(subscriber.spans().len(), 2);
            drop(copy);
            assert!(subscriber.spans().is_empty());
        });
    }
}
