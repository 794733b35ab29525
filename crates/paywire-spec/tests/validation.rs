//! A malformed spec is refused with located diagnostics: each names the file, line and column of
//! the offending value, says what is wrong, and its help says what to write instead.

use paywire_spec::{Diagnostic, SpecErrors, parse_str};

/// Every diagnostic of `src` (which must be refused).
#[track_caller]
fn diagnostics(src: &str) -> Vec<Diagnostic> {
    match parse_str(src, "demo.toml") {
        Ok(_) => panic!("the spec was accepted:\n{src}"),
        Err(SpecErrors(d)) => d,
    }
}

/// The single diagnostic of `src`.
#[track_caller]
fn only(src: &str) -> Diagnostic {
    let d = diagnostics(src);
    assert_eq!(d.len(), 1, "expected one problem, got:\n{}", SpecErrors(d));
    d.into_iter().next().unwrap()
}

/// `d` is at `line:column` and its span covers exactly `text`.
#[track_caller]
fn assert_at(src: &str, d: &Diagnostic, line: usize, column: usize, text: &str) {
    assert_eq!((d.line, d.column), (line, column), "wrong location: {d}");
    assert_eq!(&src[d.span.clone()], text, "wrong span: {d}");
}

#[track_caller]
fn assert_message(d: &Diagnostic, needle: &str) {
    assert!(d.message.contains(needle), "message lacks {needle:?}: {d}");
}

#[track_caller]
fn assert_help(d: &Diagnostic, needle: &str) {
    let help = d.help.as_deref().unwrap_or_else(|| panic!("no help: {d}"));
    assert!(help.contains(needle), "help lacks {needle:?}: {d}");
}

#[test]
fn unknown_type() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "pay"
method = "POST"
path = "/pay"

[[operations.request]]
name = "amount"
type = "strng"
"#;
    let d = only(src);
    assert_at(src, &d, 15, 8, r#""strng""#);
    assert_message(&d, "unknown type `strng`");
    assert_message(&d, "field `amount`");
    assert_eq!(d.path, "operations[0].request[0].type");
    assert_help(
        &d,
        "write one of: string, integer, boolean, money, strings, object, objects, json, time",
    );
}

#[test]
fn unknown_type_in_an_inline_table() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[notifications]]
name = "paid"
reply = { content_type = "text/plain", body = "success" }
fields = [{ name = "id", type = "string" }, { name = "amount", type = "decimal" }]
"#;
    let d = only(src);
    assert_at(src, &d, 11, 71, r#""decimal""#);
    assert_message(&d, "unknown type `decimal` for field `amount`");
    assert_eq!(d.path, "notifications[0].fields[1].type");
    assert_help(&d, "money");
}

#[test]
fn profile_used_but_not_defined() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[profiles.hmac]
digest = "hmac-sha256"
template = "{pairs}"

[[operations]]
name = "pay"
method = "POST"
path = "/pay"
profile = "sha256"
"#;
    let d = only(src);
    assert_at(src, &d, 16, 11, r#""sha256""#);
    assert_message(&d, "profile `sha256` is used but not defined");
    assert_help(&d, "define [profiles.sha256] or use one of: hmac, md5");
}

#[test]
fn default_profile_not_defined() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5-key]
digest = "md5"
"#;
    let d = only(src);
    assert_at(src, &d, 3, 19, r#""md5""#);
    assert_message(&d, "profile `md5` is used but not defined");
    assert_help(&d, "define [profiles.md5] or use one of: md5-key");
}

#[test]
fn envelope_signature_profile_not_defined() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"
default_envelope = "standard"

[profiles.md5]
digest = "md5"

[envelopes.standard]
code = "status"
success = ["10000"]
signature = { profile = "md5-upper", scope = "body" }
"#;
    let d = only(src);
    assert_at(src, &d, 12, 25, r#""md5-upper""#);
    assert_eq!(d.path, "envelopes.standard.signature.profile");
    assert_message(&d, "profile `md5-upper` is used but not defined");
    assert_help(&d, "define [profiles.md5-upper]");
}

