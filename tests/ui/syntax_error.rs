paywire::gateway!("ui/specs/syntax_error.toml");

fn main() {}
