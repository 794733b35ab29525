//! Properties over generated inputs: money text round-trips, received bodies never panic,
//! anything signed verifies and any change to a signed field is caught.

use paywire::received::Object;
use paywire::signing::{self, SignField};
use paywire::{Money, Secret};
use proptest::prelude::*;

fn recipe() -> paywire::spec::Recipe {
    let spec = paywire::spec::parse_str(
        "[gateway]\nname = \"p\"\ndefault_profile = \"md5\"\n[profiles.md5]\ndigest = \"md5\"\n",
        "p.toml",
    )
    .expect("spec");
    spec.profiles["md5"].clone()
}

proptest! {
    #[test]
    fn money_text_round_trips(minor in -1_000_000_000_000i64..1_000_000_000_000i64) {
        let m = Money::from_minor(minor);
        prop_assert_eq!(Money::from_decimal_str(&m.to_decimal_string()), Ok(m));
        prop_assert_eq!(Money::from_minor_str(&minor.to_string()), Ok(m));
    }

    #[test]
    fn received_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = Object::from_json(&body);
        let _ = Object::from_form(&body);
        let _ = Object::from_body(&body, None);
    }

    #[test]
    fn signed_fields_verify_and_changes_are_caught(
        pairs in proptest::collection::btree_map("[a-z_]{1,8}", "[^\\u{0}]{1,12}", 1..8),
        flip in any::<prop::sample::Index>(),
    ) {
        let r = recipe();
        let secret = Secret::new("k3y");
        let mut fields: Vec<SignField> =
            pairs.iter().filter(|(k, _)| *k != "sign").map(|(k, v)| SignField::new(k, v)).collect();
        prop_assume!(!fields.is_empty());
        let (_, sig) = signing::sign(&r, &fields, &secret);
        fields.push(SignField::new("sign", sig.as_str()));
        prop_assert!(signing::verify(&r, "p.md5", &fields, &secret).is_ok());
        let i = flip.index(fields.len() - 1);
        let changed = format!("{}x", fields[i].text.clone().unwrap_or_default());
        fields[i].text = Some(changed);
        prop_assert!(signing::verify(&r, "p.md5", &fields, &secret).is_err());
    }
}
