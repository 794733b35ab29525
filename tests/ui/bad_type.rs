paywire::gateway!("tests/ui/specs/bad_type.toml");

fn main() {}
