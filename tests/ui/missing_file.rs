paywire::gateway!("tests/ui/specs/does_not_exist.toml");

fn main() {}