#[test]
fn duplicate_wire_name_is_reported_once() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "pay"
method = "POST"
path = "/pay"

[[operations.request]]
name = "amount"
type = "money"
money = "minor"

[[operations.request]]
name = "amount"
type = "string"
"#;
    // One problem, not a second "two fields map to the Rust name" for the same cause.
    let d = only(src);
    assert_at(src, &d, 19, 8, r#""amount""#);
    assert_eq!(d.path, "operations[0].request[1].name");
    assert_message(&d, "duplicate wire name `amount`");
    assert_help(&d, "remove or rename one");
}

#[test]
fn two_wire_names_with_one_rust_name() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "pay"
method = "POST"
path = "/pay"
request = [
    { name = "payment_cl_id", type = "string" },
    { name = "paymentClId", type = "string" },
]
"#;
    let d = only(src);
    assert_at(src, &d, 14, 14, r#""paymentClId""#);
    assert_message(&d, "two fields map to the Rust name `payment_cl_id`");
    assert_help(&d, "set `rust = \"...\"`");
}

#[test]
fn required_when_names_a_field_that_does_not_exist() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "payout"
method = "POST"
path = "/payouts"

[[operations.request]]
name = "currency"
type = "string"

[[operations.request]]
name = "account_org_code"
type = "string"
required_when = [{ field = "currency", in = ["VND", "THB"] }, { field = "country", in = ["VN"] }]
"#;
    let d = only(src);
    assert_at(src, &d, 20, 73, r#""country""#);
    assert_eq!(d.path, "operations[0].request[1].required_when[1].field");
    assert_message(&d, "names field `country`, which does not exist here");
    assert_help(&d, "name one of: currency, account_org_code");
}

#[test]
fn required_when_value_outside_the_other_fields_enum() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "payout"
method = "POST"
path = "/payouts"

[[operations.request]]
name = "account_type"
type = "string"
enum = ["CPF", "CNPJ", "PHONE", "EMAIL", "EVP"]

[[operations.request]]
name = "account_email"
type = "string"
required_when = [{ field = "account_type", in = ["E-MAIL"] }]
"#;
    let d = only(src);
    assert_at(src, &d, 21, 50, r#""E-MAIL""#);
    assert_eq!(d.path, "operations[0].request[1].required_when[0].in[0]");
    assert_message(
        &d,
        "condition value `E-MAIL` is not an allowed value of `account_type`",
    );
    assert_help(&d, "use one of: CPF, CNPJ, PHONE, EMAIL, EVP");
}

#[test]
fn invalid_regex_pattern() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "pay"
method = "POST"
path = "/pay"

[[operations.request]]
name = "bank_ifsc"
type = "string"
pattern = "[A-Z]{4"
pattern_doc = "an IFSC"
"#;
    let d = only(src);
    assert_at(src, &d, 16, 11, r#""[A-Z]{4""#);
    assert_message(&d, "`[A-Z]{4` is not a valid regular expression");
    // The regex crate's multi-line report is reduced to its reason: one line per diagnostic.
    assert!(!d.message.contains('\n'), "{d}");
    assert_help(&d, "regex");
}

#[test]
fn invalid_item_pattern() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "pay"
method = "POST"
path = "/pay"
request = [{ name = "last_numbers", type = "strings", item_pattern = "(\\d{5}" }]
"#;
    let d = only(src);
    assert_at(src, &d, 12, 70, r#""(\\d{5}""#);
    assert_eq!(d.path, "operations[0].request[0].item_pattern");
    assert_message(&d, "is not a valid regular expression");
}

#[test]
fn money_without_money_format() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "pay"
method = "POST"
path = "/pay"

