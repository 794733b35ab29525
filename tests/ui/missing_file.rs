paywire::gateway!("ui/specs/does_not_exist.toml");

fn main() {}
