//! The validation pass: every problem of a parsed spec, each with its path and a hint.

use std::collections::{BTreeMap, BTreeSet};

use crate::location::SpecPath;
use crate::model::{Absent, BodyEncoding, Encoding, Field, FieldType, Method, Order, Recipe, Spec};
use crate::names;

/// One problem found by validation, before it is located in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where in the model.
    pub path: SpecPath,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub help: Option<String>,
}

struct Checker<'a> {
    spec: &'a Spec,
    problems: Vec<Problem>,
    /// Raw text lookup for values serde could not name (unknown types).
    raw: &'a dyn Fn(&SpecPath) -> Option<String>,
}

impl Checker<'_> {
    fn push(
        &mut self,
        path: SpecPath,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        self.problems.push(Problem {
            path,
            message: message.into(),
            help: help.into(),
        });
    }

    /// Whether `raw` finds a value at `path` in the source (false for defaulted keys).
    fn written(&self, path: &SpecPath) -> bool {
        (self.raw)(path).is_some()
    }

    /// Signed answers and rows are verified over their fields: a raw-body recipe cannot serve.
    fn field_recipe(&mut self, path: SpecPath, name: &str) {
        if self
            .spec
            .profiles
            .get(name)
            .is_some_and(|r| r.over_body() || r.signature_header.is_some())
        {
            self.push(
                path,
                format!("profile `{name}` signs a raw body into a header; signed answers and rows are verified over their fields"),
                Some("name a profile whose template uses `{pairs}`".to_owned()),
            );
        }
    }

    fn profile_ref(&mut self, path: SpecPath, name: &str) {
        if !self.spec.profiles.contains_key(name) {
            let help = define_or_use("profiles", name, self.spec.profiles.keys());
            self.push(
                path,
                format!("profile `{name}` is used but not defined"),
                Some(help),
            );
        }
    }

    fn status_ref(&mut self, path: SpecPath, name: &str) {
        if !self.spec.statuses.contains_key(name) {
            let help = define_or_use("statuses", name, self.spec.statuses.keys());
            self.push(
                path,
                format!("status map `{name}` is used but not defined"),
                Some(help),
            );
        }
    }

    fn envelope_ref(&mut self, path: SpecPath, name: &str) {
        if !self.spec.envelopes.contains_key(name) {
            let help = define_or_use("envelopes", name, self.spec.envelopes.keys());
            self.push(
                path,
                format!("envelope `{name}` is used but not defined"),
                Some(help),
            );
        }
    }

    fn gateway(&mut self) {
        let g = &self.spec.gateway;
        let p = SpecPath::root().key("gateway");
        if !names::is_snake(&g.name) {
            self.push(
                p.key("name"),
                format!("gateway name `{}` is not a lowercase identifier", g.name),
                Some("use lowercase letters, digits and `_`, such as `diamondpay`".to_owned()),
            );
        }
        self.profile_ref(p.key("default_profile"), &g.default_profile.clone());
        if let Some(e) = &g.default_envelope {
            self.envelope_ref(p.key("default_envelope"), &e.clone());
        }
    }

    fn recipe(&mut self, name: &str, r: &Recipe) {
        let p = SpecPath::root().key("profiles").key(name);
        let variant = names::upper_camel(&name.replace('-', "_"));
        if !names::is_upper_camel(&variant) {
            self.push(
                p.clone(),
                format!(
                    "profile name `{}` gives no Rust enum variant (it would be `{variant}`)",
                    shorten(name)
                ),
                Some("name profiles with letters, digits, `-` and `_`, starting with a letter, such as `md5-bare-key`".to_owned()),
            );
        }
        if !r.pair.contains("{value}") {
            self.push(
                p.key("pair"),
                format!("pair format `{}` must contain {{value}}", r.pair),
                Some(
                    "write `pair = \"{key}={value}\"`, or `pair = \"{value}\"` for values only"
                        .to_owned(),
                ),
            );
        }
        let over_body = r.template.contains("{body}");
        let over_pairs = r.template.contains("{pairs}");
        if over_body && over_pairs {
            self.push(
                p.key("template"),
                format!(
                    "template `{}` holds both {{pairs}} and {{body}}: a recipe signs fields or the raw body, not both",
                    r.template
                ),
                Some("write `{pairs}` (fields) or `{body}` (the raw body)".to_owned()),
            );
        } else if !over_body && !over_pairs {
            self.push(
                p.key("template"),
                format!(
                    "template `{}` contains neither {{pairs}} nor {{body}}",
                    r.template
                ),
                Some(
                    "write a template such as `{pairs}&key={secret}`, or `{timestamp}{body}` for a raw-body signature"
                        .to_owned(),
                ),
            );
        }
        if r.template.contains("{timestamp}") && r.timestamp_header.is_none() {
            let in_header = r
                .header_format
                .as_deref()
                .is_some_and(|f| f.contains("{timestamp}"));
            if !in_header {
                self.push(
                    p.key("template"),
                    format!(
                        "template `{}` uses {{timestamp}} but no header carries it",
                        r.template
                    ),
                    Some(
                        "add `timestamp_header = \"x-webhook-timestamp\"`, or `{timestamp}` in `header_format`"
                            .to_owned(),
                    ),
                );
            }
        }
        if over_body && r.signature_header.is_none() {
            self.push(
                p.key("template"),
                "a raw-body recipe (`{body}`) sends its signature in a header",
                Some("add `signature_header = \"x-signature\"`".to_owned()),
            );
        }
        if let Some(f) = &r.header_format
            && !f.contains("{signature}")
        {
            self.push(
                p.key("header_format"),
                format!("header format `{f}` has no {{signature}}"),
                Some("write `header_format = \"t={timestamp},v1={signature}\"`".to_owned()),
            );
        }
        if r.header_format.is_some() && r.signature_header.is_none() {
            self.push(
                p.key("header_format"),
                "`header_format` needs `signature_header` (the header it describes)",
                Some("add `signature_header = \"x-signature\"`".to_owned()),
            );
        }
        let has_secret = r.template.contains("{secret}");
        let secret_slot = r.credentials.values().any(|c| c == "secret");
        // A defaulted template (`{pairs}&key={secret}`) is not in the source: point at the digest.
        let template_at = if self.written(&p.key("template")) {
            p.key("template")
        } else {
            p.key("digest")
        };
        if r.digest.is_rsa() && (has_secret || secret_slot) {
            self.push(
                template_at,
                format!(
                    "an RSA digest signs with a private key; the string (`{}`) must not contain {{secret}} or a `\"secret\"` credential slot",
                    r.template
                ),
                Some("write `template = \"{pairs}\"`".to_owned()),
            );
        }
        if !r.digest.is_keyed() && !has_secret && !secret_slot && !r.keyless {
            self.push(
                p.key("template"),
                format!(
                    "template `{}` has no {{secret}}: the signature would not depend on the key",
                    r.template
                ),
                Some(
                    "write `{pairs}&key={secret}`, `{secret}&{pairs}` or `{pairs}{secret}`, or add a credential slot `credentials = { key = \"secret\" }` (or `keyless = true` for a gateway's bare checksum, which proves nothing about its sender)"
                        .to_owned(),
                ),
            );
        }
        if r.encoding == Encoding::Base64 && self.written(&p.key("hex")) {
            self.push(
                p.key("hex"),
                "`hex` sets the case of hex signatures; this profile writes base64",
                Some("remove `hex`, or write `encoding = \"hex\"`".to_owned()),
            );
        }
        if r.order == Order::PairsCi && !r.credentials.is_empty() {
            self.push(
                p.key("order"),
                "`order = \"pairs_ci\"` sorts the written pairs by their text, which would place a credential by its value",
                Some("remove the credential slots, or place the credential with `{secret}` in the template".to_owned()),
            );
        }
        if r.order == Order::Received && r.fields.is_some() {
            self.push(
                p.key("order"),
                "`order = \"received\"` signs the fields in the order they travel; a `fields` list sets its own order",
                Some("write `order = \"listed\"` to sign the listed fields in their listed order".to_owned()),
            );
        }
        if r.absent == Absent::Keep && r.fields.is_none() {
            self.push(
                p.key("absent"),
                "`absent = \"keep\"` keeps the slots of a `fields` list; this profile lists none",
                Some("add `fields = [...]` with the slots in order, or remove `absent`".to_owned()),
            );
        }
        for (slot, from) in &r.credentials {
            if from.is_empty() || from.contains(['{', '}', ' ']) {
                self.push(
                    p.key("credentials").key(slot),
                    format!("credential name `{from}` for slot `{slot}` is not a name"),
                    Some(
                        "write `\"secret\"` or a credential name such as `\"access_key\"`"
                            .to_owned(),
                    ),
                );
            }
            if !over_body
                && let Some(list) = &r.fields
                && !list.contains(slot)
            {
                self.push(
                    p.key("credentials").key(slot),
                    format!("credential slot `{slot}` is not in the profile's `fields` list, so it would never be signed"),
                    Some(format!("add `{slot}` to `fields` where the gateway signs it")),
                );
            }
            if *slot == r.signature_field || r.adds.contains_key(slot) {
                self.push(
                    p.key("credentials").key(slot),
                    format!(
                        "credential slot `{slot}` is also the signature field or an added field"
                    ),
                    Some(
                        "give the slot the name the gateway's recipe uses for the credential"
                            .to_owned(),
                    ),
                );
            }
        }
        if over_body && (r.fields.is_some() || !r.strip.is_empty()) {
            self.push(
                p.key("template"),
                "a raw-body recipe (`{body}`) signs the body as it is: `fields` and `strip` do not apply",
                Some("remove them, or sign fields with `{pairs}`".to_owned()),
            );
        }
        if over_body {
            // Placeholders of a raw-body template: body, timestamp, secret, credential slots.
            let mut rest = r.template.as_str();
            while let Some(open) = rest.find('{') {
                let Some(close) = rest[open..].find('}') else {
                    break;
                };
                let name = &rest[open + 1..open + close];
                if !matches!(name, "body" | "timestamp" | "secret")
                    && !r.credentials.contains_key(name)
                {
                    self.push(
                        p.key("template"),
                        format!("template `{}` names `{{{name}}}`, which is not {{body}}, {{timestamp}}, {{secret}} or a credential slot", r.template),
                        Some(format!("add `credentials = {{ {name} = \"{name}\" }}` if it is a credential the application supplies (Square's notification URL)")),
                    );
                }
                rest = &rest[open + close + 1..];
            }
            for slot in r.credentials.keys() {
                if !r.template.contains(&format!("{{{slot}}}")) {
                    self.push(
                        p.key("credentials").key(slot),
                        format!("credential slot `{slot}` is not in the template `{}`, so it would never be signed", r.template),
                        Some(format!("write `{{{slot}}}` in the template where the gateway signs it")),
                    );
                }
            }
        }
        match (&r.fields, r.order) {
            (None, Order::Listed) => self.push(
                p.key("order"),
                "order `listed` needs an explicit `fields` list",
                Some("add `fields = [\"a\", \"b\"]` or write `order = \"ascii\"`".to_owned()),
            ),
            (Some(list), _) if list.is_empty() => self.push(
                p.key("fields"),
                "the `fields` list is empty: nothing would be signed",
                Some("list the fields to sign, or omit `fields` to sign every field".to_owned()),
            ),
            (Some(list), _) => {
                let mut seen = BTreeSet::new();
                for (i, f) in list.iter().enumerate() {
                    if *f == r.signature_field {
                        self.push(
                            p.key("fields").index(i),
                            format!("`{f}` is the signature field: it cannot sign itself"),
                            Some(format!("remove `{f}` from `fields`")),
                        );
                    }
                    if !seen.insert(f) {
                        self.push(
                            p.key("fields").index(i),
                            format!("field `{f}` is listed twice"),
                            Some("list each field once".to_owned()),
                        );
                    }
                }
            }
            _ => {}
        }
        if r.signature_field.is_empty() {
            self.push(
                p.key("signature_field"),
                "signature_field is empty",
                Some("write `signature_field = \"sign\"`".to_owned()),
            );
        }
        if r.adds.contains_key(&r.signature_field) {
            self.push(
                p.key("adds"),
                format!(
                    "`adds` must not set the signature field `{}`",
                    r.signature_field
                ),
                Some(format!(
                    "remove `{}` from `adds`: the signature is set when signing",
                    r.signature_field
                )),
            );
        }
    }

    fn fields(&mut self, path: SpecPath, fields: &[Field], request: bool) {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut rust_seen: BTreeMap<String, usize> = BTreeMap::new();
        for (i, f) in fields.iter().enumerate() {
            let fp = path.index(i);
            let duplicate_wire = seen.insert(f.name.as_str(), i);
            if let Some(first) = duplicate_wire {
                self.push(
                    fp.key("name"),
                    format!("duplicate wire name `{}` (first at index {first})", f.name),
                    Some(
                        "each wire name may appear once per object; remove or rename one"
                            .to_owned(),
                    ),
                );
            }
            let rust = f.rust_name();
            if f.rust.is_none() && !f.name.is_empty() && !usable_ident(&rust) {
                self.push(
                    fp.key("name"),
                    format!(
                        "wire name `{}` gives no Rust identifier (it would be `{rust}`)",
                        shorten(&f.name)
                    ),
                    Some("set `rust = \"a_name\"` on the field to name it in Rust".to_owned()),
                );
            }
            if let Some(r) = &f.rust
                && (!names::is_snake(r) || names::is_keyword(r))
            {
                self.push(
                    fp.key("rust"),
                    format!("`{r}` is not a usable snake_case Rust field name"),
                    Some("use lowercase letters, digits and `_`, not a keyword".to_owned()),
                );
            }
            // Two fields with the same wire name are reported once, above.
            if rust_seen.insert(rust.clone(), i).is_some() && duplicate_wire.is_none() {
                self.push(
                    fp.key("name"),
                    format!("two fields map to the Rust name `{rust}`"),
                    Some("set `rust = \"...\"` on one of them".to_owned()),
                );
            }
            self.field(fp, f, fields, request);
        }
    }

    fn field(&mut self, fp: SpecPath, f: &Field, siblings: &[Field], request: bool) {
        if f.name.is_empty() {
            self.push(
                fp.key("name"),
                "field name is empty",
                Some("write the wire name exactly as the gateway sends it".to_owned()),
            );
        }
        if f.ty == FieldType::Unknown {
            let raw = (self.raw)(&fp.key("type")).unwrap_or_default();
            self.push(
                fp.key("type"),
                format!("unknown type `{raw}` for field `{}`", f.name),
                Some(format!("write one of: {}", FieldType::NAMES.join(", "))),
            );
        }
        let is_string = f.ty == FieldType::String;
        let is_list = matches!(f.ty, FieldType::Strings | FieldType::Objects);
        if (f.max_length.is_some() || f.min_length.is_some()) && !is_string {
            self.push(
                fp.key(if f.max_length.is_some() {
                    "max_length"
                } else {
                    "min_length"
                }),
                format!(
                    "`{}` is not a string: lengths apply to strings only",
                    f.name
                ),
                Some("remove the length, or use `type = \"string\"`".to_owned()),
            );
        }
        if let (Some(min), Some(max)) = (f.min_length, f.max_length)
            && min > max
        {
            self.push(
                fp.key("min_length"),
                format!("min_length {min} is over max_length {max}"),
                Some("write a min_length no larger than max_length".to_owned()),
            );
        }
        if (f.min_items.is_some() || f.max_items.is_some()) && !is_list {
            self.push(
                fp.key(if f.min_items.is_some() {
                    "min_items"
                } else {
                    "max_items"
                }),
                format!(
                    "`{}` is not a list: item bounds apply to lists only",
                    f.name
                ),
                Some("remove the bound, or use `type = \"strings\"`".to_owned()),
            );
        }
        if let (Some(min), Some(max)) = (f.min_items, f.max_items)
            && min > max
        {
            self.push(
                fp.key("min_items"),
                format!("min_items {min} is over max_items {max}"),
                Some("write a min_items no larger than max_items".to_owned()),
            );
        }
        if f.item_pattern.is_some() && f.ty != FieldType::Strings {
            self.push(
                fp.key("item_pattern"),
                format!(
                    "`{}` is not a list of strings: item_pattern applies to `strings` only",
                    f.name
                ),
                Some("use `pattern` for a single value, or `type = \"strings\"`".to_owned()),
            );
        }
        for (key, pat) in [("pattern", &f.pattern), ("item_pattern", &f.item_pattern)] {
            if let Some(pat) = pat
                && pat.len() > MAX_PATTERN
            {
                self.push(
                    fp.key(key),
                    format!(
                        "`{}` is {} bytes long; a pattern may have at most {MAX_PATTERN}",
                        shorten(pat),
                        pat.len()
                    ),
                    Some("a field pattern describes one value: keep it short".to_owned()),
                );
                continue;
            }
            if let Some(pat) = pat
                && let Err(e) = regex_lite::RegexBuilder::new(pat)
                    .size_limit(PATTERN_SIZE_LIMIT)
                    .build()
            {
                // The runtime matches patterns with regex-lite (generated code and the
                // interpreter alike), so a pattern is valid when regex-lite compiles it. Its
                // message may span several lines; keep the last so the diagnostic is one line.
                let text = e.to_string();
                let reason = text
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .trim_start_matches("error: ")
                    .to_owned();
                let help = "write a regex in the syntax of the `regex-lite` crate (the `regex` \
                            syntax without Unicode classes such as \\p{L}), such as \
                            `^[A-Z]{4}[0-9A-Z]{7}$`";
                self.push(
                    fp.key(key),
                    format!(
                        "`{}` is not a valid regular expression: {}",
                        shorten(pat),
                        shorten(&reason)
                    ),
                    Some(help.to_owned()),
                );
            }
        }
        if f.ty == FieldType::Money && f.money.is_none() {
            self.push(
                fp.key("type"),
                format!("money field `{}` does not say how it is written", f.name),
                Some(
                    "add `money = \"minor\"` (integer cents) or `money = \"decimal\"` (\"100.00\")"
                        .to_owned(),
                ),
            );
        }
        if f.ty != FieldType::Money && f.money.is_some() {
            self.push(
                fp.key("money"),
                format!("`money` is set on `{}`, which is not of type money", f.name),
                Some("remove it, or use `type = \"money\"`".to_owned()),
            );
        }
        if f.max.is_some() && !matches!(f.ty, FieldType::Integer | FieldType::Money) {
            self.push(
                fp.key("max"),
                format!("`max` applies to integers and money, not to `{}`", f.name),
                Some("remove `max`, or use `max_length` for text".to_owned()),
            );
        }
        if let (Some(min), Some(max)) = (f.min, f.max)
            && min > max
        {
            self.push(
                fp.key("min"),
                format!("min {min} is over max {max}"),
                Some("swap them".to_owned()),
            );
        }
        if f.min.is_some() && !matches!(f.ty, FieldType::Integer | FieldType::Money) {
            self.push(
                fp.key("min"),
                format!("`min` applies to integers and money, not to `{}`", f.name),
                Some("remove it, or use `type = \"integer\"` or `type = \"money\"`".to_owned()),
            );
        }
        let is_object = matches!(f.ty, FieldType::Object | FieldType::Objects);
        if is_object && f.fields.is_empty() && request {
            self.push(
                fp.key("fields"),
                format!("object field `{}` has no `fields`", f.name),
                Some(
                    "describe its fields, or use `type = \"json\"` to keep it as raw JSON"
                        .to_owned(),
                ),
            );
        }
        if !is_object && !f.fields.is_empty() {
            self.push(
                fp.key("fields"),
                format!("`{}` has nested fields but is not an object", f.name),
                Some("use `type = \"object\"` or `type = \"objects\"`".to_owned()),
            );
        }
        if is_object {
            self.fields(fp.key("fields"), &f.fields, request);
        }
        for (ci, c) in f.required_when.iter().enumerate() {
            let cp = fp.key("required_when").index(ci);
            match siblings.iter().find(|s| s.name == c.field) {
                None => {
                    let mut seen = BTreeSet::new();
                    let names: Vec<_> = siblings
                        .iter()
                        .map(|s| s.name.as_str())
                        .filter(|n| seen.insert(*n))
                        .collect();
                    self.push(
                        cp.key("field"),
                        format!(
                            "condition on `{}` names field `{}`, which does not exist here",
                            f.name, c.field
                        ),
                        Some(format!("name one of: {}", names.join(", "))),
                    );
                }
                Some(other) => {
                    if !other.one_of.is_empty() {
                        let values = c.is_in.iter().enumerate().map(|(j, v)| ("in", j, v));
                        let not_values = c.not_in.iter().enumerate().map(|(j, v)| ("not_in", j, v));
                        for (key, j, v) in values.chain(not_values) {
                            if !other.one_of.contains(v) {
                                self.push(
                                    cp.key(key).index(j),
                                    format!(
                                        "condition value `{v}` is not an allowed value of `{}`",
                                        other.name
                                    ),
                                    Some(format!("use one of: {}", other.one_of.join(", "))),
                                );
                            }
                        }
                    }
                    if other.name == f.name {
                        self.push(
                            cp.key("field"),
                            "a field's condition cannot name itself",
                            Some("name another field of the same object".to_owned()),
                        );
                    }
                }
            }
            if c.is_in.is_empty() && c.not_in.is_empty() {
                self.push(
                    cp,
                    "condition has neither `in` nor `not_in`",
                    Some("write `{ field = \"currency\", in = [\"VND\", \"THB\"] }`".to_owned()),
                );
            }
        }
    }

    fn operations(&mut self) {
        let mut names_seen = BTreeSet::new();
        for (i, op) in self.spec.operations.iter().enumerate() {
            let p = SpecPath::root().key("operations").index(i);
            if !names::is_snake(&op.name) {
                self.push(
                    p.key("name"),
                    format!("operation name `{}` is not snake_case", op.name),
                    Some(
                        "use lowercase letters, digits and `_`, such as `create_payout`".to_owned(),
                    ),
                );
            }
            if !names_seen.insert(op.name.as_str()) {
                self.push(
                    p.key("name"),
                    format!("duplicate operation `{}`", op.name),
                    Some("give each operation its own name".to_owned()),
                );
            }
            if let Some(e) = &op.echo {
                if !op.response.iter().any(|f| &f.name == e) {
                    self.push(
                        p.key("echo"),
                        format!(
                            "echo field `{}` is not a response field of `{}`",
                            shorten(e),
                            op.name
                        ),
                        Some(
                            "name the response field that carries the order id the answer is about"
                                .to_owned(),
                        ),
                    );
                }
                if op.order_id.is_none() {
                    self.push(
                        p.key("echo"),
                        "`echo` needs `order_id`: the request field it must equal",
                        Some("add `order_id = \"<the request's order id field>\"`".to_owned()),
                    );
                }
            }
            if !op.path.starts_with('/') {
                self.push(
                    p.key("path"),
                    format!("path `{}` must start with `/`", op.path),
                    Some(format!("write `/{}`", op.path)),
                );
            }
            if op.method == Method::Get && op.body() != BodyEncoding::Query {
                // `body` defaults to json: when it is not written, point at the method.
                let at = if self.written(&p.key("body")) {
                    p.key("body")
                } else {
                    p.key("method")
                };
                self.push(
                    at,
                    "a GET request has no body: its fields travel in the query string",
                    Some("write `body = \"query\"`".to_owned()),
                );
            }
            if op.signed
                && let Some(prof) = &op.profile
            {
                self.profile_ref(p.key("profile"), prof);
            }
            if op.signed {
                let name = op
                    .profile
                    .clone()
                    .unwrap_or_else(|| self.spec.gateway.default_profile.clone());
                if self
                    .spec
                    .profiles
                    .get(&name)
                    .is_some_and(|r| r.over_body() || r.signature_header.is_some())
                {
                    let at = if op.profile.is_some() {
                        p.key("profile")
                    } else {
                        p.key("name")
                    };
                    self.push(
                        at,
                        format!(
                            "profile `{name}` signs a raw body into a header: paywire verifies such signatures on notifications, but does not sign requests with them"
                        ),
                        Some("sign the request with a field recipe, or write `signed = false` and authenticate with `headers`".to_owned()),
                    );
                }
            }
            if let Some(e) = &op.envelope {
                self.envelope_ref(p.key("envelope"), e);
            } else if self.spec.gateway.default_envelope.is_none()
                && !self.spec.envelopes.is_empty()
            {
                self.push(
                    p.clone(),
                    format!(
                        "operation `{}` names no envelope and the gateway has no default_envelope",
                        op.name
                    ),
                    Some("add `envelope = \"...\"` or set `gateway.default_envelope`".to_owned()),
                );
            }
            if let Some(s) = &op.status {
                self.status_ref(p.key("status"), s);
                let field = &self.spec.statuses.get(s).map(|m| m.field.clone());
                if let Some(field) = field
                    && !op.response.is_empty()
                    && !op.response.iter().any(|f| &f.name == field)
                {
                    let message = format!(
                        "status map `{s}` reads `{field}`, which is not a response field of `{}`",
                        op.name
                    );
                    self.push(
                        p.key("status"),
                        message,
                        Some(format!("add a response field named `{field}`")),
                    );
                }
            }
            if let Some(rows) = &op.rows {
                self.profile_ref(p.key("rows").key("profile"), &rows.profile);
                self.field_recipe(p.key("rows").key("profile"), &rows.profile);
                // With a path, the count is a key of the payload beside the list: a listed
                // whole-number response field.
                if let (Some(_), Some(count)) = (&rows.path, &rows.count)
                    && !op
                        .response
                        .iter()
                        .any(|f| &f.name == count && f.ty == FieldType::Integer)
                {
                    self.push(
                        p.key("rows").key("count"),
                        format!(
                            "row count `{count}` is not an integer response field of `{}`",
                            op.name
                        ),
                        Some(format!(
                            "add a response field named `{count}` with `type = \"integer\"`"
                        )),
                    );
                }
            }
            if let Some(n) = &op.notification
                && self.spec.notification(n).is_none()
            {
                let known: Vec<_> = self
                    .spec
                    .notifications
                    .iter()
                    .map(|n| n.name.as_str())
                    .collect();
                self.push(
                    p.key("notification"),
                    format!("notification `{n}` is used but not defined"),
                    Some(format!(
                        "define a [[notifications]] named `{n}`, or use one of: {}",
                        known.join(", ")
                    )),
                );
            }
            for (key, field) in [("notify_url", &op.notify_url)] {
                if let Some(f) = field
                    && !op.request.iter().any(|r| &r.name == f)
                {
                    self.push(
                        p.key(key),
                        format!("{key} `{f}` is not a request field of `{}`", op.name),
                        Some("name the request field that carries the URL".to_owned()),
                    );
                }
            }
            if let Some(id) = &op.order_id
                && !op.request.iter().any(|f| &f.name == id)
            {
                self.push(
                    p.key("order_id"),
                    format!("order_id `{id}` is not a request field of `{}`", op.name),
                    Some("name the request field that holds the merchant's order id".to_owned()),
                );
            }
            self.fields(p.key("request"), &op.request, true);
            self.fields(p.key("response"), &op.response, false);
        }
    }

    fn notifications(&mut self) {
        let mut names_seen = BTreeSet::new();
        for (i, n) in self.spec.notifications.iter().enumerate() {
            if let Some(m) = &n.merchant_id
                && !n.fields.iter().any(|f| &f.name == m)
            {
                self.push(
                    SpecPath::root()
                        .key("notifications")
                        .index(i)
                        .key("merchant_id"),
                    format!(
                        "merchant_id `{}` is not a field of `{}`",
                        shorten(m),
                        n.name
                    ),
                    Some("name the notification field that carries the merchant's id".to_owned()),
                );
            }
            let p = SpecPath::root().key("notifications").index(i);
            if !names::is_snake(&n.name) {
                self.push(
                    p.key("name"),
                    format!("notification name `{}` is not snake_case", n.name),
                    Some(
                        "use lowercase letters, digits and `_`, such as `payout_notify`".to_owned(),
                    ),
                );
            }
            if !names_seen.insert(n.name.as_str()) {
                self.push(
                    p.key("name"),
                    format!("duplicate notification `{}`", n.name),
                    Some("give each notification its own name".to_owned()),
                );
            }
            if let Some(prof) = &n.profile {
                self.profile_ref(p.key("profile"), prof);
            }
            if let Some(s) = &n.status {
                self.status_ref(p.key("status"), s);
            }
            if let Some(id) = &n.order_id
                && !resolves(&n.fields, id)
            {
                self.push(
                    p.key("order_id"),
                    format!("order_id `{id}` is not a field of `{}`", n.name),
                    Some("name the field that holds the merchant's order id, or a dotted path into an `object` or `json` field (`data.reference`)".to_owned()),
                );
            }
            self.fields(p.key("fields"), &n.fields, false);
        }
    }

    fn envelopes(&mut self) {
        for (name, e) in &self.spec.envelopes {
            let p = SpecPath::root().key("envelopes").key(name);
            if e.success.is_empty() {
                self.push(
                    p.key("success"),
                    "no success code: every response would be a rejection",
                    Some("write `success = [\"0000\"]`".to_owned()),
                );
            }
            if let Some(sig) = &e.signature {
                self.profile_ref(p.key("signature").key("profile"), &sig.profile);
                self.field_recipe(p.key("signature").key("profile"), &sig.profile);
            }
        }
    }

    fn errors(&mut self) {
        let mut seen = BTreeSet::new();
        for (i, e) in self.spec.errors.iter().enumerate() {
            let p = SpecPath::root().key("errors").index(i);
            if !names::is_upper_camel(&e.name) {
                self.push(
                    p.key("name"),
                    format!("error name `{}` is not UpperCamelCase", e.name),
                    Some("write a name such as `DuplicateOrder`".to_owned()),
                );
            }
            if !seen.insert(e.code.as_str()) {
                self.push(
                    p.key("code"),
                    format!("duplicate error code `{}`", e.code),
                    Some("list each error code once".to_owned()),
                );
            }
        }
    }
}

