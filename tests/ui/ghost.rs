// `specs/ghost.toml` is not in the manifest directory, only beside this file and in the
// directory above the manifest directory: the macro must not find it there.
paywire::gateway!("specs/ghost.toml");

fn main() {}
