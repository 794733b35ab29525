paywire::gateway!("ui/specs/bad_type.toml");

fn main() {}
