//! paywire provider for intqp, generated from `specs/intqp.toml`.

paywire::gateway!("specs/intqp.toml");
