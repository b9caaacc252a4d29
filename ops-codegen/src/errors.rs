//! Collecting errors so that all of them are reported together.

use proc_macro2::{Span, TokenStream};
use std::fmt::Display;

/// An accumulator of spanned errors (serde's `Ctxt`, darling's accumulator).
#[derive(Default)]
pub struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record an error at `span`.
    pub fn error(&mut self, span: Span, message: impl Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// Record an error spanning the tokens of `tokens`.
    pub fn spanned(&mut self, tokens: impl quote::ToTokens, message: impl Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Record an existing error.
    pub fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// Whether any error was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// All errors as one `syn::Error`, if any.
    pub fn combined(self) -> Option<syn::Error> {
        let mut iter = self.errors.into_iter();
        let mut first = iter.next()?;
        for e in iter {
            first.combine(e);
        }
        Some(first)
    }

    /// All errors as `compile_error!` invocations.
    pub fn to_compile_errors(self) -> TokenStream {
        self.combined()
            .map(|e| e.to_compile_error())
            .unwrap_or_default()
    }
}
