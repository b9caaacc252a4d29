//! Collecting the `#[on(...)]` handlers of a `#[charm]` impl block and checking their shape.

use crate::attrs::{parse_on, OnTarget};
use crate::errors::Errors;
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ImplItem, ItemImpl, Type};

/// One handler method.
#[derive(Clone)]
pub struct HandlerDef {
    /// The events it handles, in attribute order.
    pub targets: Vec<OnTarget>,
    /// The method.
    pub method: Ident,
    /// The type of its event parameter, as written (for spanning type errors).
    pub event_ty: Option<Type>,
    /// Whether the receiver is `&mut self` (else `&self`).
    pub mut_self: bool,
    /// Whether the signature is right (else an error was reported and no code calls it).
    pub signature_ok: bool,
}

/// The signature every handler must have, for messages.
pub const EXPECTED_SIGNATURE: &str =
    "fn(&mut self, ctx: &mut Context<Self>, event: &EventType) -> Result<(), E> (or no return type)";

/// Remove every `#[on(...)]` attribute from the impl block's methods and return the handlers.
pub fn collect(imp: &mut ItemImpl, errors: &mut Errors) -> Vec<HandlerDef> {
    let mut handlers = Vec::new();
    for item in imp.items.iter_mut() {
        let ImplItem::Fn(f) = item else {
            // `#[on]` on a const/type item is caught by the standalone `#[on]` macro.
            continue;
        };
        let mut targets = Vec::new();
        let mut found = false;
        f.attrs.retain(|attr| {
            if attr.path().is_ident("on") {
                found = true;
                match parse_on(attr) {
                    Ok(t) => targets.extend(t),
                    Err(e) => errors.push(e),
                }
                false
            } else {
                true
            }
        });
        if !found {
            continue;
        }
        // The signature's problems are kept apart: a handler with a wrong signature is still
        // checked against the metadata, but no dispatch code calls it (rustc would add errors).
        let mut sig_errors = Errors::new();
        let sig = &f.sig;
        let name = &sig.ident;
        let message = |what: &str| {
            format!("handler `{name}` {what}; a handler has the signature {EXPECTED_SIGNATURE}")
        };
        let bad = |errors: &mut Errors, span: proc_macro2::Span, what: &str| {
            errors.error(span, message(what));
        };
        // Spanning every token of `tokens` (a `Span` alone is only its first token on stable).
        let bad_tokens = |errors: &mut Errors, tokens: &dyn quote::ToTokens, what: &str| {
            errors.spanned(tokens, message(what));
        };
        if let Some(a) = &sig.asyncness {
            bad(&mut sig_errors, a.span(), "cannot be `async`");
        }
        if !sig.generics.params.is_empty() {
            bad_tokens(&mut sig_errors, &sig.generics, "cannot be generic");
        }
        let mut inputs = sig.inputs.iter().peekable();
        let mut mut_self = true;
        match inputs.peek() {
            Some(FnArg::Receiver(r)) => {
                if r.reference.is_none() {
                    bad(
                        &mut sig_errors,
                        r.span(),
                        "must take `&mut self` or `&self`, not `self`",
                    );
                }
                mut_self = r.mutability.is_some();
                inputs.next();
            }
            // No receiver: the parameters are still checked as the context and the event.
            _ => bad(
                &mut sig_errors,
                sig.ident.span(),
                "must be a method taking `&mut self`",
            ),
        }
        let ctx = inputs.next();
        let event = inputs.next();
        let extra: Vec<_> = inputs.collect();
        let mut event_ty = None;
        match (ctx, event) {
            (Some(FnArg::Typed(c)), Some(FnArg::Typed(e))) => {
                match &*c.ty {
                    Type::Reference(r) if r.mutability.is_some() => {}
                    other => bad_tokens(
                        &mut sig_errors,
                        other,
                        "must take the context as `&mut Context<Self>`",
                    ),
                }
                match &*e.ty {
                    Type::Reference(r) if r.mutability.is_none() => {
                        event_ty = Some((*r.elem).clone());
                    }
                    other => bad_tokens(
                        &mut sig_errors,
                        other,
                        "must take its event by shared reference (`&EventType`)",
                    ),
                }
            }
            _ => bad(
                &mut sig_errors,
                sig.paren_token.span.join(),
                "must take a context and an event",
            ),
        }
        if let Some(first) = extra.first() {
            bad_tokens(&mut sig_errors, first, "takes too many parameters");
        }
        let signature_ok = sig_errors.is_empty();
        if let Some(e) = sig_errors.combined() {
            errors.push(e);
        }
        if targets.is_empty() {
            continue;
        }
        handlers.push(HandlerDef {
            targets,
            method: name.clone(),
            event_ty,
            mut_self,
            signature_ok,
        });
    }
    handlers
}
