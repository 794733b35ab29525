paywire::gateway!("tests/ui/specs/syntax_error.toml");

fn main() {}