[[operations.request]]
name = "amount"
type = "money"
required = true
"#;
    let d = only(src);
    assert_at(src, &d, 15, 8, r#""money""#);
    assert_message(&d, "money field `amount` does not say how it is written");
    assert_help(&d, r#"money = "minor""#);
    assert_help(&d, r#"money = "decimal""#);
}

#[test]
fn hmac_template_may_contain_the_secret_but_rsa_may_not() {
    // WeChat Pay v2: the key ends the string and keys the HMAC. Accepted.
    let src = r#"[gateway]
name = "demo"
default_profile = "hmac"

[profiles.hmac]
digest = "hmac-sha256"
template = "{pairs}&key={secret}"
"#;
    parse_str(src, "demo.toml").unwrap_or_else(|e| panic!("{e}"));
    // An RSA profile signs with a private key: the default template, which holds the secret,
    // is refused at the digest.
    let src = r#"[gateway]
name = "demo"
default_profile = "rsa"

[profiles.rsa]
doc = "SHA256withRSA."
digest = "rsa-sha256"
"#;
    let d = only(src);
    assert_at(src, &d, 7, 10, r#""rsa-sha256""#);
    assert_message(&d, "an RSA digest signs with a private key");
    assert_help(&d, r#"template = "{pairs}""#);
}

#[test]
fn md5_template_without_the_secret() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"
hex = "upper"
template = "{pairs}"
"#;
    let d = only(src);
    assert_at(src, &d, 8, 12, r#""{pairs}""#);
    assert_message(&d, "template `{pairs}` has no {secret}");
    assert_help(
        &d,
        "`{pairs}&key={secret}`, `{secret}&{pairs}` or `{pairs}{secret}`",
    );
}

#[test]
fn get_with_a_json_body() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "query_payouts"
method = "GET"
path = "/payouts"
body = "json"
"#;
    let d = only(src);
    assert_at(src, &d, 12, 8, r#""json""#);
    assert_message(&d, "a GET request has no body");
    assert_help(&d, r#"body = "query""#);
}

#[test]
fn get_defaults_to_the_query_string_and_refuses_a_json_body() {
    // Without a `body` key a GET sends its fields in the query string; writing `body = "json"`
    // on a GET is refused at the value.
    let base = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "query_payouts"
method = "GET"
path = "/payouts"
"#;
    let spec = paywire_spec::parse_str(base, "demo.toml").expect("a GET without body is valid");
    assert_eq!(spec.operations[0].body(), paywire_spec::BodyEncoding::Query);
    let src = format!("{base}body = \"json\"\n");
    let d = only(&src);
    assert_at(&src, &d, 12, 8, r#""json""#);
    assert_message(&d, "a GET request has no body");
    assert_help(&d, r#"body = "query""#);
}

#[test]
fn toml_syntax_error() {
    let src = r#"[gateway]
name = "demo
default_profile = "md5"

[profiles.md5]
digest = "md5"
"#;
    let d = only(src);
    // The unterminated string: the parser stops at the end of line 2.
    assert_eq!((d.line, d.column), (2, 13), "{d}");
    assert_eq!(d.path, "");
    assert_message(&d, "invalid basic string");
}

#[test]
fn unknown_key_suggests_the_closest_one() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "pay"
method = "POST"
path = "/pay"

[[operations.request]]
name = "name"
type = "string"
maxlength = 16
"#;
    let d = only(src);
    assert_at(src, &d, 16, 1, "maxlength");
    assert_message(&d, "unknown field `maxlength`");
    assert_message(&d, "`max_length`");
    assert_help(&d, "did you mean `max_length`?");
    assert_help(&d, "specs/README.md");
}

#[test]
fn unknown_key_in_a_profile() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"
sign_field = "signature"
"#;
    let d = only(src);
    assert_at(src, &d, 7, 1, "sign_field");
    assert_message(&d, "unknown field `sign_field`");
    assert_help(&d, "specs/schema.json");
}

#[test]
fn missing_key() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "pay"
method = "POST"
path = "/pay"

[[operations.request]]
name = "amount"
"#;
    let d = only(src);
    assert_at(src, &d, 13, 1, "[[operations.request]]");
    assert_message(&d, "missing field `type`");
    assert_help(&d, "add the `type` key");
}

#[test]
fn unknown_value_of_a_closed_set() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md4"
"#;
    let d = only(src);
    assert_at(src, &d, 6, 10, r#""md4""#);
    assert_message(
        &d,
        "unknown variant `md4`, expected one of `md5`, `sha1`, `sha256`, `sha512`, `hmac-sha1`, `hmac-sha256`, `hmac-sha512`, `rsa-sha1`, `rsa-sha256`",
    );
}

#[test]
fn every_problem_is_reported_at_once_in_source_order() {
    let src = r#"[gateway]
name = "Demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"
template = "{pairs}"

[profiles.hmac]
digest = "hmac-sha256"
template = "{secret}{pairs}"

[[operations]]
name = "query"
method = "GET"
body = "json"
path = "query"
profile = "sha"

[[operations.request]]
name = "amount"
type = "money"

[[operations.request]]
name = "currency"
type = "strng"

[[operations.request]]
name = "bank_code"
type = "string"
pattern = "(["
required_when = [{ field = "country", in = ["VN"] }]

[[operations.request]]
name = "amount"
type = "string"
"#;
    let found: Vec<(usize, usize, &str)> = diagnostics(src)
        .iter()
        .map(|d| (d.line, d.column, &src[d.span.clone()]))
        .collect();
    let expected = vec![
        (2, 8, r#""Demo""#),      // gateway name not lowercase
        (7, 12, r#""{pairs}""#),  // md5 template without {secret}
        (16, 8, r#""json""#),     // GET with a json body
        (17, 8, r#""query""#),    // path without a leading `/`
        (18, 11, r#""sha""#),     // profile not defined
        (22, 8, r#""money""#),    // money without `money`
        (26, 8, r#""strng""#),    // unknown type
        (31, 11, r#""([""#),      // invalid regex
        (32, 28, r#""country""#), // condition on a missing field
        (35, 8, r#""amount""#),   // duplicate wire name
    ];
    assert_eq!(found, expected, "\n{}", SpecErrors(diagnostics(src)));
    for d in diagnostics(src) {
        assert!(d.help.is_some(), "no help: {d}");
        assert!(!d.message.contains('\n'), "multi-line message: {d}");
    }
}

#[test]
fn diagnostics_print_as_file_line_column_message_and_help() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "pay"
method = "POST"
path = "/pay"
request = [{ name = "amount", type = "strng" }]
"#;
    let err = parse_str(src, "specs/demo.toml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "1 problem in spec:\n\
         specs/demo.toml:12:38: unknown type `strng` for field `amount` (at operations[0].request[0].type)\n  \
         help: write one of: string, integer, boolean, money, strings, object, objects, json, time\n"
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    let src = r#"[gateway]
name = "demo"
title = "Démo — 演示"
default_profile = "md5"

[profiles.md5]
doc = "Démo — 演示"; digest = "md5"
"#;
    // A TOML syntax error after multi-byte characters on the same line.
    let d = only(src);
    assert_eq!((d.line, d.column), (7, 18), "{d}");
    assert_message(&d, "expected newline");
}

#[test]
fn listed_fields_must_not_include_the_signature_field() {
    let src = r#"[gateway]
name = "demo"
default_profile = "balance-row"

[profiles.balance-row]
digest = "md5"
order = "listed"
fields = ["platform_channel_id", "channel_name", "balance", "sign"]
"#;
    let d = only(src);
    assert_at(src, &d, 8, 61, r#""sign""#);
    assert_eq!(d.path, "profiles.balance-row.fields[3]");
    assert_message(&d, "`sign` is the signature field");
    assert_help(&d, "remove `sign` from `fields`");
}

/// A spec with one request field named `name` (and whatever else `extra` adds to the field).
fn with_field(name: &str, extra: &str) -> String {
    format!(
        "[gateway]\nname = \"t\"\ndefault_profile = \"md5\"\n[profiles.md5]\ndigest = \"md5\"\n\
         [[operations]]\nname = \"o\"\nmethod = \"POST\"\npath = \"/o\"\n\
         [[operations.request]]\nname = {name:?}\ntype = \"string\"\n{extra}"
    )
}

#[test]
fn wire_names_that_give_no_rust_identifier_are_refused_where_they_are() {
    for name in ["_", "(", "-", "__", "&="] {
        let err = paywire_spec::parse_str(&with_field(name, ""), "t.toml").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("gives no Rust identifier"), "{name}: {text}");
        assert!(
            text.contains("t.toml:11:"),
            "{name}: located at the name: {text}"
        );
        assert!(text.contains("set `rust ="), "{name}: {text}");
    }
    // Naming it in Rust makes it usable (the fuzzer runs the generator on every valid spec).
    let spec = paywire_spec::parse_str(&with_field("(", "rust = \"paren\""), "t.toml").unwrap();
    assert_eq!(spec.operations[0].request[0].rust_name(), "paren");
}

#[test]
fn a_huge_pattern_is_refused_and_shortened_in_the_message() {
    let huge = "a".repeat(10_000);
    let err = paywire_spec::parse_str(&with_field("x", &format!("pattern = {huge:?}")), "t.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("10000 bytes long"), "{err}");
    assert!(
        err.len() < 1000,
        "the pattern is not echoed whole: {} bytes",
        err.len()
    );
    // A short pattern whose compiled form is too big is refused too.
    let err = paywire_spec::parse_str(&with_field("x", "pattern = \"(a{1000}){1000}\""), "t.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("is not a valid regular expression"), "{err}");
}

#[test]
fn many_duplicate_operations_are_all_located() {
    let mut src = String::from(
        "[gateway]\nname = \"t\"\ndefault_profile = \"md5\"\n[profiles.md5]\ndigest = \"md5\"\n",
    );
    for _ in 0..10_000 {
        src.push_str("[[operations]]\nname = \"o\"\nmethod = \"POST\"\npath = \"/o\"\n");
    }
    let err = paywire_spec::parse_str(&src, "t.toml").unwrap_err();
    assert_eq!(err.0.len(), 9_999, "every duplicate is reported");
    let last = err.0.last().unwrap();
    assert_eq!(last.line, 7 + 4 * 9_999, "{last:?}");
}

#[test]
fn row_count_inside_the_payload_names_an_integer_response_field() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "balance"
method = "GET"
path = "/balance"
rows = { path = "channels", profile = "md5", count = "total" }

[[operations.response]]
name = "total"
type = "string"

[[operations.response]]
name = "channels"
type = "objects"
"#;
    let d = only(src);
    assert_message(
        &d,
        "row count `total` is not an integer response field of `balance`",
    );
    assert_eq!(d.path, "operations[0].rows.count");
    assert_help(&d, "type = \"integer\"");
    // An integer field, or a count beside a list payload (a path in the body), is fine.
    assert!(
        parse_str(
            &src.replace(r#"type = "string""#, r#"type = "integer""#),
            "demo.toml"
        )
        .is_ok()
    );
    let beside = src.replace(r#"path = "channels", "#, "");
    assert!(parse_str(&beside, "demo.toml").is_ok());
}

#[test]
fn time_fields_are_valid_everywhere() {
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[operations]]
name = "pay"
method = "POST"
path = "/pay"

[[operations.request]]
name = "request_time"
type = "time"
wire = "string"
required = true

[[operations.response]]
name = "create_time"
type = "time"

[[notifications]]
name = "paid"
reply = { content_type = "text/plain", body = "ok" }
fields = [{ name = "create_time", type = "time", required = true }]
"#;
    assert!(parse_str(src, "demo.toml").is_ok());
    // Bounds are for integers and amounts only.
    let d = only(&src.replace("wire = \"string\"", "min = 1"));
    assert_eq!(d.path, "operations[0].request[0].min");
}

#[test]
fn every_deserialization_error_at_once() {
    // Five tables, each with a problem serde stops at (missing required keys included); blanking
    // a table out to read on is not itself reported (no "missing field `gateway`").
    let src = r#"[gateway]
name = "demo"
default_profile = "md5"
colour = "blue"

[profiles.md5]
digest = "sha384"

[[operations]]
name = "pay"
method = "POST"
path = "/pay"

[[operations.request]]
name = "amount"
type = "money"
max_length = "32"

[[operations]]
method = "POST"
path = "/refund"

[[notifications]]
name = "paid"
"#;
    let d = diagnostics(src);
    assert_eq!(d.len(), 5, "{}", SpecErrors(d.clone()));
    assert_at(src, &d[0], 4, 1, "colour");
    assert_message(&d[0], "unknown field `colour`");
    assert_help(&d[0], "see specs/README.md");
    assert_at(src, &d[1], 7, 10, "\"sha384\"");
    assert_message(&d[1], "unknown variant `sha384`, expected one of `md5`");
    assert_eq!((d[2].line, d[2].column), (17, 14), "{}", d[2]);
    assert_message(&d[2], "invalid type: string \"32\"");
    assert_eq!(d[3].line, 19, "{}", d[3]);
    assert_message(&d[3], "missing field `name`");
    assert_help(&d[3], "add the `name` key here");
    assert_eq!(d[4].line, 23, "{}", d[4]);
    assert_message(&d[4], "missing field `reply`");
}

#[test]
fn a_syntax_error_is_reported_alone() {
    let src = "[gateway]\nname = \"demo\"\ncolour = \"blue\"\n[profiles.md5\n";
    let d = only(src);
    assert_eq!(d.line, 4, "{d}");
}

/// The vocabulary of other gateways' recipes: each misuse is located, with what to write.
#[test]
fn recipe_vocabulary_misuses_are_located_with_help() {
    let src = r#"[gateway]
name = "demo"
default_profile = "values"

[profiles.values]
fields = ["a", "b"]
order = "listed"
pair = "{value}"
join = ""
template = "{pairs}"
credentials = { KEY = "secret" }
digest = "sha512"

[profiles.rsa]
digest = "rsa-sha256"
template = "{pairs}&key={secret}"
encoding = "base64"

[profiles.slots]
absent = "keep"
digest = "md5"
template = "{pairs}{secret}"
hex = "upper"
encoding = "base64"

[profiles.hook]
digest = "hmac-sha256"
template = "{timestamp}.{body}{url}"

[[operations]]
name = "pay"
method = "POST"
path = "/pay"
profile = "hook"
"#;
    let d = diagnostics(src);
    let text = SpecErrors(d.clone()).to_string();
    let find = |needle: &str| {
        d.iter()
            .find(|x| x.message.contains(needle))
            .unwrap_or_else(|| panic!("no problem mentions {needle:?}:\n{text}"))
            .clone()
    };
    // A credential slot that the `fields` list does not place is never signed.
    let slot = find("credential slot `KEY` is not in the profile's `fields` list");
    assert_help(&slot, "add `KEY` to `fields`");
    // RSA signs with a private key: no secret in the string.
    let rsa = find("an RSA digest signs with a private key");
    assert_at(src, &rsa, 16, 12, r#""{pairs}&key={secret}""#);
    // `absent` needs a list of slots; `hex` means nothing for base64.
    let absent = find("`absent = \"keep\"` keeps the slots of a `fields` list");
    assert_at(src, &absent, 20, 10, r#""keep""#);
    assert_help(&find("sets the case of hex signatures"), "remove `hex`");
    // A raw-body recipe: a header for the signature, a header for the timestamp, known
    // placeholders, and it is not a request's recipe.
    assert_help(
        &find("sends its signature in a header"),
        "signature_header = \"x-signature\"",
    );
    assert_help(
        &find("uses {timestamp} but no header carries it"),
        "timestamp_header",
    );
    assert_help(&find("names `{url}`"), "credentials = { url = \"url\" }");
    let op = find("profile `hook` signs a raw body into a header");
    assert_at(src, &op, 34, 11, r#""hook""#);
    assert_help(&op, "signed = false");
}

/// A spec of the new vocabulary that validates: values only with a kept slot and the secret in
/// the middle, base64, a raw-body webhook with a credential in its template.
#[test]
fn recipe_vocabulary_accepts_what_real_gateways_sign() {
    let src = r#"[gateway]
name = "demo"
default_profile = "values"

[profiles.values]
fields = ["a", "KEY", "b"]
order = "listed"
pair = "{value}"
join = "|"
empty = "keep"
absent = "keep"
template = "{pairs}"
credentials = { KEY = "secret" }
digest = "sha1"
encoding = "base64"
strip = { a = ".," }
encode = "rfc3986"

[profiles.hook]
digest = "hmac-sha512"
template = "{url}{timestamp}{body}"
credentials = { url = "notification_url" }
signature_header = "X-Sig"
header_format = "t={timestamp},v1={signature}"
timestamp_unit = "millis"
tolerance_secs = 60

[profiles.wechat-hmac]
digest = "hmac-sha256"
template = "{pairs}&key={secret}"
hex = "upper"
"#;
    let spec = parse_str(src, "demo.toml").unwrap_or_else(|e| panic!("{e}"));
    assert!(spec.profiles["hook"].over_body());
    assert!(!spec.profiles["values"].over_body());
}

/// A notification's order id may sit inside the event: a dotted path through `object` fields or
/// into a `json` field. A path through a scalar, or into nothing, is refused.
#[test]
fn notification_order_id_may_be_a_dotted_path() {
    let spec = |order_id: &str| {
        format!(
            r#"[gateway]
name = "demo"
default_profile = "md5"

[profiles.md5]
digest = "md5"

[[notifications]]
name = "event"
order_id = "{order_id}"
reply = {{ content_type = "text/plain", body = "" }}

[[notifications.fields]]
name = "data"
type = "json"

[[notifications.fields]]
name = "order"
type = "object"

[[notifications.fields.fields]]
name = "ref"
type = "string"

[[notifications.fields]]
name = "kind"
type = "string"
"#
        )
    };
    for ok in ["data.object.metadata.order_id", "order.ref", "kind"] {
        parse_str(&spec(ok), "demo.toml").unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    for bad in ["kind.x", "order.nope", "missing.x", "data."] {
        let src = spec(bad);
        let d = only(&src);
        assert_message(&d, "is not a field of `event`");
        assert_help(&d, "dotted path");
    }
}

/// Sorting by the written pairs would place a credential by its value: refused with help.
#[test]
fn pairs_ci_order_refuses_credential_slots() {
    let src = r#"[gateway]
name = "demo"
default_profile = "x"

[profiles.x]
digest = "md5"
order = "pairs_ci"
template = "{pairs}"
credentials = { key = "secret" }
"#;
    let d = only(src);
    assert_at(src, &d, 7, 9, r#""pairs_ci""#);
    assert_message(&d, "would place a credential by its value");
    assert_help(&d, "remove the credential slots");
}

/// A recipe without a key is refused unless it says `keyless`; `received` order takes no list.
#[test]
fn keyless_must_be_said_and_received_order_takes_no_list() {
    let keyless = |flag: &str| {
        format!(
            "[gateway]\nname = \"demo\"\ndefault_profile = \"x\"\n\n[profiles.x]\ndigest = \"md5\"\ntemplate = \"{{pairs}}\"\n{flag}"
        )
    };
    let d = only(&keyless(""));
    assert_message(&d, "has no {secret}");
    assert_help(&d, "keyless = true");
    parse_str(&keyless("keyless = true\n"), "demo.toml").unwrap_or_else(|e| panic!("{e}"));
    let src = r#"[gateway]
name = "demo"
default_profile = "x"

[profiles.x]
digest = "md5"
order = "received"
fields = ["a"]
template = "{pairs}{secret}"
"#;
    let d = only(src);
    assert_at(src, &d, 7, 9, r#""received""#);
    assert_help(&d, "order = \"listed\"");
}
