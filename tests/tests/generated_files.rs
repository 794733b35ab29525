//! The checked-in, pretty-printed output of `cargo xtask codegen` compiles and behaves like the
//! macro's expansion (`cargo xtask check` keeps it identical to what the specs produce).
//! `include!` rather than `#[path]`, so rustfmt leaves the prettyplease output alone.

#[allow(dead_code)]
mod intqp {
    include!("../../generated/intqp.rs");
}

#[allow(dead_code)]
mod diamondpay {
    include!("../../generated/diamondpay.rs");
}

#[allow(dead_code)]
mod goldenpay {
    include!("../../generated/goldenpay.rs");
}

use paywire::{Credentials, Money, Secret};

#[test]
fn checked_in_intqp_code_signs_like_the_provider_crate() {
    let req = intqp::FormRuleRequest::builder()
        .uid("test1")
        .currency("VND")
        .pay_code("1004")
        .timestamp(1758210270)
        .userip("127.0.0.1")
        .build()
        .unwrap();
    let prepared = req.prepare(&Credentials::new(Secret::new("k"))).unwrap();
    assert_eq!(
        prepared.canonical.unwrap().to_string(),
        "currency=VND&pay_code=1004&timestamp=1758210270&uid=test1&userip=127.0.0.1k"
    );
    let err = intqp::WithdrawRequest::builder()
        .amount(Money::from_minor(1))
        .build()
        .unwrap_err();
    assert!(err.names("orderid"));
}
