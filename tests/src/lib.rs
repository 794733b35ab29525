//! Cross-crate integration tests live in `tests/tests/`. This library holds what they share:
//! the interpreter's view of the repository's specs (the simulator plays the gateway side from
//! them, while the merchant side is the provider crates' compiled code).

use std::sync::LazyLock;

use paywire::Gateway;

fn load(file: &str) -> Gateway {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    match Gateway::load(&path) {
        Ok(g) => g,
        Err(e) => panic!("{file} does not validate: {e}"),
    }
}

/// `specs/diamondpay.toml`, interpreted.
pub fn diamondpay() -> &'static Gateway {
    static G: LazyLock<Gateway> = LazyLock::new(|| load("../specs/diamondpay.toml"));
    &G
}

/// `specs/goldenpay.toml`, interpreted.
pub fn goldenpay() -> &'static Gateway {
    static G: LazyLock<Gateway> = LazyLock::new(|| load("../specs/goldenpay.toml"));
    &G
}

/// `specs/intqp.toml`, interpreted.
pub fn intqp() -> &'static Gateway {
    static G: LazyLock<Gateway> = LazyLock::new(|| load("../specs/intqp.toml"));
    &G
}
