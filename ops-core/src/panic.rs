//! Turning a handler's panic into one clear error message.

use std::cell::RefCell;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Record where each panic happened (the default hook still prints it to stderr).
pub fn install_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_default();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("panicked{location}")));
        default(info);
    }));
}

/// Describe a caught panic: its message and, when the hook is installed, where it happened.
pub fn describe(payload: Box<dyn std::any::Any + Send>) -> String {
    let message = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    };
    let place = LAST_PANIC
        .with(|p| p.borrow_mut().take())
        .unwrap_or_else(|| "panicked".to_string());
    format!("{place}: {message}")
}
