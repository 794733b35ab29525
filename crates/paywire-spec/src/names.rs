//! Names: turning wire names into Rust identifiers.

/// Rust keywords that cannot be field names as they are.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Whether `name` is a Rust keyword.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// `paymentClId` / `payment-cl-id` -> `payment_cl_id`; a keyword gets a trailing `_`.
pub fn snake_ident(wire: &str) -> String {
    let mut out = String::with_capacity(wire.len() + 4);
    let mut prev_lower = false;
    for c in wire.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) || out.is_empty() {
        out.insert(0, '_');
    }
    if is_keyword(&out) {
        out.push('_');
    }
    out
}

/// `payment_cl_id` -> `paymentClId`.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `create_payout` -> `CreatePayout`.
pub fn upper_camel(snake: &str) -> String {
    let c = camel_case(snake);
    let mut chars = c.chars();
    match chars.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Whether `s` is a plain snake_case identifier (`[a-z][a-z0-9_]*`).
pub fn is_snake(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `s` is an UpperCamelCase identifier.
pub fn is_upper_camel(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('A'..='Z')) && chars.all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_names() {
        assert_eq!(snake_ident("paymentClId"), "payment_cl_id");
        assert_eq!(snake_ident("bank_code"), "bank_code");
        assert_eq!(snake_ident("type"), "type_");
        assert_eq!(snake_ident("1st"), "_1st");
        assert_eq!(camel_case("payment_cl_id"), "paymentClId");
        assert_eq!(upper_camel("create_payout"), "CreatePayout");
        assert!(is_snake("create_payout"));
        assert!(!is_snake("CreatePayout"));
        assert!(is_upper_camel("DuplicateOrder"));
    }
}