/// `define [table.name] or use one of: a, b` (without the list when nothing is defined).
/// The longest pattern a field may have, in bytes.
const MAX_PATTERN: usize = 1024;
/// The most memory a compiled pattern may take (regex-lite's size limit).
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// A value shortened for a message: at most 60 characters, with `…` when cut.
pub fn shorten(text: &str) -> String {
    if text.chars().count() <= 60 {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(60).collect::<String>())
    }
}

/// Whether a Rust name made from a wire name is an identifier generated code can use: a
/// letter or `_` first, then letters, digits and `_`, with at least one letter or digit.
fn usable_ident(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z' | 'A'..='Z' | '_'))
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.chars().any(|c| c.is_ascii_alphanumeric())
}

fn define_or_use<'k>(table: &str, name: &str, known: impl Iterator<Item = &'k String>) -> String {
    let known: Vec<_> = known.map(String::as_str).collect();
    if known.is_empty() {
        format!("define [{table}.{name}]")
    } else {
        format!(
            "define [{table}.{name}] or use one of: {}",
            known.join(", ")
        )
    }
}

/// Every problem of `spec`. `raw` returns the source text of a string value at a path (used to
/// name values serde could not represent).
pub fn problems(spec: &Spec, raw: &dyn Fn(&SpecPath) -> Option<String>) -> Vec<Problem> {
    let mut c = Checker {
        spec,
        problems: Vec::new(),
        raw,
    };
    c.gateway();
    for (name, r) in &spec.profiles {
        c.recipe(name, r);
    }
    c.envelopes();
    c.errors();
    c.operations();
    c.notifications();
    c.problems
}

/// Whether `path` names a field of `fields`: a field's name, or a dotted path through `object`
/// fields' own fields, possibly ending inside a `json` field (whose shape is free).
fn resolves(fields: &[Field], path: &str) -> bool {
    if fields.iter().any(|f| f.name == path) {
        return true;
    }
    let Some((head, rest)) = path.split_once('.') else {
        return false;
    };
    fields.iter().any(|f| {
        f.name == head
            && match f.ty {
                FieldType::Json => !rest.is_empty(),
                FieldType::Object => resolves(&f.fields, rest),
                _ => false,
            }
    })
}
