//! paywire-codegen: a validated gateway spec to Rust tokens. A pure library with no I/O, used by
//! the `gateway!` macro (at compile time) and by `cargo xtask codegen` (checked-in, pretty-printed
//! files a reviewer can read).
//!
//! The generated code is the logic itself, decided here at generation time and written out as
//! Rust, so a provider crate parses no spec at run time and looks nothing up by name:
//!
//! - per operation, a request struct (serde with the wire names), a builder, and field rules as
//!   plain `if`s (lengths, enums, bounds, conditions; each pattern compiled once);
//! - the canonical-string writer of every signing profile with the signed fields in their final
//!   order (ASCII order of the keys as they enter the string, after any `encode`, computed here;
//!   or the listed order), credential slots and kept absent slots in their places, each value's
//!   `strip` and `encode`, the template's literal pieces, and the digest and encoding as direct
//!   calls, streamed into the digest (a profile that cannot sign with the credentials given is
//!   refused by `prepare` first);
//! - the body writer (JSON, form or query string) and `prepare`;
//! - the response reader: envelope paths, success codes, signature checks, status maps, the
//!   typed payload read tolerantly (snake_case or camelCase, string-or-number, unknown fields kept
//!   in `extra`), or `{ rows }` when each row is signed;
//! - per notification, a struct with `verify()`: the recipe known here, applied to every field
//!   as received;
//! - a `Profile` enum, an `ErrorCode` enum, and `AnyRequest` / `AnyNotification` for stored
//!   requests and tools.
//!
//! The interpreter (`paywire::Gateway`, feature `dynamic`) does the same from a spec loaded at
//! run time; a differential test suite keeps the two byte-identical.

use std::collections::BTreeSet;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use paywire_spec::names::{camel_case, upper_camel};
use paywire_spec::{
    Absent, BodyEncoding, CommonStatus, Compare, Digest, EmptyRule, Encode, Encoding, ErrorMeaning,
    Field, FieldType, HexCase, Method, MoneyFormat, NotificationContent, NumberWire, Operation,
    Order, Recipe, SignatureScope, Spec,
};

/// How the generated code is used.
#[derive(Debug, Clone)]
pub struct Options {
    /// For the macro: the spec's absolute path, embedded with `include_str!` so cargo rebuilds
    /// when it changes. `None` for checked-in files (they carry no spec).
    pub include_path: Option<String>,
    /// The spec's name in docs (`specs/intqp.toml`).
    pub file_label: String,
}

/// The `paywire` features the generated code needs (digests, patterns).
pub fn required_features(spec: &Spec) -> Vec<&'static str> {
    let mut out = BTreeSet::new();
    for r in spec.profiles.values() {
        out.insert(r.digest.name());
        if r.encoding == paywire_spec::Encoding::Base64 {
            out.insert("base64");
        }
    }
    let xml = spec
        .operations
        .iter()
        .any(|o| o.body() == paywire_spec::BodyEncoding::Xml)
        || spec
            .notifications
            .iter()
            .any(|n| n.content == paywire_spec::NotificationContent::Xml);
    if xml {
        out.insert("xml");
    }
    let mut patterns = false;
    let mut visit = |fields: &[Field]| {
        fn walk(fields: &[Field], found: &mut bool) {
            for f in fields {
                if f.pattern.is_some() || f.item_pattern.is_some() {
                    *found = true;
                }
                walk(&f.fields, found);
            }
        }
        walk(fields, &mut patterns);
    };
    for op in &spec.operations {
        visit(&op.request);
    }
    if patterns {
        out.insert("patterns");
    }
    out.into_iter().collect()
}

/// Generate the items of a gateway's provider module.
pub fn generate(spec: &Spec, opts: &Options) -> TokenStream {
    let g = Gen { spec };
    let name = &spec.gateway.name;
    let label = &opts.file_label;
    let include = opts.include_path.as_ref().map(|p| {
        quote! {
            // The spec this module was generated from: cargo rebuilds when it changes.
            const _: &str = include_str!(#p);
        }
    });
    let gw_doc = format!(" The gateway's name in its spec (`{label}`).");
    let profiles = g.profiles();
    let errors = g.error_codes();
    let statuses = g.status_maps();
    let ops = spec.operations.iter().map(|op| g.operation(op));
    let notes = spec.notifications.iter().map(|n| g.notification(n));
    let any_req = g.any_request();
    let any_note = g.any_notification();
    quote! {
        #include

        #[doc = #gw_doc]
        pub const GATEWAY: &str = #name;

        #profiles
        #errors
        #statuses
        #(#ops)*
        #(#notes)*
        #any_req
        #any_note
    }
}

/// Generate and pretty-print a whole file (for `cargo xtask codegen`), with a blank line between
/// items and a banner before each operation and notification.
pub fn generate_file(spec: &Spec, opts: &Options) -> Result<String, syn::Error> {
    let tokens = generate(spec, opts);
    let file: syn::File = syn::parse2(tokens)?;
    let header = format!(
        "// @generated by `cargo xtask codegen` from {}. Do not edit: edit the spec and regenerate.\n\
         // This is the provider's logic: signers, validators and readers as plain Rust.\n\n",
        opts.file_label
    );
    let mut banners = Vec::new();
    for op in &spec.operations {
        let signed = if op.signed {
            format!(
                "signed with `{}`",
                op.profile
                    .as_deref()
                    .unwrap_or(&spec.gateway.default_profile)
            )
        } else {
            "not signed".to_owned()
        };
        banners.push((
            format!("pub struct {}Request {{", upper_camel(&op.name)),
            format!(
                "// ==== operation `{}`: {} {} ({:?} body, {signed}) ====",
                op.name,
                op.method.as_str(),
                op.path,
                op.body()
            ),
        ));
    }
    for n in &spec.notifications {
        banners.push((
            format!("pub struct {}Notification {{", upper_camel(&n.name)),
            format!("// ==== notification `{}` ====", n.name),
        ));
    }
    Ok(header + &readable(&prettyplease::unparse(&file), &banners))
}

/// Blank lines between items (top level and inside impl blocks), and banners.
fn readable(src: &str, banners: &[(String, String)]) -> String {
    const TOP: &[&str] = &[
        "///", "#[", "pub ", "impl", "fn ", "const ", "static ", "struct ", "enum ", "mod ", "use ",
    ];
    const INNER: &[&str] = &["///", "#[", "pub ", "fn ", "const ", "type "];
    let mut out: Vec<String> = Vec::new();
    for line in src.lines() {
        if let Some(prev) = out.last() {
            let top_start = !line.starts_with(' ') && TOP.iter().any(|p| line.starts_with(p));
            let top_end = !prev.starts_with(' ')
                && !prev.starts_with("//")
                && (prev.ends_with('}') || prev.ends_with(';'));
            let inner = line.strip_prefix("    ").filter(|l| !l.starts_with(' '));
            let inner_start = inner.is_some_and(|l| INNER.iter().any(|p| l.starts_with(p)));
            let prev_inner = prev.strip_prefix("    ").filter(|l| !l.starts_with(' '));
            let inner_end =
                prev_inner.is_some_and(|p| !p.starts_with("//") && (p == "}" || p.ends_with(';')));
            if (top_start && top_end) || (inner_start && inner_end) {
                out.push(String::new());
            }
        }
        out.push(line.to_owned());
    }
    for (anchor, banner) in banners {
        if let Some(at) = out.iter().position(|l| l == anchor) {
            let mut start = at;
            while start > 0 && !out[start - 1].is_empty() {
                start -= 1;
            }
            out.insert(start, banner.clone());
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

fn ident(name: &str) -> Ident {
    if syn::parse_str::<Ident>(name).is_ok() {
        Ident::new(name, Span::call_site())
    } else {
        Ident::new_raw(name, Span::call_site())
    }
}

/// A parameter name for a field (`f_amount`), never a keyword and never `errors` or `prefix`.
fn param(f: &Field) -> Ident {
    format_ident!("f_{}", f.rust_name().trim_end_matches('_'))
}

fn doc_lines(text: &str) -> Vec<String> {
    text.lines().map(|l| format!(" {l}")).collect()
}

fn profile_variant(name: &str) -> Ident {
    format_ident!("{}", upper_camel(&name.replace('-', "_")))
}

fn common_status(s: CommonStatus) -> TokenStream {
    match s {
        CommonStatus::Pending => quote!(::paywire::CommonStatus::Pending),
        CommonStatus::Processing => quote!(::paywire::CommonStatus::Processing),
        CommonStatus::Succeeded => quote!(::paywire::CommonStatus::Succeeded),
        CommonStatus::Failed => quote!(::paywire::CommonStatus::Failed),
        CommonStatus::Cancelled => quote!(::paywire::CommonStatus::Cancelled),
        CommonStatus::Unknown => quote!(::paywire::CommonStatus::Unknown),
    }
}

fn error_meaning(m: ErrorMeaning) -> TokenStream {
    match m {
        ErrorMeaning::Signature => quote!(::paywire::ErrorMeaning::Signature),
        ErrorMeaning::Duplicate => quote!(::paywire::ErrorMeaning::Duplicate),
        ErrorMeaning::Invalid => quote!(::paywire::ErrorMeaning::Invalid),
        ErrorMeaning::NotFound => quote!(::paywire::ErrorMeaning::NotFound),
        ErrorMeaning::Auth => quote!(::paywire::ErrorMeaning::Auth),
        ErrorMeaning::RateLimited => quote!(::paywire::ErrorMeaning::RateLimited),
    }
}

/// Match arms grouped by identical bodies: `A | B => body`, in first-appearance order.
fn grouped_arms(arms: Vec<(TokenStream, TokenStream)>) -> Vec<TokenStream> {
    let mut groups: Vec<(String, Vec<TokenStream>, TokenStream)> = Vec::new();
    for (pat, body) in arms {
        let key = body.to_string();
        match groups.iter_mut().find(|(k, _, _)| *k == key) {
            Some(g) => g.1.push(pat),
            None => groups.push((key, vec![pat], body)),
        }
    }
    groups
        .into_iter()
        .map(|(_, pats, body)| quote!(#(#pats)|* => { #body }))
        .collect()
}

// ---- canonical strings -------------------------------------------------------------------

/// A piece of a canonical string.
#[derive(Clone)]
enum Piece {
    Lit(String),
    Val(TokenStream),
    Secret,
    /// A credential slot's value: the credential of this name (masked like the secret).
    Cred(String),
    Kept(String),
}

/// Split a template over `{a}` / `{b}` placeholders into literals and placeholders, the way the
/// interpreter reads it (one pass, other braces literal).
fn split_template<'a>(text: &'a str, names: &[&'a str]) -> Vec<Result<String, &'a str>> {
    let mut out: Vec<Result<String, &str>> = Vec::new();
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for n in names {
            let ph = format!("{{{n}}}");
            if let Some(r) = rest.strip_prefix(ph.as_str()) {
                out.push(Err(n));
                rest = r;
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            match out.last_mut() {
                Some(Ok(s)) => s.push(c),
                _ => out.push(Ok(c.to_string())),
            }
        }
        rest = chars.as_str();
    }
    out
}

/// Emit pieces into the sink `c`, merging adjacent literals into one call.
fn emit(pieces: Vec<Piece>) -> Vec<TokenStream> {
    let mut out = Vec::new();
    let mut pending = String::new();
    let flush = |pending: &mut String, out: &mut Vec<TokenStream>| {
        if !pending.is_empty() {
            let s = std::mem::take(pending);
            out.push(quote!(c.text(#s);));
        }
    };
    for p in pieces {
        match p {
            Piece::Lit(s) => pending.push_str(&s),
            Piece::Kept(k) => out.push(quote!(c.kept(#k);)),
            Piece::Val(v) => {
                flush(&mut pending, &mut out);
                out.push(quote!(c.text(#v);));
            }
            Piece::Secret => {
                flush(&mut pending, &mut out);
                out.push(quote!(c.secret(secret);));
            }
            Piece::Cred(from) => {
                flush(&mut pending, &mut out);
                out.push(quote!(c.credential(secret.credential(#from).unwrap_or_default());));
            }
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// Whether a recipe's field steps are the plain ones (no credential slots, kept absent slots,
/// `strip` or `encode`): its received fields are selected with the runtime's helpers alone.
fn plain_fields(r: &Recipe) -> bool {
    r.credentials.is_empty()
        && r.absent == Absent::Skip
        && r.encode == Encode::None
        && r.strip.is_empty()
}

/// Percent-encode a key or a constant here, as `paywire::sign::encode_rfc3986` and
/// `encode_form` do at run time (uppercase hex digits).
fn encode_text(encode: Encode, text: &str) -> String {
    if encode == Encode::None {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        let kept = b.is_ascii_alphanumeric()
            || match encode {
                Encode::Rfc3986 => matches!(b, b'-' | b'.' | b'_' | b'~'),
                Encode::Php => matches!(b, b'-' | b'.' | b'_'),
                _ => matches!(b, b'-' | b'.' | b'_' | b'*'),
            };
        if kept {
            out.push(char::from(b));
        } else if b == b' ' && matches!(encode, Encode::Form | Encode::Php) {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A constant value's text after the profile's `strip` and `encode` (decided here).
fn transform_const(recipe: &Recipe, key: &str, value: &str) -> String {
    let stripped: String = match recipe.strip.get(key) {
        Some(chars) => value.chars().filter(|c| !chars.contains(*c)).collect(),
        None => value.to_owned(),
    };
    encode_text(recipe.encode, &stripped)
}

/// A value's `&str` expression after the profile's `strip` and `encode` (valid for one
/// statement, like the text it wraps).
fn transform_expr(recipe: &Recipe, key: &str, text: TokenStream) -> TokenStream {
    let text = match recipe.strip.get(key) {
        Some(chars) => quote!(&*::paywire::sign::strip_chars(#text, #chars)),
        None => text,
    };
    match recipe.encode {
        Encode::None => text,
        Encode::Rfc3986 => quote!(&*::paywire::sign::encode_rfc3986(#text)),
        Encode::Form => quote!(&*::paywire::sign::encode_form(#text)),
        Encode::Php => quote!(&*::paywire::sign::encode_php(#text)),
    }
}

/// The run-time function of a percent-encoding (`None`: no encoding).
fn encode_fn(encode: Encode) -> Option<TokenStream> {
    match encode {
        Encode::None => None,
        Encode::Rfc3986 => Some(quote!(::paywire::sign::encode_rfc3986)),
        Encode::Form => Some(quote!(::paywire::sign::encode_form)),
        Encode::Php => Some(quote!(::paywire::sign::encode_php)),
    }
}

/// An outgoing field or a constant a profile adds, as signing sees it.
#[derive(Clone)]
enum Signed<'a> {
    Field(&'a Field),
    Const(String),
    /// A credential slot: the value of the named credential.
    Credential(String),
    /// A listed field the request cannot carry, kept as an empty value (`absent = "keep"`).
    Absent,
}

#[derive(Clone)]
struct Item<'a> {
    key: String,
    value: Signed<'a>,
}

/// The fields offered for signing, in the order the signer sees them: the request's fields, a
/// profile's `adds` replacing a field of the same name in place or appended.
fn offered<'a>(fields: &'a [Field], recipe: &Recipe) -> Vec<Item<'a>> {
    let mut items: Vec<Item<'a>> = fields
        .iter()
        .map(|f| match recipe.adds.get(&f.name) {
            Some(v) => Item {
                key: f.name.clone(),
                value: Signed::Const(v.clone()),
            },
            None => Item {
                key: f.name.clone(),
                value: Signed::Field(f),
            },
        })
        .collect();
    for (k, v) in &recipe.adds {
        if !fields.iter().any(|f| &f.name == k) {
            items.push(Item {
                key: k.clone(),
                value: Signed::Const(v.clone()),
            });
        }
    }
    items
}

/// The signed items in their final order under `recipe`, decided here: the selected fields and
/// the credential slots, sorted by their keys as they enter the string (after `encode`) or in
/// the listed order.
fn signed_order<'a>(fields: &'a [Field], recipe: &Recipe) -> Vec<Item<'a>> {
    let offered: Vec<Item<'a>> = offered(fields, recipe)
        .into_iter()
        .filter(|i| i.key != recipe.signature_field)
        .collect();
    let mut kept: Vec<Item<'a>> = match &recipe.fields {
        None => {
            let mut kept: Vec<Item<'a>> = offered
                .into_iter()
                .filter(|i| {
                    !recipe.exclude.contains(&i.key) && !recipe.credentials.contains_key(&i.key)
                })
                .collect();
            kept.extend(recipe.credentials.iter().map(|(slot, from)| Item {
                key: slot.clone(),
                value: Signed::Credential(from.clone()),
            }));
            kept
        }
        Some(list) => list
            .iter()
            .filter_map(|name| {
                if let Some(from) = recipe.credentials.get(name) {
                    return Some(Item {
                        key: name.clone(),
                        value: Signed::Credential(from.clone()),
                    });
                }
                match offered.iter().find(|i| &i.key == name) {
                    Some(i) => Some(i.clone()),
                    None if recipe.absent == Absent::Keep => Some(Item {
                        key: name.clone(),
                        value: Signed::Absent,
                    }),
                    None => None,
                }
            })
            .collect(),
    };
    if recipe.order == Order::Ascii {
        kept.sort_by(|a, b| {
            encode_text(recipe.encode, &a.key)
                .as_bytes()
                .cmp(encode_text(recipe.encode, &b.key).as_bytes())
        });
    }
    kept
}

/// The text a field's value `v: &T` enters a canonical string, a form or a condition with:
/// an `&str` expression valid for one statement.
fn text_expr(f: &Field, nested: &Ident) -> TokenStream {
    let itoa = quote!(::paywire::__private::itoa::Buffer::new());
    match f.ty {
        FieldType::String | FieldType::Unknown => quote!(v.as_str()),
        FieldType::Integer => quote!(#itoa.format(*v)),
        FieldType::Money => match f.money {
            Some(MoneyFormat::Decimal) => quote!(v.decimal_text().as_str()),
            _ => quote!(#itoa.format(v.minor())),
        },
        FieldType::Boolean => quote!(if *v { "true" } else { "false" }),
        FieldType::Strings => quote!(::paywire::wire::json_strings(v).as_str()),
        FieldType::Object => quote!(v.to_json().as_str()),
        FieldType::Objects => quote!(#nested::list_to_json(v).as_str()),
        FieldType::Json => quote!(v.to_string().as_str()),
        FieldType::Time => quote!(&*v.text()),
    }
}

/// Whether a present value of this type can be empty text (strings, and a time's text).
fn can_be_empty(f: &Field) -> bool {
    matches!(
        f.ty,
        FieldType::String | FieldType::Unknown | FieldType::Time
    )
}

/// The canonical-string writer of one profile over outgoing fields (the body of a match arm).
fn canonical_arm(parent: &str, fields: &[Field], recipe: &Recipe) -> (TokenStream, bool) {
    let items = signed_order(fields, recipe);
    let pair = split_template(&recipe.pair, &["key", "value"]);
    let template = split_template(&recipe.template, &["pairs", "secret"]);
    let skip_empty = recipe.empty == EmptyRule::Skip;
    let keep_absent = recipe.absent == Absent::Keep;
    // One pair's pieces: the key as it enters the string (after `encode`), the value given.
    let pair_pieces = |item: &Item, value: &Piece| -> Vec<Piece> {
        let mut pieces = vec![Piece::Kept(item.key.clone())];
        for p in &pair {
            match p {
                Ok(lit) => pieces.push(Piece::Lit(lit.clone())),
                Err("key") => pieces.push(Piece::Lit(encode_text(recipe.encode, &item.key))),
                Err(_) => pieces.push(value.clone()),
            }
        }
        pieces
    };

    // Each item: when it is written, and its pieces.
    enum Shape {
        /// Written when `cond` holds (always when `None`), after `binding`.
        If {
            cond: Option<TokenStream>,
            binding: Option<TokenStream>,
            pieces: Vec<Piece>,
        },
        /// An optional field whose absence keeps its slot (`absent = "keep"`): `some` when the
        /// field is set (and `guard` holds), `none` (an empty value) when it is not.
        Slot {
            id: Ident,
            guard: Option<TokenStream>,
            some: Vec<Piece>,
            none: Vec<Piece>,
        },
    }
    let mut entries: Vec<(bool, Shape)> = Vec::new();
    let mut uses_secret = false;
    for item in &items {
        let shape = match &item.value {
            Signed::Const(v) => {
                if v.is_empty() && skip_empty {
                    continue;
                }
                let value = Piece::Lit(transform_const(recipe, &item.key, v));
                Shape::If {
                    cond: None,
                    binding: None,
                    pieces: pair_pieces(item, &value),
                }
            }
            Signed::Absent => Shape::If {
                cond: None,
                binding: None,
                pieces: pair_pieces(item, &Piece::Lit(String::new())),
            },
            Signed::Credential(from) => {
                uses_secret = true;
                Shape::If {
                    cond: None,
                    binding: None,
                    pieces: pair_pieces(item, &Piece::Cred(from.clone())),
                }
            }
            Signed::Field(f) => {
                let id = ident(&f.rust_name());
                let nested = nested_name(parent, f);
                let text = transform_expr(recipe, &item.key, text_expr(f, &nested));
                let pieces = pair_pieces(item, &Piece::Val(text));
                let empty_check = skip_empty && can_be_empty(f);
                if f.required {
                    let binding = Some(quote!(let v = &self.#id;));
                    let cond = empty_check.then(|| quote!(!self.#id.is_empty()));
                    Shape::If {
                        cond,
                        binding,
                        pieces,
                    }
                } else if keep_absent {
                    Shape::Slot {
                        id,
                        guard: empty_check.then(|| quote!(!v.is_empty())),
                        some: pieces,
                        none: pair_pieces(item, &Piece::Lit(String::new())),
                    }
                } else if empty_check {
                    Shape::If {
                        cond: Some(
                            quote!(let Some(v) = self.#id.as_ref().filter(|v| !v.is_empty())),
                        ),
                        binding: None,
                        pieces,
                    }
                } else {
                    Shape::If {
                        cond: Some(quote!(let Some(v) = &self.#id)),
                        binding: None,
                        pieces,
                    }
                }
            }
        };
        let always = match &shape {
            Shape::If { cond, .. } => cond.is_none(),
            Shape::Slot { guard, .. } => guard.is_none(),
        };
        entries.push((always, shape));
    }

    // Decide, item by item, whether a join is certainly, never or maybe needed before it.
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Nothing,
        Something,
        Maybe,
    }
    let mut states = Vec::new();
    let mut state = State::Nothing;
    for (always, _) in &entries {
        states.push(state);
        state = match (state, always) {
            (State::Something, _) => State::Something,
            (_, true) => State::Something,
            (_, false) => State::Maybe,
        };
    }
    let join = recipe.join.clone();
    // An entry sets the flag when a later entry reads it (an empty join is never written).
    let reads: Vec<bool> = states
        .iter()
        .map(|s| *s == State::Maybe && !join.is_empty())
        .collect();
    let mut pair_tokens = Vec::new();
    if reads.iter().any(|r| *r) {
        pair_tokens.push(quote!(let mut sep = false;));
    }
    for (i, (_, shape)) in entries.into_iter().enumerate() {
        let later_reads = reads[i + 1..].iter().any(|r| *r);
        let sets = later_reads && states[i] != State::Something;
        let mut lead = Vec::new();
        let mut pre = Vec::new();
        match states[i] {
            State::Nothing => {}
            State::Something => lead.push(Piece::Lit(join.clone())),
            State::Maybe => {
                if !join.is_empty() {
                    pre.push(quote!(if sep { c.text(#join); }));
                }
            }
        }
        let set = if sets { quote!(sep = true;) } else { quote!() };
        let branch = |pieces: Vec<Piece>| {
            let mut all = lead.clone();
            all.extend(pieces);
            let body = emit(all);
            quote!(#(#pre)* #(#body)* #set)
        };
        pair_tokens.push(match shape {
            Shape::If {
                cond,
                binding,
                pieces,
            } => {
                let binding = binding.unwrap_or_default();
                let body = branch(pieces);
                match cond {
                    None => quote! { { #binding #body } },
                    Some(c) => quote! { if #c { #binding #body } },
                }
            }
            Shape::Slot {
                id,
                guard,
                some,
                none,
            } => {
                let some = branch(some);
                let none = branch(none);
                let some = match guard {
                    None => quote!(#some),
                    Some(g) => quote!(if #g { #some }),
                };
                quote! {
                    match &self.#id {
                        Some(v) => { #some }
                        None => { #none }
                    }
                }
            }
        });
    }
    let mut out = Vec::new();
    let mut lits = Vec::new();
    for t in template {
        match t {
            Ok(l) => lits.push(Piece::Lit(l)),
            Err("pairs") => {
                out.extend(emit(std::mem::take(&mut lits)));
                out.push(quote! { { #(#pair_tokens)* } });
            }
            Err(_) => {
                uses_secret = true;
                lits.push(Piece::Secret);
            }
        }
    }
    out.extend(emit(lits));
    (quote!(#(#out)*), uses_secret)
}

/// A human rendering of a profile's canonical string over outgoing fields, for docs:
/// `amount=…&bank_code=…[&memo=…]&key={secret}`.
fn canonical_doc(fields: &[Field], recipe: &Recipe) -> String {
    let items = signed_order(fields, recipe);
    let mut pairs = String::new();
    for (i, item) in items.iter().enumerate() {
        let value = match &item.value {
            Signed::Const(v) => transform_const(recipe, &item.key, v),
            Signed::Field(_) => "…".to_owned(),
            Signed::Credential(from) => format!("{{{from}}}"),
            Signed::Absent => String::new(),
        };
        let one = recipe
            .pair
            .replace("{key}", &encode_text(recipe.encode, &item.key))
            .replace("{value}", &value);
        let optional = match &item.value {
            Signed::Field(f) => {
                let empty_skipped = recipe.empty == EmptyRule::Skip && can_be_empty(f);
                empty_skipped || (!f.required && recipe.absent == Absent::Skip)
            }
            Signed::Const(v) => v.is_empty() && recipe.empty == EmptyRule::Skip,
            Signed::Credential(_) | Signed::Absent => false,
        };
        if optional && matches!(item.value, Signed::Const(_)) {
            continue;
        }
        let text = if i == 0 {
            one
        } else {
            format!("{}{one}", recipe.join)
        };
        if optional {
            pairs.push_str(&format!("[{text}]"));
        } else {
            pairs.push_str(&text);
        }
    }
    recipe.template.replace("{pairs}", &pairs)
}

/// The fields of a received object `obj` one profile signs, in their order (a match arm).
fn received_select_arm(recipe: &Recipe) -> TokenStream {
    if !plain_fields(recipe) {
        return received_select_steps(recipe);
    }
    let sig = &recipe.signature_field;
    let select = match &recipe.fields {
        None => {
            let mut leave: Vec<&String> = vec![sig];
            leave.extend(recipe.exclude.iter().filter(|e| *e != sig));
            quote!(::paywire::sign::received_fields(obj, &[#(#leave),*]))
        }
        Some(list) => quote!(::paywire::sign::received_listed(obj, &[#(#list),*])),
    };
    let retain =
        (recipe.empty == EmptyRule::Skip).then(|| quote!(fields.retain(|(_, v)| !v.is_empty());));
    let pair = &recipe.pair;
    let sort = match recipe.order {
        Order::Ascii => Some(quote!(::paywire::sign::sort_ascii(&mut fields);)),
        Order::PairsCi => Some(quote!(::paywire::sign::sort_pairs_ci(&mut fields, #pair);)),
        Order::Listed | Order::Received => None,
    };
    if retain.is_none() && sort.is_none() {
        select
    } else {
        quote! {
            let mut fields = #select;
            #retain
            #sort
            fields
        }
    }
}

/// As [`received_select_arm`], for a recipe with credential slots, kept absent slots, `strip`
/// or `encode`: each value's text after `strip` and `encode`, each credential slot as an
/// empty placeholder that [`received_digest_arm`] fills from the secret, sorted by the keys as
/// they enter the string.
fn received_select_steps(recipe: &Recipe) -> TokenStream {
    let skip_empty = recipe.empty == EmptyRule::Skip;
    let cow = quote!(::std::borrow::Cow);
    let select = match &recipe.fields {
        None => {
            let sig = &recipe.signature_field;
            let mut leave: Vec<&String> = vec![sig];
            leave.extend(recipe.exclude.iter().filter(|e| *e != sig));
            leave.extend(
                recipe
                    .credentials
                    .keys()
                    .filter(|s| !recipe.exclude.contains(s) && *s != sig),
            );
            let retain = skip_empty.then(|| quote!(fields.retain(|(_, v)| !v.is_empty());));
            quote! {
                let mut fields = ::paywire::sign::received_fields(obj, &[#(#leave),*]);
                #retain
            }
        }
        Some(list) => {
            let n = list.len();
            let steps = list.iter().map(|name| {
                if recipe.credentials.contains_key(name) {
                    return quote!(fields.push((#name, #cow::Borrowed(""))););
                }
                let present = if skip_empty {
                    quote!(Some(v) => if !v.is_empty() { fields.push((#name, v)); })
                } else {
                    quote!(Some(v) => fields.push((#name, v)),)
                };
                let absent = if recipe.absent == Absent::Keep {
                    quote!(None => fields.push((#name, #cow::Borrowed(""))),)
                } else {
                    quote!(None => {})
                };
                quote! {
                    match obj.find_exact(#name).and_then(|r| r.sign_str()) {
                        #present
                        #absent
                    }
                }
            });
            quote! {
                let mut fields: Vec<(&'a str, #cow<'a, str>)> = Vec::with_capacity(#n);
                #(#steps)*
            }
        }
    };
    // `strip` then `encode`, on each value (placeholders stay empty).
    let strip = (!recipe.strip.is_empty()).then(|| {
        let keys = recipe.strip.keys();
        let chars = recipe.strip.values();
        quote! {
            let chars = match *k { #(#keys => #chars,)* _ => "" };
            let stripped = match ::paywire::sign::strip_chars(v, chars) {
                #cow::Owned(s) => Some(s),
                #cow::Borrowed(_) => None,
            };
            if let Some(s) = stripped {
                *v = #cow::Owned(s);
            }
        }
    });
    let encode = encode_fn(recipe.encode).map(|f| {
        // A borrowed result may still differ (`+` is the borrowed `%2B`): compare the text.
        quote! {
            let encoded = #f(v);
            if *encoded != **v {
                let s = encoded.into_owned();
                *v = #cow::Owned(s);
            }
        }
    });
    let transform = if strip.is_none() && encode.is_none() {
        quote!()
    } else {
        let k = if strip.is_some() {
            quote!(k)
        } else {
            quote!(_)
        };
        quote! {
            for (#k, v) in fields.iter_mut() {
                #strip
                #encode
            }
        }
    };
    let slots = match &recipe.fields {
        None => {
            let names = recipe.credentials.keys();
            quote!(#(fields.push((#names, #cow::Borrowed("")));)*)
        }
        Some(_) => quote!(),
    };
    let pair = &recipe.pair;
    let sort = match (recipe.order, recipe.encode) {
        (Order::Listed | Order::Received, _) => quote!(),
        (Order::PairsCi, Encode::None) => {
            quote!(::paywire::sign::sort_pairs_ci(&mut fields, #pair);)
        }
        (Order::PairsCi, encode) => {
            let f = encode_fn(encode).unwrap_or_default();
            quote!(fields.sort_by_cached_key(|(k, v)| ::paywire::sign::pair_text(#pair, &#f(k), v).to_ascii_lowercase());)
        }
        (Order::Ascii, Encode::None) => quote!(::paywire::sign::sort_ascii(&mut fields);),
        (Order::Ascii, encode) => {
            let f = encode_fn(encode).unwrap_or_default();
            quote!(fields.sort_by(|a, b| #f(a.0).as_bytes().cmp(#f(b.0).as_bytes()));)
        }
    };
    quote! {
        #select
        #transform
        #slots
        #sort
        fields
    }
}

/// How one profile writes selected fields into a canonical sink `c` (a match arm of
/// `Profile::write_over`): the template, the pairs (keys as they enter the string, credential
/// slots from the secret), each field named to `c.kept`.
fn received_digest_arm(recipe: &Recipe) -> TokenStream {
    let slots = !recipe.credentials.is_empty();
    let key_text = match encode_fn(recipe.encode) {
        None => quote!(k),
        Some(f) => quote!(&#f(k)),
    };
    let value_text = if slots {
        quote! {
            match slot {
                Some(from) => c.text(secret.credential(from).unwrap_or_default()),
                None => c.text(v),
            }
        }
    } else {
        quote!(c.text(v);)
    };
    let pair: Vec<TokenStream> = split_template(&recipe.pair, &["key", "value"])
        .into_iter()
        .map(|p| match p {
            Ok(l) => quote!(c.text(#l);),
            Err("key") => quote!(c.text(#key_text);),
            Err(_) => value_text.clone(),
        })
        .collect();
    let slot = slots.then(|| {
        let names = recipe.credentials.keys();
        let froms = recipe.credentials.values();
        quote!(let slot: Option<&str> = match *k { #(#names => Some(#froms),)* _ => None };)
    });
    let join = &recipe.join;
    let join_tokens = if join.is_empty() {
        quote!()
    } else {
        quote!(if i > 0 { c.text(#join); })
    };
    let index = if join.is_empty() {
        quote!(_i)
    } else {
        quote!(i)
    };
    let mut body = Vec::new();
    let mut lits = Vec::new();
    for t in split_template(&recipe.template, &["pairs", "secret"]) {
        match t {
            Ok(l) => lits.push(Piece::Lit(l)),
            Err("pairs") => {
                body.extend(emit(std::mem::take(&mut lits)));
                body.push(quote! {
                    for (#index, (k, v)) in fields.iter().enumerate() {
                        #join_tokens
                        c.kept(k);
                        #slot
                        #(#pair)*
                    }
                });
            }
            Err(_) => lits.push(Piece::Secret),
        }
    }
    body.extend(emit(lits));
    quote! {
        #(#body)*
    }
}

fn digester_expr(d: Digest) -> TokenStream {
    let ctor = format_ident!("{}", d.name().replace('-', "_"));
    if d.is_keyed() {
        quote!(::paywire::sign::Digester::#ctor(secret))
    } else {
        quote!(::paywire::sign::Digester::#ctor())
    }
}

/// The `Digester` method that writes a finished signature as `recipe` does.
fn finish_expr(recipe: &Recipe) -> Ident {
    match (recipe.encoding, recipe.hex) {
        (Encoding::Base64, _) => format_ident!("finish_base64"),
        (Encoding::Hex, HexCase::Lower) => format_ident!("finish_lower"),
        (Encoding::Hex, HexCase::Upper) => format_ident!("finish_upper"),
    }
}

/// `recipe`'s `SigEncoding`, as tokens.
fn sig_encoding(recipe: &Recipe) -> TokenStream {
    match (recipe.encoding, recipe.hex) {
        (Encoding::Base64, _) => quote!(::paywire::sign::SigEncoding::Base64),
        (Encoding::Hex, HexCase::Lower) => quote!(::paywire::sign::SigEncoding::Lower),
        (Encoding::Hex, HexCase::Upper) => quote!(::paywire::sign::SigEncoding::Upper),
    }
}

/// The message of a credential slot whose credential was not given (the interpreter's
/// `signing::key_problem`).
fn missing_credential(slot: &str, from: &str) -> String {
    Recipe::missing_credential(slot, from)
}

/// Whether `prepare` may find `recipe` unable to sign (a credential slot, an RSA key, a
/// raw-body recipe).
fn may_refuse_key(recipe: &Recipe) -> bool {
    recipe.digest.is_rsa()
        || recipe.credentials.values().any(|c| c != "secret")
        || recipe.over_body()
}

// ---- types ---------------------------------------------------------------------------------

/// The Rust type of a field (without Option).
fn rust_type(f: &Field, nested: &Ident) -> TokenStream {
    match f.ty {
        FieldType::String | FieldType::Unknown => quote!(String),
        FieldType::Integer => quote!(i64),
        FieldType::Boolean => quote!(bool),
        FieldType::Money => quote!(::paywire::Money),
        FieldType::Strings => quote!(Vec<String>),
        FieldType::Object => quote!(#nested),
        FieldType::Objects => quote!(Vec<#nested>),
        FieldType::Json => quote!(::paywire::serde_json::Value),
        FieldType::Time => quote!(::paywire::Time),
    }
}

fn nested_name(parent: &str, f: &Field) -> Ident {
    format_ident!(
        "{}{}",
        parent,
        upper_camel(f.rust_name().trim_end_matches('_'))
    )
}

fn field_doc(f: &Field) -> Vec<String> {
    let mut lines = doc_lines(f.doc.as_deref().unwrap_or(""));
    let mut rules = Vec::new();
    rules.push(format!("Wire name `{}`.", f.name));
    if f.required {
        rules.push("Required.".to_owned());
    }
    if !f.required_when.is_empty() {
        let c: Vec<String> = f.required_when.iter().map(|c| c.describe()).collect();
        rules.push(format!("Required when {}.", c.join(" and ")));
    }
    if let Some(m) = f.max_length {
        rules.push(format!("At most {m} characters."));
    }
    if let Some(m) = f.min_length {
        rules.push(format!("At least {m} characters."));
    }
    if let Some(p) = &f.pattern {
        rules.push(format!("Matches `{p}`."));
    }
    if !f.one_of.is_empty() {
        rules.push(format!(
            "One of: {}.",
            f.one_of
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(m) = f.min_items {
        rules.push(format!("At least {m} items."));
    }
    if let Some(m) = f.max_items {
        rules.push(format!("At most {m} items."));
    }
    if let Some(p) = &f.item_pattern {
        rules.push(format!("Each item matches `{p}`."));
    }
    match f.money {
        Some(MoneyFormat::Minor) => rules.push("Integer minor units on the wire.".to_owned()),
        Some(MoneyFormat::Decimal) => rules.push("A two-decimal string on the wire.".to_owned()),
        None => {}
    }
    if let Some(m) = f.min {
        rules.push(format!("At least {m}."));
    }
    if let Some(m) = f.max {
        rules.push(format!("At most {m}."));
    }
    if lines.iter().all(|l| l.trim().is_empty()) {
        lines.clear();
    } else {
        lines.push(String::new());
    }
    lines.push(format!(" {}", rules.join(" ")));
    lines
}

/// `#[serde(rename = ...)]` when the Rust name differs from the wire name.
fn serde_rename(f: &Field) -> TokenStream {
    if f.rust_name() == f.name {
        quote!()
    } else {
        let wire = &f.name;
        quote!(#[serde(rename = #wire)])
    }
}

/// Setter argument type and conversion for builders.
fn setter(f: &Field, nested: &Ident) -> (TokenStream, TokenStream) {
    match f.ty {
        FieldType::String | FieldType::Unknown => (quote!(impl Into<String>), quote!(value.into())),
        FieldType::Strings => (
            quote!(impl IntoIterator<Item = impl Into<String>>),
            quote!(value.into_iter().map(Into::into).collect()),
        ),
        FieldType::Time => (quote!(impl Into<::paywire::Time>), quote!(value.into())),
        _ => {
            let ty = rust_type(f, nested);
            (ty, quote!(value))
        }
    }
}

/// An expression turning `v: &T` into a `WireValue` (the interpreter's view of the field; built
/// through the runtime's own encoders, so the differential tests compare two implementations).
fn to_wire_value(f: &Field) -> TokenStream {
    let num_or_str = |text: TokenStream| match f.wire {
        NumberWire::Number => quote!(::paywire::WireValue::Num(#text)),
        NumberWire::String => quote!(::paywire::WireValue::Str(#text)),
    };
    match f.ty {
        FieldType::String | FieldType::Unknown => quote!(::paywire::WireValue::Str(v.clone())),
        FieldType::Integer => num_or_str(quote!(v.to_string())),
        FieldType::Boolean => quote!(::paywire::WireValue::Bool(*v)),
        FieldType::Money => match f.money {
            Some(MoneyFormat::Decimal) => {
                quote!(::paywire::WireValue::Str(v.to_decimal_string()))
            }
            _ => num_or_str(quote!(v.minor().to_string())),
        },
        FieldType::Strings => quote!(::paywire::WireValue::Strings(v.clone())),
        FieldType::Object => quote!(::paywire::WireValue::Json(v.to_wire().to_json())),
        FieldType::Objects => quote!(::paywire::WireValue::Json(::paywire::wire::json_list(
            v.iter().map(|x| x.to_wire())
        ))),
        FieldType::Json => quote!(::paywire::WireValue::Json(v.to_string())),
        FieldType::Time => {
            let as_string = f.wire == NumberWire::String;
            quote!(v.to_wire_value(#as_string))
        }
    }
}

/// Statements writing `v: &T` as a JSON value into `out: &mut Vec<u8>`.
fn json_value(f: &Field) -> TokenStream {
    let itoa = quote!(::paywire::__private::itoa::Buffer::new());
    let quoted = |text: TokenStream| {
        quote! { out.push(b'"'); out.extend_from_slice(#text.as_bytes()); out.push(b'"'); }
    };
    let number = |text: TokenStream| match f.wire {
        NumberWire::Number => quote! { out.extend_from_slice(#text.as_bytes()); },
        NumberWire::String => quoted(text),
    };
    match f.ty {
        FieldType::String | FieldType::Unknown => quote!(::paywire::wire::push_json_str(out, v);),
        FieldType::Integer => number(quote!(#itoa.format(*v))),
        FieldType::Money => match f.money {
            Some(MoneyFormat::Decimal) => quoted(quote!(v.decimal_text().as_str())),
            _ => number(quote!(#itoa.format(v.minor()))),
        },
        FieldType::Boolean => {
            quote!(out.extend_from_slice(if *v { b"true" as &[u8] } else { b"false" });)
        }
        FieldType::Strings => {
            quote!(out.extend_from_slice(::paywire::wire::json_strings(v).as_bytes());)
        }
        FieldType::Object => quote!(v.write_json(out);),
        FieldType::Objects => quote! {
            out.push(b'[');
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                x.write_json(out);
            }
            out.push(b']');
        },
        FieldType::Json => quote!(let _ = ::paywire::serde_json::to_writer(&mut *out, v);),
        FieldType::Time => {
            let as_string = f.wire == NumberWire::String;
            quote!(v.write_json(out, #as_string);)
        }
    }
}

/// An expression reading `Option<T>` from `obj` (with `?`).
fn read_value(f: &Field) -> TokenStream {
    let name = &f.name;
    match f.ty {
        FieldType::String | FieldType::Unknown => quote!(::paywire::read::string(obj, #name)?),
        FieldType::Integer => quote!(::paywire::read::integer(obj, #name)?),
        FieldType::Boolean => quote!(::paywire::read::boolean(obj, #name)?),
        FieldType::Money => match f.money {
            Some(MoneyFormat::Decimal) => quote!(::paywire::read::money_decimal(obj, #name)?),
            _ => quote!(::paywire::read::money_minor(obj, #name)?),
        },
        FieldType::Strings => quote!(::paywire::read::strings(obj, #name)?),
        FieldType::Object => quote!(::paywire::read::object(obj, #name)?),
        FieldType::Objects => quote!(::paywire::read::objects(obj, #name)?),
        FieldType::Json => quote!(::paywire::read::json(obj, #name)?),
        FieldType::Time => quote!(::paywire::read::time(obj, #name)?),
    }
}

// ---- field rules ---------------------------------------------------------------------------

/// Whether a field refuses the separator (echoed or free text, not opted out).
fn refuses_separator(f: &Field, sep: Option<&str>) -> bool {
    sep.is_some() && f.ty == FieldType::String && (f.echoed || f.free_text) && !f.allow_separators
}

/// Whether a field has any rule to check.
fn has_rules(f: &Field, sep: Option<&str>) -> bool {
    refuses_separator(f, sep)
        || f.required
        || !f.required_when.is_empty()
        || f.max_length.is_some()
        || f.min_length.is_some()
        || f.pattern.is_some()
        || !f.one_of.is_empty()
        || f.min_items.is_some()
        || f.max_items.is_some()
        || f.item_pattern.is_some()
        || f.ty == FieldType::Time
        || (f.min.is_some() && matches!(f.ty, FieldType::Integer | FieldType::Money))
        || (f.max.is_some() && matches!(f.ty, FieldType::Integer | FieldType::Money))
        || (matches!(f.ty, FieldType::Object | FieldType::Objects)
            && f.fields.iter().any(|x| has_rules(x, sep)))
}

fn push_error(name: &str, rule: TokenStream) -> TokenStream {
    quote!(errors.push(::paywire::validate::error(prefix, #name, #rule));)
}

fn pattern_check(pattern: &str, text: TokenStream, rule: TokenStream) -> TokenStream {
    quote! {
        {
            static PATTERN: ::std::sync::LazyLock<::paywire::validate::Pattern> =
                ::std::sync::LazyLock::new(|| ::paywire::validate::Pattern::new(#pattern));
            if !PATTERN.is_match(#text) {
                #rule
            }
        }
    }
}

/// The checks of one present field `v: &T` (in the interpreter's order).
fn field_rules(f: &Field, sep: Option<&str>) -> Vec<TokenStream> {
    let name = &f.name;
    let mut out = Vec::new();
    let rule = quote!(::paywire::validate::Rule);
    match f.ty {
        FieldType::String => {
            if f.max_length.is_some() || f.min_length.is_some() {
                out.push(quote!(let n = v.chars().count();));
            }
            if let Some(max) = f.max_length {
                let e = push_error(name, quote!(#rule::MaxLength { max: #max, actual: n }));
                out.push(quote!(if n > #max { #e }));
            }
            if let Some(min) = f.min_length {
                let e = push_error(name, quote!(#rule::MinLength { min: #min, actual: n }));
                out.push(quote!(if n < #min { #e }));
            }
            if let Some(p) = &f.pattern {
                let doc = match &f.pattern_doc {
                    Some(d) => quote!(Some(#d.to_owned())),
                    None => quote!(None),
                };
                let e = push_error(
                    name,
                    quote!(#rule::Pattern { pattern: #p.to_owned(), doc: #doc }),
                );
                out.push(pattern_check(p, quote!(v), e));
            }
            if !f.one_of.is_empty() {
                let vals = &f.one_of;
                let e = push_error(name, quote!(#rule::OneOf(vec![#(#vals.to_owned()),*])));
                out.push(quote!(if !matches!(v.as_str(), #(#vals)|*) { #e }));
            }
            if let Some(sep) = sep.filter(|_| refuses_separator(f, sep)) {
                let e = push_error(name, quote!(#rule::Separator(#sep.to_owned())));
                out.push(quote!(if v.contains(#sep) { #e }));
            }
        }
        FieldType::Integer => {
            if let Some(min) = f.min {
                let e = push_error(name, quote!(#rule::Min(#min)));
                out.push(quote!(if *v < #min { #e }));
            }
            if let Some(max) = f.max {
                let e = push_error(name, quote!(#rule::Max(#max)));
                out.push(quote!(if *v > #max { #e }));
            }
            if !f.one_of.is_empty() {
                let vals = &f.one_of;
                // Only values whose text is exactly an integer's text can ever match.
                let nums: Vec<i64> = f
                    .one_of
                    .iter()
                    .filter_map(|s| s.parse::<i64>().ok().filter(|n| n.to_string() == *s))
                    .collect();
                let e = push_error(name, quote!(#rule::OneOf(vec![#(#vals.to_owned()),*])));
                if nums.is_empty() {
                    out.push(e);
                } else {
                    out.push(quote!(if !matches!(*v, #(#nums)|*) { #e }));
                }
            }
        }
        FieldType::Money => {
            if let Some(min) = f.min {
                let e = push_error(
                    name,
                    quote!(#rule::MinAmount(::paywire::Money::from_minor(#min))),
                );
                out.push(quote!(if v.minor() < #min { #e }));
            }
            if let Some(max) = f.max {
                let e = push_error(
                    name,
                    quote!(#rule::MaxAmount(::paywire::Money::from_minor(#max))),
                );
                out.push(quote!(if v.minor() > #max { #e }));
            }
        }
        FieldType::Strings => {
            if let Some(min) = f.min_items {
                let e = push_error(name, quote!(#rule::MinItems { min: #min, actual: v.len() }));
                out.push(min_items_check(min, e));
            }
            if let Some(max) = f.max_items {
                let e = push_error(name, quote!(#rule::MaxItems { max: #max, actual: v.len() }));
                out.push(quote!(if v.len() > #max { #e }));
            }
            if let Some(p) = &f.item_pattern {
                let e = push_error(
                    name,
                    quote!(#rule::ItemPattern { index, pattern: #p.to_owned() }),
                );
                let check = pattern_check(p, quote!(item), e);
                out.push(quote! {
                    for (index, item) in v.iter().enumerate() {
                        #check
                    }
                });
            }
        }
        FieldType::Time => {
            let e = push_error(name, quote!(#rule::Type(::paywire::time::EXPECTED)));
            out.push(quote!(if !v.is_valid() { #e }));
        }
        FieldType::Object | FieldType::Objects => {
            let many = f.ty == FieldType::Objects;
            if many {
                if let Some(max) = f.max_items {
                    let e =
                        push_error(name, quote!(#rule::MaxItems { max: #max, actual: v.len() }));
                    out.push(quote!(if v.len() > #max { #e }));
                }
                if let Some(min) = f.min_items {
                    let e =
                        push_error(name, quote!(#rule::MinItems { min: #min, actual: v.len() }));
                    out.push(min_items_check(min, e));
                }
            }
            if f.fields.iter().any(|x| has_rules(x, sep)) {
                if many {
                    out.push(quote! {
                        for (i, item) in v.iter().enumerate() {
                            item.check_rules_into(errors, &format!("{prefix}{}[{i}].", #name));
                        }
                    });
                } else {
                    out.push(quote!(v.check_rules_into(errors, &format!("{prefix}{}.", #name));));
                }
            }
        }
        _ => {}
    }
    out
}

/// `if v.len() < min`, written as `is_empty()` for a minimum of one.
fn min_items_check(min: usize, e: TokenStream) -> TokenStream {
    match min {
        0 => quote!(),
        1 => quote!(if v.is_empty() { #e }),
        _ => quote!(if v.len() < #min { #e }),
    }
}

/// `validate()`, `check_rules_into()` and `check_rules()` of a struct whose checked fields are `params`.
fn validate_methods(params: &[&Field], check: &TokenStream) -> TokenStream {
    let struct_args: Vec<TokenStream> = params
        .iter()
        .map(|f| {
            let id = ident(&f.rust_name());
            if f.required {
                quote!(Some(&self.#id))
            } else {
                quote!(self.#id.as_ref())
            }
        })
        .collect();
    quote! {
        /// Check every rule of the spec (a builder or a reader already did; call this after
        /// editing fields).
        pub fn validate(&self) -> Result<(), ::paywire::ValidationErrors> {
            let mut errors = Vec::new();
            self.check_rules_into(&mut errors, "");
            if errors.is_empty() {
                Ok(())
            } else {
                Err(::paywire::ValidationErrors(errors))
            }
        }

        fn check_rules_into(&self, errors: &mut Vec<::paywire::ValidationError>, prefix: &str) {
            Self::check_rules(errors, prefix, #(#struct_args),*);
        }

        #check
    }
}

/// The text of another field's parameter, for a condition: `Option<&str>`-like tokens.
fn condition_text(other: &Field, parent: &str) -> TokenStream {
    let p = param(other);
    match other.ty {
        FieldType::String | FieldType::Unknown => quote!(#p.map(|v| v.as_str())),
        _ => {
            let text = text_expr(other, &nested_name(parent, other));
            quote!(#p.map(|v| #text.to_owned()).as_deref())
        }
    }
}

/// The check function of an outgoing struct: `fn check_rules(errors, prefix, f_a: Option<&A>, ...)`,
/// and the fields passed to it.
fn check_fn<'a>(
    name: &Ident,
    fields: &'a [Field],
    sep: Option<&str>,
) -> (TokenStream, Vec<&'a Field>) {
    let parent = name.to_string();
    let referenced: BTreeSet<&str> = fields
        .iter()
        .flat_map(|f| f.required_when.iter().map(|c| c.field.as_str()))
        .collect();
    let params: Vec<&Field> = fields
        .iter()
        .filter(|f| has_rules(f, sep) || referenced.contains(f.name.as_str()))
        .collect();
    let mut body = Vec::new();
    for f in &params {
        if !has_rules(f, sep) {
            continue;
        }
        let p = param(f);
        let wire = &f.name;
        let rules = field_rules(f, sep);
        let rule = quote!(::paywire::validate::Rule);
        let absent = if f.required {
            push_error(wire, quote!(#rule::Required))
        } else if !f.required_when.is_empty() {
            let conds: Vec<TokenStream> = f
                .required_when
                .iter()
                .map(|c| {
                    let other = fields.iter().find(|o| o.name == c.field);
                    let text = match other {
                        Some(o) => condition_text(o, &parent),
                        None => quote!(None::<&str>),
                    };
                    let is_in = &c.is_in;
                    let not_in = &c.not_in;
                    quote!(::paywire::validate::holds(#text, &[#(#is_in),*], &[#(#not_in),*]))
                })
                .collect();
            let desc: Vec<String> = f.required_when.iter().map(|c| c.describe()).collect();
            let desc = desc.join(" and ");
            let e = push_error(wire, quote!(#rule::RequiredWhen(#desc.to_owned())));
            quote!(if #(#conds)&&* { #e })
        } else {
            quote!()
        };
        let present = if can_be_empty(f) {
            quote!(Some(v) if !v.is_empty())
        } else {
            quote!(Some(v))
        };
        let present_body = if rules.is_empty() {
            quote!(let _ = v;)
        } else {
            quote!(#(#rules)*)
        };
        body.push(quote! {
            match #p {
                #present => { #present_body }
                _ => { #absent }
            }
        });
    }
    let args: Vec<TokenStream> = params
        .iter()
        .map(|f| {
            let p = param(f);
            let ty = rust_type(f, &nested_name(&parent, f));
            quote!(#p: Option<&#ty>)
        })
        .collect();
    let unused: Vec<Ident> = params
        .iter()
        .filter(|f| !has_rules(f, sep))
        .map(|f| param(f))
        .collect();
    let silence = if body.is_empty() {
        quote!(let _ = (errors, prefix);)
    } else {
        quote!()
    };
    let doc = format!(" Check every rule of the spec on the fields of [`{name}`], in spec order.");
    (
        quote! {
            #[doc = #doc]
            #[allow(
                clippy::too_many_arguments,
                clippy::collapsible_if,
                clippy::collapsible_match,
                clippy::single_match
            )]
            fn check_rules(errors: &mut Vec<::paywire::ValidationError>, prefix: &str, #(#args),*) {
                #silence
                #(let _ = #unused;)*
                #(#body)*
            }
        },
        params,
    )
}

// ---- generator ------------------------------------------------------------------------------

struct Gen<'a> {
    spec: &'a Spec,
}

impl Gen<'_> {
    fn default_profile(&self) -> &str {
        &self.spec.gateway.default_profile
    }

    fn profiles(&self) -> TokenStream {
        let spec = self.spec;
        let variants: Vec<Ident> = spec.profiles.keys().map(|n| profile_variant(n)).collect();
        let names: Vec<&String> = spec.profiles.keys().collect();
        let docs: Vec<String> = spec
            .profiles
            .iter()
            .map(|(n, r)| {
                let what = r.doc.clone().unwrap_or_default();
                format!(
                    " `{n}`: {what} Template `{}`, {:?}, {:?} hex.",
                    r.template, r.digest, r.hex
                )
            })
            .collect();
        let default = profile_variant(self.default_profile());
        let digesters = grouped_arms(
            spec.profiles
                .iter()
                .map(|(n, r)| {
                    let v = profile_variant(n);
                    (quote!(Profile::#v), digester_expr(r.digest))
                })
                .collect(),
        );
        let keyed = spec.profiles.values().any(|r| r.digest.is_keyed());
        let silence = if keyed {
            quote!()
        } else {
            quote!(let _ = secret;)
        };
        let finishes = grouped_arms(
            spec.profiles
                .iter()
                .map(|(n, r)| {
                    let v = profile_variant(n);
                    let f = finish_expr(r);
                    (quote!(Profile::#v), quote!(d.#f()))
                })
                .collect(),
        );
        let arms = |f: &dyn Fn(&String, &Recipe) -> TokenStream| {
            grouped_arms(
                spec.profiles
                    .iter()
                    .map(|(n, r)| {
                        let v = profile_variant(n);
                        (quote!(Profile::#v), f(n, r))
                    })
                    .collect(),
            )
        };
        let selects = arms(&|_, r| received_select_arm(r));
        let digests = arms(&|_, r| received_digest_arm(r));
        let sig_fields = arms(&|_, r| {
            let f = &r.signature_field;
            quote!(#f)
        });
        let labels = arms(&|n, _| {
            let l = format!("{}.{n}", spec.gateway.name);
            quote!(#l)
        });
        let compares = arms(&|_, r| {
            if r.compare == Compare::Exact || r.encoding == Encoding::Base64 {
                quote!(::paywire::sign::matches_exact(expected, received))
            } else {
                quote!(::paywire::sign::matches_ignore_case(expected, received))
            }
        });
        let encodings = arms(&|_, r| sig_encoding(r));
        let exacts = arms(&|_, r| {
            let exact = r.compare == Compare::Exact;
            quote!(#exact)
        });
        let key_problems = arms(&|_, r| {
            let missing = r
                .credentials
                .iter()
                .filter(|(_, from)| *from != "secret")
                .map(|(slot, from)| {
                    let msg = missing_credential(slot, from);
                    quote!(if secret.credential(#from).is_none() { return Some(#msg.to_owned()); })
                });
            let rsa = if let Some(problem) = r.request_problem() {
                quote!(Some(#problem.to_owned()))
            } else if r.digest.is_rsa() {
                quote!(::paywire::sign::key_problem(&self.digester(secret)))
            } else {
                quote!(None)
            };
            quote!(#(#missing)* #rsa)
        });
        let any_key_problem = spec.profiles.values().any(may_refuse_key);
        let key_silence = if any_key_problem {
            quote!()
        } else {
            quote!(let _ = secret;)
        };
        let slot_arms = arms(&|_, r| {
            if r.credentials.is_empty() {
                quote!(None)
            } else {
                let names = r.credentials.keys();
                let froms = r.credentials.values();
                quote!(match slot { #(#names => Some(#froms),)* _ => None })
            }
        });
        let any_slot = spec.profiles.values().any(|r| !r.credentials.is_empty());
        let slot_param = if any_slot {
            quote!(slot)
        } else {
            quote!(_slot)
        };
        // Credential slots are not received values: the separator check leaves them out.
        let refuse = if any_slot {
            quote! {
                let received_values: Vec<(&str, ::std::borrow::Cow<'_, str>)> = fields
                    .iter()
                    .filter(|(k, _)| self.credential_of(k).is_none())
                    .cloned()
                    .collect();
                ::paywire::sign::refuse_separators(&received_values, self.join(), allowed)?;
            }
        } else {
            quote!(::paywire::sign::refuse_separators(&fields, self.join(), allowed)?;)
        };
        let joins = arms(&|_, r| {
            let j = &r.join;
            quote!(#j)
        });
        let adds = arms(&|_, r| {
            let pairs = r.adds.iter().map(|(k, v)| quote!((#k, #v)));
            quote!(&[#(#pairs),*])
        });
        let offered = arms(&|_, r| {
            let general = r.signs_every_field();
            quote!(#general)
        });
        // A received message carrying a profile's `adds` values is verified with that profile.
        let markers: Vec<TokenStream> = spec
            .profiles
            .iter()
            .filter(|(_, r)| !r.adds.is_empty())
            .map(|(n, r)| {
                let v = profile_variant(n);
                let checks = r
                    .adds
                    .iter()
                    .map(|(k, val)| quote!(obj.text(#k).as_deref() == Some(#val)));
                quote!(if #(#checks)&&* { return Profile::#v; })
            })
            .collect();
        let obj_param = if markers.is_empty() {
            quote!(_obj)
        } else {
            quote!(obj)
        };
        let body_methods = self.body_methods();
        quote! {
            /// The signing profiles of this gateway.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum Profile {
                #(
                    #[doc = #docs]
                    #variants,
                )*
            }

            impl Profile {
                /// The profile the gateway uses when an operation names none.
                pub const DEFAULT: Profile = Profile::#default;

                /// Every profile.
                pub const ALL: &'static [Profile] = &[#(Profile::#variants),*];

                /// The profile's name in the spec.
                pub fn name(self) -> &'static str {
                    match self { #(Profile::#variants => #names,)* }
                }

                /// The profile of a name in the spec.
                pub fn from_name(name: &str) -> Option<Self> {
                    match name { #(#names => Some(Profile::#variants),)* _ => None }
                }

                /// A fresh digest of this profile (keyed with `secret` for HMAC, the PEM key
                /// in `secret` for RSA).
                pub fn digester(self, secret: &::paywire::Secret) -> ::paywire::sign::Digester {
                    #silence
                    match self { #(#digesters)* }
                }

                /// The signature, in this profile's encoding (hex in its case, or base64).
                pub fn finish(self, d: ::paywire::sign::Digester) -> ::paywire::Signature {
                    match self { #(#finishes)* }
                }

                /// How this profile writes a signature's bytes.
                pub fn encoding(self) -> ::paywire::sign::SigEncoding {
                    match self { #(#encodings)* }
                }

                /// Whether a received hex signature must match in case too (`compare = "exact"`;
                /// base64 always does).
                pub fn exact(self) -> bool {
                    match self { #(#exacts)* }
                }

                /// Why `secret` cannot sign with this profile: a credential slot whose
                /// credential was not given, or an RSA key that is not a private key. `None`
                /// when it can. `prepare` refuses (before signing) when this is `Some`.
                pub fn key_problem(self, secret: &::paywire::Secret) -> Option<String> {
                    #key_silence
                    match self { #(#key_problems)* }
                }

                /// The credential a signed slot of this profile takes its value from
                /// (`"secret"` for the signing secret), `None` for a field.
                pub fn credential_of(self, #slot_param: &str) -> Option<&'static str> {
                    match self { #(#slot_arms)* }
                }

                /// The profile a received message is verified with: the one whose added
                /// fields it carries (`sign_type=HMAC-SHA256`), else `declared`.
                pub fn for_received(#obj_param: &::paywire::received::Object, declared: Profile) -> Profile {
                    #(#markers)*
                    declared
                }

                /// The field that carries the signature.
                pub fn signature_field(self) -> &'static str {
                    match self { #(#sig_fields)* }
                }

                /// `gateway.profile`, for messages.
                pub fn label(self) -> &'static str {
                    match self { #(#labels)* }
                }

                /// What stands between the signed pairs.
                pub fn join(self) -> &'static str {
                    match self { #(#joins)* }
                }

                /// The fields this profile adds to an outgoing message before signing.
                pub fn adds(self) -> &'static [(&'static str, &'static str)] {
                    match self { #(#adds)* }
                }

                /// Whether a merchant may sign requests with this profile: it signs every sent
                /// field (one of the spec's readings of the gateway's recipe), unlike a profile
                /// over a listed set of fields (an answer's rows, a balance).
                pub fn offered(self) -> bool {
                    match self { #(#offered)* }
                }

                /// The profile an answer signed with this one (the spec's) is verified with,
                /// for a request that was signed with `sent`: the merchant's own reading of the
                /// recipe where both are offered ones (the gateway answers in the recipe it
                /// was addressed in; the simulator does), this one otherwise.
                pub fn answering(self, sent: Option<Profile>) -> Profile {
                    match sent {
                        Some(s) if self.offered() && s.offered() => s,
                        _ => self,
                    }
                }

                /// Verify an answer the spec signs with this profile, for a request signed
                /// with `sent`: with [`Profile::answering`] first, then with this one (a
                /// gateway that refuses a request signed in another reading answers in its
                /// own). Either proves the secret's holder made it; the first error is kept.
                pub fn verify_answer(
                    self,
                    sent: Option<Profile>,
                    obj: &::paywire::received::Object,
                    secret: &::paywire::Secret,
                    allowed: &[&str],
                ) -> Result<(), ::paywire::VerifyError> {
                    let first = self.answering(sent);
                    match first.verify_received_allowing(obj, secret, allowed) {
                        Err(e) if first != self => self
                            .verify_received_allowing(obj, secret, allowed)
                            .map_err(|_| e),
                        other => other,
                    }
                }

                /// The fields of a received object this profile signs, in the string's order:
                /// every field as received (unknown ones included, each number's text
                /// unchanged) but the signature and the profile's exclusions (or the listed
                /// fields), each value as it enters the string (after the profile's `strip`
                /// and `encode`; keys stay as received). A credential slot is there with an
                /// empty value, which [`Profile::signature_over`] fills from the secret.
                pub fn signed_fields<'a>(
                    self,
                    obj: &'a ::paywire::received::Object,
                ) -> Vec<(&'a str, ::std::borrow::Cow<'a, str>)> {
                    match self { #(#selects)* }
                }

                /// The digest fed with the canonical string of selected fields (see
                /// [`Profile::signed_fields`]), streamed: finish it with [`Profile::finish`] or
                /// check a received signature with [`Profile::verify_digest`].
                pub fn digest_over(
                    self,
                    fields: &[(&str, ::std::borrow::Cow<'_, str>)],
                    secret: &::paywire::Secret,
                ) -> ::paywire::sign::Digester {
                    let mut c = self.digester(secret);
                    self.write_over(fields, secret, &mut c);
                    c
                }

                /// The canonical string over selected fields, written into any
                /// [`Canon`](::paywire::sign::Canon) (the digest, or a writer for display).
                pub fn write_over<C: ::paywire::sign::Canon>(
                    self,
                    fields: &[(&str, ::std::borrow::Cow<'_, str>)],
                    secret: &::paywire::Secret,
                    c: &mut C,
                ) {
                    let _ = secret;
                    match self { #(#digests)* }
                }

                /// The signature over selected fields, streamed into the digest.
                pub fn signature_over(
                    self,
                    fields: &[(&str, ::std::borrow::Cow<'_, str>)],
                    secret: &::paywire::Secret,
                ) -> ::paywire::Signature {
                    self.finish(self.digest_over(fields, secret))
                }

                /// Whether `received` signs what `d` was fed, in constant time: recomputed and
                /// compared for hashes and HMACs, checked with the public key for RSA.
                pub fn verify_digest(self, d: ::paywire::sign::Digester, received: &str) -> bool {
                    d.verify(received, self.encoding(), self.exact())
                }

                /// Whether `received` is a valid signature over selected fields.
                pub fn verify_over(
                    self,
                    fields: &[(&str, ::std::borrow::Cow<'_, str>)],
                    secret: &::paywire::Secret,
                    received: &str,
                ) -> bool {
                    self.verify_digest(self.digest_over(fields, secret), received)
                }

                /// Whether a received signature matches an expected one (constant time). An
                /// RSA signature cannot be recomputed with a public key: verify those with
                /// [`Profile::verify_over`].
                pub fn matches(self, expected: &str, received: &str) -> bool {
                    match self { #(#compares)* }
                }

                /// Verify the signature a received object carries, over every field as received,
                /// in constant time. A signed value containing the join separator is refused
                /// (its boundaries are ambiguous: a shifted body could carry the same signature).
                pub fn verify_received(
                    self,
                    obj: &::paywire::received::Object,
                    secret: &::paywire::Secret,
                ) -> Result<(), ::paywire::VerifyError> {
                    self.verify_received_allowing(obj, secret, &[])
                }

                /// As [`Profile::verify_received`], accepting the join separator in the values
                /// of the `allowed` fields (those the spec marks `allow_separators`: URLs).
                pub fn verify_received_allowing(
                    self,
                    obj: &::paywire::received::Object,
                    secret: &::paywire::Secret,
                    allowed: &[&str],
                ) -> Result<(), ::paywire::VerifyError> {
                    let received = ::paywire::sign::received_signature(obj, self.signature_field())?;
                    let fields = self.signed_fields(obj);
                    #refuse
                    if self.verify_over(&fields, secret, &received) {
                        Ok(())
                    } else {
                        Err(::paywire::sign::mismatch(self.signature_field(), self.label(), &fields))
                    }
                }

                /// Sign a JSON object body with this profile, keeping every value's text: the
                /// profile's added fields are set, the signature goes last. A test helper that
                /// makes correctly signed payloads (notifications, answers) from examples.
                pub fn sign_json(self, body: &[u8], secret: &::paywire::Secret) -> Result<String, ::paywire::received::ReceiveError> {
                    ::paywire::sign::resign_json(body, self.signature_field(), self.adds(), |obj| {
                        self.signature_over(&self.signed_fields(obj), secret)
                    })
                }

                #body_methods
            }
        }
    }

    /// For a spec with raw-body profiles (webhooks signed into a header): `Profile::body_recipe`,
    /// `Profile::verify_body` and `Profile::sign_body`, and nothing otherwise.
    fn body_methods(&self) -> TokenStream {
        let spec = self.spec;
        if !spec.profiles.values().any(Recipe::over_body) {
            return quote!();
        }
        let arms: Vec<TokenStream> = spec
            .profiles
            .iter()
            .map(|(n, r)| {
                let v = profile_variant(n);
                if !r.over_body() {
                    return quote!(Profile::#v => None,);
                }
                let template = &r.template;
                let header = r.signature_header.as_deref().unwrap_or("");
                let opt = |o: &Option<String>| match o {
                    Some(t) => quote!(Some(#t)),
                    None => quote!(None),
                };
                let format = opt(&r.header_format);
                let ts = opt(&r.timestamp_header);
                let millis = r.timestamp_unit == paywire_spec::TimestampUnit::Millis;
                let tolerance = r.tolerance_secs;
                let creds = r
                    .credentials
                    .iter()
                    .map(|(slot, from)| quote!((#slot, #from)));
                quote! {
                    Profile::#v => Some(::paywire::webhook::BodyRecipe {
                        template: #template,
                        signature_header: #header,
                        header_format: #format,
                        timestamp_header: #ts,
                        millis: #millis,
                        tolerance_secs: #tolerance,
                        credentials: vec![#(#creds),*],
                    }),
                }
            })
            .collect();
        quote! {
            /// The raw-body recipe of this profile (a webhook signed over the body into a
            /// header), or `None` for a recipe over fields.
            pub fn body_recipe(self) -> Option<::paywire::webhook::BodyRecipe<'static>> {
                match self { #(#arms)* }
            }

            /// Verify a raw body against the signature in `headers` (names matched
            /// case-insensitively) at Unix time `now`: the timestamp within the profile's
            /// tolerance, the signature in constant time, and, with a `replay` guard, not seen
            /// before. A profile over fields verifies nothing here.
            pub fn verify_body(
                self,
                body: &[u8],
                headers: &[(&str, &str)],
                secret: &::paywire::Secret,
                now: i64,
                replay: Option<&::paywire::webhook::ReplayGuard>,
            ) -> Result<(), ::paywire::VerifyError> {
                let Some(recipe) = self.body_recipe() else {
                    return Err(::paywire::VerifyError::Missing { field: self.signature_field().to_owned() });
                };
                ::paywire::webhook::verify_body(
                    &recipe,
                    || self.digester(secret),
                    self.encoding(),
                    self.exact(),
                    body,
                    headers,
                    secret,
                    now,
                    replay,
                )
            }

            /// The headers that sign `body` with timestamp text `timestamp` (a test helper, and
            /// what a sandbox sends); empty for a profile over fields.
            pub fn sign_body(self, body: &[u8], timestamp: &str, secret: &::paywire::Secret) -> Vec<(String, String)> {
                match self.body_recipe() {
                    Some(recipe) => ::paywire::webhook::sign_body(
                        &recipe,
                        self.digester(secret),
                        self.encoding(),
                        body,
                        timestamp,
                        secret,
                    ),
                    None => Vec::new(),
                }
            }
        }
    }

    fn error_codes(&self) -> TokenStream {
        let spec = self.spec;
        let variants: Vec<Ident> = spec
            .errors
            .iter()
            .map(|e| format_ident!("{}", e.name))
            .collect();
        let codes: Vec<&String> = spec.errors.iter().map(|e| &e.code).collect();
        let docs: Vec<String> = spec
            .errors
            .iter()
            .map(|e| format!(" `{}`: {}", e.code, e.doc.clone().unwrap_or_default()))
            .collect();
        let meanings: Vec<TokenStream> = spec
            .errors
            .iter()
            .filter_map(|e| {
                let code = &e.code;
                e.meaning.map(|m| {
                    let m = error_meaning(m);
                    quote!(#code => Some(#m),)
                })
            })
            .collect();
        let code_param = if meanings.is_empty() {
            quote!(_code)
        } else {
            quote!(code)
        };
        let meaning_body = if meanings.is_empty() {
            quote!(None)
        } else {
            quote!(match code { #(#meanings)* _ => None })
        };
        quote! {
            /// The gateway's documented error codes; `Other` keeps any code the spec does not list.
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            pub enum ErrorCode {
                #(
                    #[doc = #docs]
                    #variants,
                )*
                /// A code the spec does not document, verbatim.
                Other(String),
            }

            impl ErrorCode {
                /// The variant for a code as the gateway wrote it.
                pub fn from_code(code: &str) -> Self {
                    match code {
                        #(#codes => ErrorCode::#variants,)*
                        other => ErrorCode::Other(other.to_owned()),
                    }
                }

                /// The code as the gateway writes it.
                pub fn code(&self) -> &str {
                    match self {
                        #(ErrorCode::#variants => #codes,)*
                        ErrorCode::Other(c) => c,
                    }
                }

                /// What the spec says a code means (duplicate order, bad signature...).
                pub fn meaning(#code_param: &str) -> Option<::paywire::ErrorMeaning> {
                    #meaning_body
                }

                /// Whether the spec lists a code (a refusal with any other code is indeterminate).
                pub fn documented(code: &str) -> bool {
                    !matches!(Self::from_code(code), ErrorCode::Other(_))
                }
            }

            impl ::std::fmt::Display for ErrorCode {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.code())
                }
            }
        }
    }

    fn used_status_maps(&self) -> BTreeSet<&str> {
        self.spec
            .operations
            .iter()
            .filter_map(|o| o.status.as_deref())
            .chain(
                self.spec
                    .notifications
                    .iter()
                    .filter_map(|n| n.status.as_deref()),
            )
            .filter(|m| self.spec.statuses.contains_key(*m))
            .collect()
    }

    fn status_fn(name: &str) -> Ident {
        format_ident!(
            "status_{}",
            paywire_spec::names::snake_ident(name).trim_end_matches('_')
        )
    }

    fn status_maps(&self) -> TokenStream {
        let fns = self.used_status_maps().into_iter().map(|name| {
            let map = &self.spec.statuses[name];
            let f = Self::status_fn(name);
            let field = &map.field;
            let codes = map.map.keys();
            let commons = map.map.values().map(|s| common_status(*s));
            let default = common_status(map.default);
            let doc = format!(" The `{name}` status map: `{field}` onto the common status.");
            quote! {
                #[doc = #doc]
                fn #f(obj: &::paywire::received::Object) -> Option<::paywire::GatewayStatus> {
                    let code = obj.path(#field)?.sign_text()?;
                    let common = match code.as_str() {
                        #(#codes => #commons,)*
                        _ => #default,
                    };
                    Some(::paywire::GatewayStatus { code, common })
                }
            }
        });
        quote!(#(#fns)*)
    }

    fn status_call(&self, map: Option<&str>, obj: TokenStream) -> TokenStream {
        match map.filter(|m| self.spec.statuses.contains_key(*m)) {
            Some(m) => {
                let f = Self::status_fn(m);
                quote!(#f(#obj))
            }
            None => quote!(None),
        }
    }

    /// A struct for outgoing fields (a request or a nested object), its builder and rules.
    fn outgoing_struct(
        &self,
        name: &Ident,
        doc: &[String],
        fields: &[Field],
        sep: Option<&str>,
        out: &mut Vec<TokenStream>,
    ) {
        let builder = format_ident!("{}Builder", name);
        let parent = name.to_string();
        let mut decls = Vec::new();
        let mut builder_decls = Vec::new();
        let mut setters = Vec::new();
        let mut wires = Vec::new();
        let mut jsons = Vec::new();
        for f in fields {
            let id = ident(&f.rust_name());
            let nested = nested_name(&parent, f);
            if matches!(f.ty, FieldType::Object | FieldType::Objects) {
                let ndoc = doc_lines(&format!("The `{}` object of [`{}`].", f.name, name));
                self.outgoing_struct(&nested, &ndoc, &f.fields, sep, out);
            }
            let ty = rust_type(f, &nested);
            let docs = field_doc(f);
            let wire_name = &f.name;
            let conv = to_wire_value(f);
            let json = json_value(f);
            let rename = serde_rename(f);
            if f.required {
                decls.push(quote! { #(#[doc = #docs])* #rename pub #id: #ty, });
                wires.push(quote! { { let v = &self.#id; wire.push(#wire_name, #conv); } });
                jsons.push(quote! { { let v = &self.#id; ::paywire::wire::push_json_key(out, #wire_name); #json } });
            } else {
                decls.push(quote! {
                    #(#[doc = #docs])*
                    #rename
                    #[serde(default, skip_serializing_if = "Option::is_none")]
                    pub #id: Option<#ty>,
                });
                wires.push(quote! { if let Some(v) = &self.#id { wire.push(#wire_name, #conv); } });
                jsons.push(quote! { if let Some(v) = &self.#id { ::paywire::wire::push_json_key(out, #wire_name); #json } });
            }
            builder_decls.push(quote! { #id: Option<#ty>, });
            let (arg, conv_in) = setter(f, &nested);
            let sdoc = format!(" Set `{}`.", f.name);
            setters.push(quote! {
                #[doc = #sdoc]
                pub fn #id(mut self, value: #arg) -> Self {
                    self.#id = Some(#conv_in);
                    self
                }
            });
        }
        let (check, params) = check_fn(name, fields, sep);
        let validation = validate_methods(&params, &check);
        let builder_args: Vec<TokenStream> = params
            .iter()
            .map(|f| {
                let id = ident(&f.rust_name());
                quote!(self.#id.as_ref())
            })
            .collect();
        let required: Vec<Ident> = fields
            .iter()
            .filter(|f| f.required)
            .map(|f| ident(&f.rust_name()))
            .collect();
        let optional: Vec<Ident> = fields
            .iter()
            .filter(|f| !f.required)
            .map(|f| ident(&f.rust_name()))
            .collect();
        let take_required = if required.is_empty() {
            quote!()
        } else {
            quote! {
                // `check` reported every missing required field above, so all are set here.
                let (#(Some(#required)),*,) = (#(self.#required),*,) else {
                    return Err(::paywire::ValidationErrors(errors));
                };
            }
        };
        let wire_body = if wires.is_empty() {
            quote!(::paywire::WireFields::new())
        } else {
            quote! {
                let mut wire = ::paywire::WireFields::new();
                #(#wires)*
                wire
            }
        };
        let builder_doc =
            format!(" Builder of [`{name}`]; `build()` checks every rule of the spec.");
        out.push(quote! {
            #(#[doc = #doc])*
            ///
            /// Serde uses the wire names (to store a request and resend it with the same order id);
            /// the exact signed body comes from `prepare`.
            #[derive(Debug, Clone, PartialEq, ::paywire::serde::Serialize, ::paywire::serde::Deserialize)]
            #[serde(crate = "::paywire::serde")]
            pub struct #name {
                #(#decls)*
            }

            #[doc = #builder_doc]
            #[derive(Debug, Clone, Default)]
            pub struct #builder {
                #(#builder_decls)*
            }

            impl #builder {
                #(#setters)*

                /// Check every rule of the spec at once (missing fields included); the error
                /// names each broken field and rule.
                pub fn build(self) -> Result<#name, ::paywire::ValidationErrors> {
                    let mut errors = Vec::new();
                    #name::check_rules(&mut errors, "", #(#builder_args),*);
                    if !errors.is_empty() {
                        return Err(::paywire::ValidationErrors(errors));
                    }
                    #take_required
                    Ok(#name { #(#required,)* #(#optional: self.#optional,)* })
                }
            }

            impl #name {
                /// A builder.
                pub fn builder() -> #builder {
                    #builder::default()
                }

                #validation

                /// The fields as they go on the wire, in spec order (before signing).
                pub fn to_wire(&self) -> ::paywire::WireFields {
                    #wire_body
                }

                /// Append the fields as a JSON object, in spec order (before signing).
                pub fn write_json(&self, out: &mut Vec<u8>) {
                    out.push(b'{');
                    #(#jsons)*
                    out.push(b'}');
                }

                /// The fields as compact JSON, in spec order.
                pub fn to_json(&self) -> String {
                    let mut out = Vec::with_capacity(128);
                    self.write_json(&mut out);
                    ::paywire::wire::json_text(out)
                }

                /// A list of these as compact JSON.
                pub fn list_to_json(items: &[Self]) -> String {
                    let mut out = Vec::with_capacity(128 * items.len() + 2);
                    out.push(b'[');
                    for (i, x) in items.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        x.write_json(&mut out);
                    }
                    out.push(b']');
                    ::paywire::wire::json_text(out)
                }
            }
        });
    }

    fn incoming_struct(name: &Ident, doc: &[String], fields: &[Field], out: &mut Vec<TokenStream>) {
        let mut decls = Vec::new();
        let mut reads = Vec::new();
        let mut known = Vec::new();
        for f in fields {
            let id = ident(&f.rust_name());
            let nested = nested_name(&name.to_string(), f);
            if matches!(f.ty, FieldType::Object | FieldType::Objects) {
                let ndoc = doc_lines(&format!("The `{}` object of [`{}`].", f.name, name));
                Self::incoming_struct(&nested, &ndoc, &f.fields, out);
            }
            let ty = rust_type(f, &nested);
            let mut docs = doc_lines(f.doc.as_deref().unwrap_or(""));
            docs.push(String::new());
            docs.push(format!(
                " Wire name `{}` (also read as `{}`).",
                f.name,
                camel_case(&f.name)
            ));
            let read = read_value(f);
            let wire_name = &f.name;
            known.push(wire_name.clone());
            let rename = serde_rename(f);
            if f.required {
                decls.push(quote! { #(#[doc = #docs])* #rename pub #id: #ty, });
                reads.push(quote! { #id: ::paywire::read::required(#read, #wire_name)?, });
            } else {
                decls.push(quote! {
                    #(#[doc = #docs])*
                    #rename
                    #[serde(default, skip_serializing_if = "Option::is_none")]
                    pub #id: Option<#ty>,
                });
                reads.push(quote! { #id: #read, });
            }
        }
        let (check, params) = check_fn(name, fields, None);
        let validation = validate_methods(&params, &check);
        out.push(quote! {
            #(#[doc = #doc])*
            #[derive(Debug, Clone, PartialEq, ::paywire::serde::Serialize)]
            #[serde(crate = "::paywire::serde")]
            pub struct #name {
                #(#decls)*
                /// Every received field the spec does not name, kept as received.
                #[serde(flatten)]
                pub extra: ::std::collections::BTreeMap<String, ::paywire::serde_json::Value>,
            }

            impl ::paywire::read::FromObject for #name {
                fn from_object(obj: &::paywire::received::Object) -> Result<Self, ::paywire::read::ReadError> {
                    Ok(Self {
                        #(#reads)*
                        extra: ::paywire::read::extra(obj, &[#(#known),*]),
                    })
                }
            }

            impl #name {
                #validation
            }
        });
    }

    /// The body of `prepare_with`: validate, sign, encode.
    fn prepare_body(&self, op: &Operation, req: &Ident) -> TokenStream {
        let name = &op.name;
        let path = &op.path;
        let method = match op.method {
            Method::Get => quote!(::paywire::Method::Get),
            Method::Post => quote!(::paywire::Method::Post),
        };
        // The body (or query) writer: fields in spec order, a profile's adds replacing a field of
        // the same name in place or appended, then the signature (in place when declared).
        let profiles: Vec<(&String, &Recipe)> = if op.signed {
            self.spec.profiles.iter().collect()
        } else {
            Vec::new()
        };
        let encoding = op.body();
        let sig_name = |p: &Recipe| p.signature_field.clone();
        let mut writes = Vec::new();
        let is_form = encoding != BodyEncoding::Json;
        for f in &op.request {
            let id = ident(&f.rust_name());
            let wire = &f.name;
            let nested = nested_name(&req.to_string(), f);
            let field_write = if is_form {
                let text = text_expr(f, &nested);
                quote!(form.pair(#wire, #text);)
            } else {
                let json = json_value(f);
                quote!(::paywire::wire::push_json_key(out, #wire); #json)
            };
            let plain = if f.required {
                quote!({ let v = &self.#id; #field_write })
            } else {
                quote!(if let Some(v) = &self.#id { #field_write })
            };
            // Profiles that replace this field: their add value, or the signature. Like the
            // interpreter's `WireFields::set`, in place when the request carries the field,
            // appended after the request's fields when an optional one is unset (below).
            let mut arms = Vec::new();
            for (pname, r) in &profiles {
                let v = profile_variant(pname);
                let write = if sig_name(r) == f.name {
                    self.signature_write(is_form, wire)
                } else if let Some(val) = r.adds.get(&f.name) {
                    const_write(is_form, wire, val)
                } else {
                    continue;
                };
                let write = if f.required {
                    write
                } else {
                    quote!(if self.#id.is_some() { #write })
                };
                arms.push((quote!(Profile::#v), write));
            }
            if arms.is_empty() {
                writes.push(plain);
            } else {
                let arms = grouped_arms(arms);
                writes.push(quote!(match profile { #(#arms)* _ => #plain }));
            }
        }
        // Adds the request does not carry (undeclared, or declared, optional and unset), in the
        // profile's order, then the signature, per profile.
        let unset = |name: &str| -> Option<TokenStream> {
            match op.request.iter().find(|f| f.name == name) {
                None => Some(quote!()),
                Some(f) if f.required => None,
                Some(f) => {
                    let id = ident(&f.rust_name());
                    Some(quote!(self.#id.is_none()))
                }
            }
        };
        let mut arms = Vec::new();
        for (pname, r) in &profiles {
            let v = profile_variant(pname);
            let mut ws = Vec::new();
            let mut appended = |name: &str, write: TokenStream| match unset(name) {
                None => {}
                Some(c) if c.is_empty() => ws.push(write),
                Some(c) => ws.push(quote!(if #c { #write })),
            };
            for (k, val) in &r.adds {
                appended(k, const_write(is_form, k, val));
            }
            appended(
                &r.signature_field,
                self.signature_write(is_form, &r.signature_field),
            );
            arms.push((quote!(Profile::#v), quote!(#(#ws)*)));
        }
        if !arms.is_empty() {
            let arms = grouped_arms(arms);
            writes.push(quote!(match profile { #(#arms)* }));
        }
        let writer = if encoding == BodyEncoding::Xml {
            quote!(::paywire::xml::XmlWriter)
        } else {
            quote!(::paywire::wire::FormWriter)
        };
        let form_init = if writes.is_empty() {
            quote!(let form = #writer::new();)
        } else {
            quote!(let mut form = #writer::new();)
        };
        let (encode, query, body, content_type) = match encoding {
            BodyEncoding::Json => (
                quote! {
                    let mut buf = Vec::with_capacity(384);
                    {
                        let out = &mut buf;
                        out.push(b'{');
                        #(#writes)*
                        out.push(b'}');
                    }
                },
                quote!(None),
                quote!(Some(::paywire::wire::json_text(buf))),
                quote!(Some("application/json")),
            ),
            BodyEncoding::Form => (
                quote! {
                    #form_init
                    #(#writes)*
                },
                quote!(None),
                quote!(Some(form.finish())),
                quote!(Some("application/x-www-form-urlencoded")),
            ),
            BodyEncoding::Query => (
                quote! {
                    #form_init
                    #(#writes)*
                },
                quote!(Some(form.finish())),
                quote!(None),
                quote!(None),
            ),
            BodyEncoding::Xml => (
                quote! {
                    #form_init
                    #(#writes)*
                },
                quote!(None),
                quote!(Some(form.finish())),
                quote!(Some("text/xml")),
            ),
        };
        let headers: Vec<TokenStream> = op
            .headers
            .iter()
            .map(|(h, template)| {
                let parts = split_header(template);
                let pushes = parts.iter().map(|p| match p {
                    Ok(l) => quote!(v.push_str(#l);),
                    Err(c) => quote!(v.push_str(credentials.for_header(#h, #c)?.expose());),
                });
                quote!((#h.to_owned(), { let mut v = String::new(); #(#pushes)* ::paywire::Secret::new(v) }))
            })
            .collect();
        let order_id = match op
            .order_id
            .as_deref()
            .and_then(|k| op.request.iter().find(|f| f.name == k))
        {
            Some(f) => {
                let id = ident(&f.rust_name());
                let text = text_expr(f, &nested_name(&req.to_string(), f));
                if f.required {
                    quote!({ let v = &self.#id; Some(#text.to_owned()) })
                } else {
                    quote!(self.#id.as_ref().map(|v| #text.to_owned()))
                }
            }
            None => quote!(None),
        };
        let (sign, signature) = if op.signed {
            // A profile that cannot sign with the credentials given (a credential slot's
            // credential missing, an RSA key that is no private key) is refused before signing.
            let key_check = self.spec.profiles.values().any(may_refuse_key).then(|| {
                quote! {
                    if let Some(problem) = profile.key_problem(&credentials.secret) {
                        return Err(::paywire::GatewayError::Invalid(::paywire::ValidationErrors(vec![
                            ::paywire::validate::error("", profile.signature_field(), ::paywire::validate::Rule::Other(problem)),
                        ])));
                    }
                }
            });
            (
                quote! {
                    #key_check
                    let signature = self.signature_with(profile, &credentials.secret);
                },
                quote!(Some(signature)),
            )
        } else {
            (quote!(), quote!(None))
        };
        let headers = if headers.is_empty() {
            quote!(Vec::new())
        } else {
            quote!(vec![#(#headers),*])
        };
        quote! {
            self.validate()?;
            #sign
            #encode
            Ok(::paywire::PreparedRequest {
                operation: #name.to_owned(),
                method: #method,
                path: #path.to_owned(),
                query: #query,
                body: #body,
                content_type: #content_type,
                headers: #headers,
                signature: #signature,
                order_id: #order_id,
            })
        }
    }

    fn signature_write(&self, is_form: bool, wire: &str) -> TokenStream {
        if is_form {
            quote!(form.pair(#wire, signature.as_str());)
        } else {
            quote! {
                ::paywire::wire::push_json_key(out, #wire);
                ::paywire::wire::push_json_str(out, signature.as_str());
            }
        }
    }

    fn operation(&self, op: &Operation) -> TokenStream {
        let spec = self.spec;
        let base = upper_camel(&op.name);
        let req = format_ident!("{}Request", base);
        let resp = format_ident!("{}Response", base);
        let op_name = &op.name;
        let mut doc = doc_lines(op.doc.as_deref().unwrap_or(""));
        doc.push(String::new());
        doc.push(format!(
            " `{} {}`, {:?} body.",
            op.method.as_str(),
            op.path,
            op.body()
        ));
        let profile_name = op
            .profile
            .clone()
            .unwrap_or_else(|| self.default_profile().to_owned());
        if op.signed {
            doc.push(format!(" Signed with the `{profile_name}` profile."));
        } else {
            doc.push(" Not signed.".to_owned());
        }
        let mut out = Vec::new();
        let sep = if op.signed {
            spec.profile_for(op.profile.as_deref())
                .map(|r| r.join.as_str())
                .filter(|j| !j.is_empty())
        } else {
            None
        };
        self.outgoing_struct(&req, &doc, &op.request, sep, &mut out);
        let rows_payload = op.rows.as_ref().is_some_and(|r| r.path.is_none());
        if rows_payload {
            let row = format_ident!("{}Row", base);
            let rdoc = doc_lines(&format!(
                "One row of a successful `{}` response (each row is signed and verified).",
                op.name
            ));
            Self::incoming_struct(&row, &rdoc, &op.response, &mut out);
            let wdoc = format!(" The rows of a successful `{}` response.", op.name);
            let count = match op.rows.as_ref().and_then(|r| r.count.as_deref()) {
                Some(c) => {
                    let cdoc = format!(
                        " The number of rows the answer states (`{c}`, beside the rows), as \
                         received; `None` when absent. It is not checked against `rows.len()`."
                    );
                    quote! {
                        #[doc = #cdoc]
                        #[serde(skip_serializing_if = "Option::is_none")]
                        pub count: Option<i64>,
                    }
                }
                None => quote!(),
            };
            out.push(quote! {
                #[doc = #wdoc]
                #[derive(Debug, Clone, PartialEq, ::paywire::serde::Serialize)]
                #[serde(crate = "::paywire::serde")]
                pub struct #resp {
                    /// The rows, each verified with its own signature.
                    pub rows: Vec<#row>,
                    #count
                }
            });
        } else {
            let rdoc = doc_lines(&format!(
                "The payload of a successful `{}` response.",
                op.name
            ));
            Self::incoming_struct(&resp, &rdoc, &op.response, &mut out);
        }
        let read_body = self.read_fn(op, &resp, rows_payload);
        let profile_variant_id = profile_variant(&profile_name);
        let prepare_body = self.prepare_body(op, &req);
        let signing_methods = if op.signed {
            let mut arms = Vec::new();
            let mut docs = vec![" The canonical string's pieces under `profile`, written into any".to_owned(),
                " [`Canon`](::paywire::sign::Canon) (a digest, or a writer for display). The signed".to_owned(),
                " field order was decided by the generator:".to_owned(), String::new()];
            let mut uses_secret = false;
            for (pname, r) in &spec.profiles {
                let v = profile_variant(pname);
                let (arm, secret) = if r.order == Order::PairsCi {
                    // The order depends on the values: the request's wire fields (and the
                    // profile's `adds`) go through the same selection and sort as a received
                    // message's, at run time.
                    (
                        quote! {
                            let mut w = self.to_wire();
                            for (k, v) in Profile::#v.adds() {
                                w.set(k, ::paywire::wire::WireValue::Str((*v).to_owned()));
                            }
                            let obj = ::paywire::received::Object::from_pairs(
                                w.sign_fields().into_iter().filter_map(|f| f.text.map(|t| (f.key, t))),
                            );
                            let fields = Profile::#v.signed_fields(&obj);
                            Profile::#v.write_over(&fields, secret, c);
                        },
                        true,
                    )
                } else {
                    canonical_arm(&req.to_string(), &op.request, r)
                };
                uses_secret |= secret;
                arms.push((quote!(Profile::#v), arm));
                docs.push(format!(" - `{pname}`: `{}`", canonical_doc(&op.request, r)));
            }
            let arms = grouped_arms(arms);
            let silence = if uses_secret {
                quote!()
            } else {
                quote!(let _ = secret;)
            };
            quote! {
                /// The profile this operation signs with.
                pub const PROFILE: Profile = Profile::#profile_variant_id;

                #(#[doc = #docs])*
                pub fn write_canonical<C: ::paywire::sign::Canon>(&self, profile: Profile, secret: &::paywire::Secret, c: &mut C) {
                    #silence
                    match profile { #(#arms)* }
                }

                /// The signature under the operation's profile, streamed into the digest.
                pub fn signature(&self, secret: &::paywire::Secret) -> ::paywire::Signature {
                    self.signature_with(Self::PROFILE, secret)
                }

                /// The signature under another profile of this gateway.
                pub fn signature_with(&self, profile: Profile, secret: &::paywire::Secret) -> ::paywire::Signature {
                    let mut d = profile.digester(secret);
                    self.write_canonical(profile, secret, &mut d);
                    profile.finish(d)
                }

                /// The canonical string under the operation's profile. `Display` and `Debug`
                /// mask the secret; `expose()` gives the exact string.
                pub fn canonical_string(&self, secret: &::paywire::Secret) -> ::paywire::CanonicalString {
                    self.canonical_string_with(Self::PROFILE, secret)
                }

                /// The canonical string under another profile of this gateway.
                pub fn canonical_string_with(&self, profile: Profile, secret: &::paywire::Secret) -> ::paywire::CanonicalString {
                    let mut w = ::paywire::sign::CanonicalWriter::new();
                    self.write_canonical(profile, secret, &mut w);
                    w.finish()
                }

                /// Validate, sign and encode: the request exactly as it will be sent.
                pub fn prepare(&self, credentials: &::paywire::Credentials) -> Result<::paywire::PreparedRequest, ::paywire::GatewayError> {
                    self.prepare_with(Self::PROFILE, credentials)
                }

                /// As [`Self::prepare`], with another profile.
                pub fn prepare_with(&self, profile: Profile, credentials: &::paywire::Credentials) -> Result<::paywire::PreparedRequest, ::paywire::GatewayError> {
                    #prepare_body
                }
            }
        } else {
            quote! {
                /// Validate and encode: the request exactly as it will be sent.
                pub fn prepare(&self, credentials: &::paywire::Credentials) -> Result<::paywire::PreparedRequest, ::paywire::GatewayError> {
                    #prepare_body
                }
            }
        };
        let prepare_request = if op.signed {
            quote!(self.prepare_with(profile.unwrap_or(Self::PROFILE), credentials))
        } else {
            quote! {
                let _ = profile;
                self.prepare(credentials)
            }
        };
        let order_id = match op
            .order_id
            .as_deref()
            .and_then(|k| op.request.iter().find(|f| f.name == k))
        {
            Some(f) => {
                let id = ident(&f.rust_name());
                let text = text_expr(f, &nested_name(&req.to_string(), f));
                if f.required {
                    quote!({ let v = &self.#id; Some(#text.to_owned()) })
                } else {
                    quote!(self.#id.as_ref().map(|v| #text.to_owned()))
                }
            }
            None => quote!(None),
        };
        let maps_status = op.status.is_some();
        // The answer's field that echoes the order id: another value is another order's answer.
        let echo_field = op
            .echo
            .as_deref()
            .filter(|_| !rows_payload)
            .and_then(|e| op.response.iter().find(|f| f.name == e));
        let answer_mismatch = match echo_field {
            Some(f) => {
                let id = ident(&f.rust_name());
                let field = &f.name;
                let text = text_expr(f, &nested_name(&resp.to_string(), f));
                let answered = if f.required {
                    quote!({ let v = &payload.#id; #text.to_owned() })
                } else {
                    quote!(payload.#id.as_ref().map(|v| #text.to_owned())?)
                };
                quote! {
                    let sent = ::paywire::Request::order_id(self)?;
                    let answered = #answered;
                    (answered != sent).then(|| (#field.to_owned(), sent, answered))
                }
            }
            None => quote! {
                let _ = payload;
                None
            },
        };
        out.push(quote! {
            impl #req {
                /// The operation's name in the spec.
                pub const OPERATION: &'static str = #op_name;

                #signing_methods
            }

            impl ::paywire::Request for #req {
                type Payload = #resp;
                type Error = ErrorCode;
                type Profile = Profile;
                const OPERATION: &'static str = #op_name;
                const MAPS_STATUS: bool = #maps_status;

                fn prepare_request(&self, credentials: &::paywire::Credentials, profile: Option<Profile>) -> Result<::paywire::PreparedRequest, ::paywire::GatewayError> {
                    #prepare_request
                }

                fn read_body(body: &[u8], secret: &::paywire::Secret, profile: Option<Profile>) -> Result<::paywire::Response<#resp, ErrorCode>, ::paywire::ResponseError> {
                    #resp::read_as(body, secret, profile)
                }

                fn error_code(code: &str) -> ErrorCode {
                    ErrorCode::from_code(code)
                }

                fn meaning(code: &str) -> Option<::paywire::ErrorMeaning> {
                    ErrorCode::meaning(code)
                }

                fn documented(code: &str) -> bool {
                    ErrorCode::documented(code)
                }

                fn answer_mismatch(&self, payload: &#resp) -> Option<(String, String, String)> {
                    #answer_mismatch
                }

                fn order_id(&self) -> Option<String> {
                    #order_id
                }
            }

            impl #resp {
                /// Read a response body: the envelope, its signature where the spec says it is
                /// signed, then the typed payload.
                pub fn read(body: &[u8], secret: &::paywire::Secret) -> Result<::paywire::Response<#resp, ErrorCode>, ::paywire::ResponseError> {
                    Self::read_as(body, secret, None)
                }

                /// As [`Self::read`], for a request signed with profile `sent`: signatures
                /// the spec makes with one of the offered profiles are verified with `sent`
                /// (see [`Profile::answering`]).
                pub fn read_as(body: &[u8], secret: &::paywire::Secret, sent: Option<Profile>) -> Result<::paywire::Response<#resp, ErrorCode>, ::paywire::ResponseError> {
                    #read_body
                }
            }
        });
        quote!(#(#out)*)
    }

    /// The response reader of an operation, as code.
    fn read_fn(&self, op: &Operation, resp: &Ident, rows_payload: bool) -> TokenStream {
        let spec = self.spec;
        let typed = if rows_payload {
            match op.rows.as_ref().and_then(|r| r.count.as_deref()) {
                Some(c) => quote!(#resp {
                    rows: ::paywire::read::typed_rows(&payload)?,
                    count: ::paywire::read::count(&obj, #c)?,
                }),
                None => quote!(#resp { rows: ::paywire::read::typed_rows(&payload)? }),
            }
        } else {
            quote!(<#resp as ::paywire::read::FromObject>::from_object(
                &::paywire::received::Object::from_raw(&payload).unwrap_or_default()
            )?)
        };
        let parse = if op.body() == BodyEncoding::Xml {
            quote!(::paywire::received::Object::from_xml(body)?)
        } else {
            quote!(::paywire::received::Object::from_json(body)?)
        };
        // The whole body as the payload: as received (JSON), or the document's fields (XML).
        let whole = if op.body() == BodyEncoding::Xml {
            quote!(::paywire::received::Raw::from_object(&obj))
        } else {
            quote!(::paywire::received::Raw::from_body(body))
        };
        let Some(env) = spec.envelope_for(op) else {
            let status = self.status_call(op.status.as_deref(), quote!(&obj));
            return quote! {
                let _ = (secret, sent);
                let obj = #parse;
                let status = #status;
                let payload = #whole;
                Ok(::paywire::Response::Accepted { payload: #typed, status })
            };
        };
        let code_path = &env.code;
        let success = &env.success;
        let payload = match &env.payload {
            Some(p) => quote!(obj.path(#p).unwrap_or_else(::paywire::received::Raw::null)),
            None => whole,
        };
        let mut uses_secret = false;
        let signature = match &env.signature {
            Some(sig) => match spec.profiles.get(&sig.profile) {
                Some(recipe) => {
                    uses_secret = true;
                    let v = profile_variant(&sig.profile);
                    let signed = match sig.scope {
                        SignatureScope::Body => quote!(let signed = &obj;),
                        SignatureScope::Payload => quote! {
                            let signed_payload = ::paywire::received::Object::from_raw(&payload).unwrap_or_default();
                            let signed = &signed_payload;
                        },
                    };
                    let sf = &recipe.signature_field;
                    let container = match sig.scope {
                        SignatureScope::Body => env.payload.as_deref().map(payload_key),
                        SignatureScope::Payload => None,
                    };
                    let allowed = allowed_names(&op.response, container);
                    let verify = quote! {
                        Profile::#v.verify_answer(sent, signed, secret, &[#(#allowed),*])?;
                    };
                    if sig.required_on_error {
                        quote! {
                            #signed
                            #verify
                            let unsigned = false;
                        }
                    } else {
                        quote! {
                            #signed
                            let unsigned = !(success || signed.text(#sf).is_some_and(|s| !s.is_empty()));
                            if !unsigned {
                                #verify
                            }
                        }
                    }
                }
                None => quote!(let unsigned = false;),
            },
            None => quote!(let unsigned = false;),
        };
        // A signed answer's payload (or each signed row) keeps the spec's field rules.
        let check = match &op.rows {
            Some(r) if r.path.is_none() => quote! {
                for row in &payload.rows {
                    row.validate()?;
                }
            },
            Some(_) => quote!(),
            None if env.signature.is_some() => quote!(payload.validate()?;),
            None => quote!(),
        };
        let message = match &env.message {
            Some(m) => quote!(obj.path(#m).and_then(|r| r.sign_text())),
            None => quote!(None),
        };
        let rows = match &op.rows {
            Some(rows) => match spec.profiles.get(&rows.profile) {
                Some(_) => {
                    uses_secret = true;
                    let v = profile_variant(&rows.profile);
                    let list = match &rows.path {
                        Some(p) => {
                            quote!(::paywire::received::Object::from_raw(&payload).ok().and_then(|o| o.path(#p)))
                        }
                        None => quote!(Some(payload.clone())),
                    };
                    let allowed = allowed_names(&op.response, None);
                    quote! {
                        if let Some(list) = #list {
                            for (index, row) in ::paywire::read::row_objects(&list)?.iter().enumerate() {
                                Profile::#v
                                    .verify_answer(sent, row, secret, &[#(#allowed),*])
                                    .map_err(|source| ::paywire::ResponseError::Row { index, source })?;
                            }
                        }
                    }
                }
                None => quote!(),
            },
            None => quote!(),
        };
        let status = match op
            .status
            .as_deref()
            .filter(|m| spec.statuses.contains_key(*m))
        {
            Some(m) => {
                let f = Self::status_fn(m);
                quote!(::paywire::read::first_object(&payload).and_then(|p| #f(&p)))
            }
            None => quote!(None),
        };
        let silence = if uses_secret {
            quote!()
        } else {
            quote!(let _ = (secret, sent);)
        };
        quote! {
            #silence
            let obj = #parse;
            let code = obj
                .path(#code_path)
                .and_then(|r| r.sign_text())
                .ok_or_else(|| ::paywire::ResponseError::NoCode(#code_path.to_owned()))?;
            let success = matches!(code.as_str(), #(#success)|*);
            let payload = #payload;
            #signature
            if !success {
                return Ok(::paywire::Response::Rejected {
                    code: ErrorCode::from_code(&code),
                    raw_code: code,
                    message: #message,
                    unsigned,
                });
            }
            #rows
            let status = #status;
            let payload = #typed;
            #check
            Ok(::paywire::Response::Accepted { payload, status })
        }
    }

    fn notification(&self, n: &paywire_spec::Notification) -> TokenStream {
        let name = format_ident!("{}Notification", upper_camel(&n.name));
        let mut doc = doc_lines(n.doc.as_deref().unwrap_or(""));
        doc.push(String::new());
        doc.push(format!(
            " Reply with `{}` ({}) once handled.",
            n.reply.body, n.reply.content_type
        ));
        let mut out = Vec::new();
        Self::incoming_struct(&name, &doc, &n.fields, &mut out);
        let nname = &n.name;
        let parse = match n.content {
            NotificationContent::Json => quote!(::paywire::received::Object::from_json(body)?),
            NotificationContent::Form => quote!(::paywire::received::Object::from_form(body)?),
            NotificationContent::JsonOrForm => {
                quote!(::paywire::received::Object::from_body(body, content_type)?)
            }
            NotificationContent::Xml => quote!(::paywire::received::Object::from_xml(body)?),
        };
        let ct_silence = if n.content == NotificationContent::JsonOrForm {
            quote!()
        } else {
            quote!(let _ = content_type;)
        };
        let declared = profile_variant(n.profile.as_deref().unwrap_or(self.default_profile()));
        let gw_name = &self.spec.gateway.name;
        let known_profiles = self
            .spec
            .profiles
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let allowed = allowed_names(&n.fields, None);
        let merchant = match &n.merchant_id {
            Some(f) => quote!(::paywire::exchange::check_merchant(&obj, #f, options.merchant_id)?;),
            None => quote!(let _ = options.merchant_id;),
        };
        let order_id = match &n.order_id {
            Some(k) if k.contains('.') => quote!(::paywire::read::order_id(&obj, #k)),
            Some(k) => quote!(obj.text(#k)),
            None => quote!(None),
        };
        let status = self.status_call(n.status.as_deref(), quote!(&obj));
        let reply = &n.reply.body;
        let reply_ct = &n.reply.content_type;
        // A spec with raw-body profiles checks which kind the received profile is: a webhook's
        // signature is in the headers over the body as received.
        let verify_call = if self.spec.profiles.values().any(Recipe::over_body) {
            quote! {
                let profile = Profile::for_received(&obj, declared);
                if profile.body_recipe().is_some() {
                    let _ = allowed;
                    let now = options.now.unwrap_or_else(::paywire::webhook::now_secs);
                    profile.verify_body(body, options.headers, secret, now, options.replay)?;
                } else {
                    profile.verify_received_allowing(&obj, secret, allowed)?;
                }
            }
        } else {
            quote! {
                Profile::for_received(&obj, declared)
                    .verify_received_allowing(&obj, secret, allowed)?;
            }
        };
        out.push(quote! {
            impl #name {
                /// The notification's name in the spec.
                pub const NAME: &'static str = #nname;

                /// The exact reply body the gateway expects once the notification is handled.
                pub const REPLY: &'static str = #reply;

                /// Verify a raw body (every received field but the signature, unknown ones
                /// included) and read it. A body that fails verification is an error; its
                /// payload is not returned. A signed value holding the join separator is
                /// refused (a shifted body could carry the same signature) unless the spec marks
                /// its field `allow_separators`; so are fields that break the spec's rules.
                pub fn verify(body: &[u8], content_type: Option<&str>, secret: &::paywire::Secret) -> Result<::paywire::Verified<#name>, ::paywire::NotificationError> {
                    Self::verify_with(body, content_type, secret, &::paywire::VerifyOptions::default())
                }

                /// As [`Self::verify`], also accepting the join separator in the values of
                /// `also_allowed`: your decision that those fields cannot carry a shifted pair
                /// (text only the gateway writes, never one your customers choose).
                pub fn verify_allowing(body: &[u8], content_type: Option<&str>, secret: &::paywire::Secret, also_allowed: &[&str]) -> Result<::paywire::Verified<#name>, ::paywire::NotificationError> {
                    let options = ::paywire::VerifyOptions { also_allowed, ..Default::default() };
                    Self::verify_with(body, content_type, secret, &options)
                }

                /// As [`Self::verify`], with options: fields also allowed to hold the join
                /// separator, the largest body accepted (1 MiB by default; refused before
                /// any parsing), your merchant id, and the profile to verify with.
                pub fn verify_with(body: &[u8], content_type: Option<&str>, secret: &::paywire::Secret, options: &::paywire::VerifyOptions<'_>) -> Result<::paywire::Verified<#name>, ::paywire::NotificationError> {
                    #ct_silence
                    ::paywire::received::check_size(body, options.max_body)?;
                    let obj = #parse;
                    let also_allowed = options.also_allowed;
                    let spec_allowed: &[&str] = &[#(#allowed),*];
                    let merged: Vec<&str>;
                    let allowed = if also_allowed.is_empty() {
                        spec_allowed
                    } else {
                        merged = spec_allowed.iter().chain(also_allowed).copied().collect();
                        &merged
                    };
                    let declared = match options.profile {
                        None => Profile::#declared,
                        Some(p) => Profile::from_name(p).ok_or_else(|| ::paywire::GatewayError::UnknownProfile {
                            gateway: #gw_name.to_owned(),
                            name: p.to_owned(),
                            known: #known_profiles.to_owned(),
                        })?,
                    };
                    #verify_call
                    // Verified: the fields must also keep the spec's rules.
                    let notification = <#name as ::paywire::read::FromObject>::from_object(&obj)?;
                    notification.validate()?;
                    #merchant
                    let order_id = #order_id;
                    let status = #status;
                    Ok(::paywire::Verified {
                        notification,
                        meta: ::paywire::VerifiedNotification {
                            name: #nname.to_owned(),
                            fields: obj,
                            order_id,
                            status,
                            reply_body: #reply.to_owned(),
                            reply_content_type: #reply_ct.to_owned(),
                        },
                    })
                }
            }
        });
        quote!(#(#out)*)
    }

    fn any_request(&self) -> TokenStream {
        let ops = &self.spec.operations;
        if ops.is_empty() {
            return quote!();
        }
        let variants: Vec<Ident> = ops
            .iter()
            .map(|o| format_ident!("{}", upper_camel(&o.name)))
            .collect();
        let types: Vec<Ident> = ops
            .iter()
            .map(|o| format_ident!("{}Request", upper_camel(&o.name)))
            .collect();
        let names: Vec<&String> = ops.iter().map(|o| &o.name).collect();
        let known = ops
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let canon: Vec<TokenStream> = ops
            .iter()
            .zip(&variants)
            .map(|(o, v)| {
                if o.signed {
                    quote!(AnyRequest::#v(r) => Some(r.canonical_string_with(profile, secret)),)
                } else {
                    quote!(AnyRequest::#v(_) => None,)
                }
            })
            .collect();
        let sigs: Vec<TokenStream> = ops
            .iter()
            .zip(&variants)
            .map(|(o, v)| {
                if o.signed {
                    quote!(AnyRequest::#v(r) => Some(r.signature_with(profile, secret)),)
                } else {
                    quote!(AnyRequest::#v(_) => None,)
                }
            })
            .collect();
        let gateway = &self.spec.gateway.name;
        quote! {
            /// A request of any operation of this gateway: a stored request read back by its
            /// operation's name (`AnyRequest::from_json("create_payout", &stored)`), or tools
            /// that handle every operation alike.
            #[derive(Debug, Clone, PartialEq)]
            pub enum AnyRequest {
                #(
                    #[doc = concat!(" `", #names, "`.")]
                    #variants(#types),
                )*
            }

            impl AnyRequest {
                /// Every operation's name.
                pub const OPERATIONS: &'static [&'static str] = &[#(#names),*];

                /// Read a stored request (its serde JSON, wire names) of the named operation.
                pub fn from_json(operation: &str, json: &str) -> Result<Self, ::paywire::StoredRequestError> {
                    match operation {
                        #(
                            #names => ::paywire::serde_json::from_str::<#types>(json)
                                .map(AnyRequest::#variants)
                                .map_err(|e| ::paywire::StoredRequestError::Invalid { operation: #names, message: e.to_string() }),
                        )*
                        other => Err(::paywire::StoredRequestError::UnknownOperation {
                            gateway: #gateway,
                            name: other.to_owned(),
                            known: #known,
                        }),
                    }
                }

                /// The operation's name.
                pub fn operation(&self) -> &'static str {
                    match self { #(AnyRequest::#variants(_) => #names,)* }
                }

                /// The request as stored (serde JSON with the wire names).
                pub fn to_json(&self) -> String {
                    match self { #(AnyRequest::#variants(r) => ::paywire::serde_json::to_string(r).unwrap_or_default(),)* }
                }

                /// The fields as they go on the wire, in spec order (before signing).
                pub fn to_wire(&self) -> ::paywire::WireFields {
                    match self { #(AnyRequest::#variants(r) => r.to_wire(),)* }
                }

                /// Check every rule of the spec.
                pub fn validate(&self) -> Result<(), ::paywire::ValidationErrors> {
                    match self { #(AnyRequest::#variants(r) => r.validate(),)* }
                }

                /// Validate, sign (with the operation's profile, or `profile`) and encode.
                pub fn prepare(&self, profile: Option<Profile>, credentials: &::paywire::Credentials) -> Result<::paywire::PreparedRequest, ::paywire::GatewayError> {
                    match self { #(AnyRequest::#variants(r) => ::paywire::Request::prepare_request(r, credentials, profile),)* }
                }

                /// The canonical string under `profile` (`None` for an unsigned operation).
                pub fn canonical_string_with(&self, profile: Profile, secret: &::paywire::Secret) -> Option<::paywire::CanonicalString> {
                    let _ = (profile, secret);
                    match self { #(#canon)* }
                }

                /// The signature under `profile` (`None` for an unsigned operation).
                pub fn signature_with(&self, profile: Profile, secret: &::paywire::Secret) -> Option<::paywire::Signature> {
                    let _ = (profile, secret);
                    match self { #(#sigs)* }
                }
            }
        }
    }

    fn any_notification(&self) -> TokenStream {
        let notes = &self.spec.notifications;
        let variants: Vec<Ident> = notes
            .iter()
            .map(|n| format_ident!("{}", upper_camel(&n.name)))
            .collect();
        let types: Vec<Ident> = notes
            .iter()
            .map(|n| format_ident!("{}Notification", upper_camel(&n.name)))
            .collect();
        let names: Vec<&String> = notes.iter().map(|n| &n.name).collect();
        let known = notes
            .iter()
            .map(|n| n.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let gateway = &self.spec.gateway.name;
        quote! {
            /// A verified notification of any kind this gateway sends.
            #[derive(Debug, Clone, PartialEq)]
            pub enum AnyNotification {
                #(
                    #[doc = concat!(" `", #names, "`.")]
                    #variants(#types),
                )*
            }

            impl AnyNotification {
                /// Every notification's name.
                pub const NAMES: &'static [&'static str] = &[#(#names),*];

                /// Verify and read a notification of the named kind.
                pub fn verify(name: &str, body: &[u8], content_type: Option<&str>, secret: &::paywire::Secret) -> Result<::paywire::Verified<Self>, ::paywire::NotificationError> {
                    Self::verify_with(name, body, content_type, secret, &::paywire::VerifyOptions::default())
                }

                /// As [`Self::verify`], with options (the request's headers for a webhook signed
                /// in a header, the time, a replay guard, the merchant id, the profile, ...).
                #[allow(clippy::match_single_binding)]
                pub fn verify_with(name: &str, body: &[u8], content_type: Option<&str>, secret: &::paywire::Secret, options: &::paywire::VerifyOptions<'_>) -> Result<::paywire::Verified<Self>, ::paywire::NotificationError> {
                    match name {
                        #(
                            #names => #types::verify_with(body, content_type, secret, options).map(|v| ::paywire::Verified {
                                notification: AnyNotification::#variants(v.notification),
                                meta: v.meta,
                            }),
                        )*
                        other => {
                            let _ = (body, content_type, secret, options);
                            Err(::paywire::NotificationError::Gateway(::paywire::GatewayError::UnknownNotification {
                            gateway: #gateway.to_owned(),
                            name: other.to_owned(),
                            known: #known.to_owned(),
                        }))
                        }
                    }
                }
            }
        }
    }
}

/// The names whose signed values may hold the join separator (`allow_separators`), and the
/// payload's key when any does (its JSON text carries their values).
fn allowed_names(fields: &[Field], container: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = fields
        .iter()
        .filter(|f| f.allow_separators)
        .map(|f| f.name.clone())
        .collect();
    if let Some(c) = container
        && !out.is_empty()
    {
        out.push(c.to_owned());
    }
    out
}

/// The top-level key of a payload path (`data` of `data.result`).
fn payload_key(path: &str) -> &str {
    path.split('.').next().unwrap_or(path)
}

/// A constant field (a profile's `adds`) written into the body.
fn const_write(is_form: bool, wire: &str, value: &str) -> TokenStream {
    if is_form {
        quote!(form.pair(#wire, #value);)
    } else {
        quote! {
            ::paywire::wire::push_json_key(out, #wire);
            ::paywire::wire::push_json_str(out, #value);
        }
    }
}

/// A header template's pieces: literal text, or the name of a credential in braces.
fn split_header(template: &str) -> Vec<Result<String, String>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        if start > 0 {
            out.push(Ok(rest[..start].to_owned()));
        }
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push(Ok(rest[start..].to_owned()));
            return out;
        };
        out.push(Err(after[..end].to_owned()));
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        out.push(Ok(rest.to_owned()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_keys_like_the_runtime() {
        assert_eq!(encode_text(Encode::None, "a b~"), "a b~");
        assert_eq!(
            encode_text(Encode::Rfc3986, "a b~*-._é"),
            "a%20b~%2A-._%C3%A9"
        );
        assert_eq!(encode_text(Encode::Form, "a b~*-._é"), "a+b%7E*-._%C3%A9");
    }

    #[test]
    fn splits_templates_like_the_interpreter() {
        let parts = split_template("{pairs}&key={secret}", &["pairs", "secret"]);
        assert_eq!(
            parts,
            vec![Err("pairs"), Ok("&key=".to_owned()), Err("secret")]
        );
        let parts = split_template("{a}{pairs", &["pairs", "secret"]);
        assert_eq!(parts, vec![Ok("{a}{pairs".to_owned())]);
        assert_eq!(
            split_header("Bearer {authorization}"),
            vec![Ok("Bearer ".to_owned()), Err("authorization".to_owned())]
        );
        assert_eq!(
            split_header("x{y"),
            vec![Ok("x".to_owned()), Ok("{y".to_owned())]
        );
    }
}
