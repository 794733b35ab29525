//! What public integrations of diamondpay send and read (gateways.md, "Evidence from public
//! integrations"; docs/gateways-answers.md): bodies shaped like their published samples and
//! structs, constructed here (names end in `_constructed`), signed with the spec's profiles, and
//! verified and read by the typed API.

use paywire::{Credentials, Money, NotificationError, Response, Secret, Time, VerifyOptions};
use paywire_diamondpay::*;

const KEY: &str = "diamondpay-test-key";

fn key() -> Secret {
    Secret::new(KEY)
}

fn sign(profile: Profile, body: &str) -> String {
    profile.sign_json(body.as_bytes(), &key()).expect("signs")
}

const JSON: Option<&str> = Some("application/json");

/// A payout notification as the Go and PHP drivers declare it: no `real_amount`, times as Unix
/// seconds (integers).
const PAYOUT_NOTIFICATION: &str = r#"{"payout_id":"POT00000031","payout_cl_id":"M20261201001","platform_id":"PF0002","amount":50000,"fee":1000,"status":3,"create_time":1764547200,"update_time":1764547321}"#;

#[test]
fn payout_notification_without_real_amount_constructed() {
    let body = sign(Profile::Md5, PAYOUT_NOTIFICATION);
    assert!(!body.contains("real_amount"));
    let verified = PayoutNotification::verify(body.as_bytes(), JSON, &key()).expect("verifies");
    let n = &verified.notification;
    assert_eq!(n.real_amount, None);
    assert_eq!(n.amount, Money::from_minor(50000));
    assert_eq!(n.status, 3);
    assert_eq!(n.create_time, Time::Unix(1_764_547_200));
    assert_eq!(n.update_time.unix(), Some(1_764_547_321));
    assert_eq!(verified.delivery_key(), "payout:M20261201001:3");
    // The same notification as a form (one integration reads form fields): every value text.
    let signed: paywire::serde_json::Value = paywire::serde_json::from_str(&body).expect("json");
    let form: Vec<String> = signed
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            format!("{k}={text}")
        })
        .collect();
    let form = form.join("&");
    let verified = PayoutNotification::verify(
        form.as_bytes(),
        Some("application/x-www-form-urlencoded"),
        &key(),
    )
    .expect("form verifies");
    assert_eq!(verified.notification.create_time, Time::Unix(1_764_547_200));
    assert_eq!(verified.notification.real_amount, None);
    // Deposits still carry (and require) real_amount.
    let deposit = sign(
        Profile::Md5,
        r#"{"payment_id":"PM1","payment_cl_id":"D1","platform_id":"PF0003","amount":48389,"fee":484,"status":2,"create_time":1766005863,"update_time":1766006170}"#,
    );
    let err = DepositNotification::verify(deposit.as_bytes(), JSON, &key()).unwrap_err();
    assert!(
        matches!(err, NotificationError::Payload(ref e) if e.field == "real_amount"),
        "{err}"
    );
}

#[test]
fn notification_times_as_unix_seconds_or_text_constructed() {
    // Unix seconds (public integrations) and the date-time text (other copies) both read.
    for (create, expected) in [
        ("1766005863", Time::Unix(1_766_005_863)),
        ("\"1766005863\"", Time::Unix(1_766_005_863)),
        (
            "\"2025-12-17 21:11:03\"",
            Time::Text("2025-12-17 21:11:03".to_owned()),
        ),
    ] {
        let body = sign(
            Profile::Md5,
            &format!(
                r#"{{"payment_id":"PM2","payment_cl_id":"D2","platform_id":"PF0003","amount":48389,"real_amount":48389,"fee":484,"status":2,"create_time":{create},"update_time":1766006170}}"#
            ),
        );
        let verified = DepositNotification::verify(body.as_bytes(), JSON, &key())
            .unwrap_or_else(|e| panic!("{create}: {e}"));
        assert_eq!(verified.notification.create_time, expected, "{create}");
        assert_eq!(verified.notification.update_time, Time::Unix(1_766_006_170));
        // The signature covers the text as received: changing the form breaks it.
        let other = body.replace(
            &format!("\"create_time\":{create}"),
            "\"create_time\":\"2000-01-01 00:00:00\"",
        );
        assert!(DepositNotification::verify(other.as_bytes(), JSON, &key()).is_err());
    }
    // The received text is what was signed: `create_time=1766005863`, digits unchanged.
    let fields =
        paywire::received::Object::from_json(sign(Profile::Md5, PAYOUT_NOTIFICATION).as_bytes())
            .expect("json");
    let signed = Profile::Md5.signed_fields(&fields);
    assert!(
        signed
            .iter()
            .any(|(k, v)| *k == "create_time" && v == "1764547200"),
        "{signed:?}"
    );
    // Neither form: refused after the signature verified, naming the field.
    let body = sign(
        Profile::Md5,
        &PAYOUT_NOTIFICATION.replace("1764547200", "\"yesterday\""),
    );
    let err = PayoutNotification::verify(body.as_bytes(), JSON, &key()).unwrap_err();
    assert!(err.to_string().contains("create_time"), "{err}");
}

#[test]
fn notification_signed_with_the_bare_key_constructed() {
    // What every public integration's gateway signs with: `…&<key>`.
    let body = sign(Profile::Md5BareKey, PAYOUT_NOTIFICATION);
    // The declared profile (md5, `&key=`) refuses it...
    let err = PayoutNotification::verify(body.as_bytes(), JSON, &key()).unwrap_err();
    assert!(matches!(err, NotificationError::Signature(_)), "{err}");
    // ...the bare-key profile, chosen by name, verifies it.
    let options = VerifyOptions {
        profile: Some("md5-bare-key"),
        ..Default::default()
    };
    let verified = PayoutNotification::verify_with(body.as_bytes(), JSON, &key(), &options)
        .expect("verifies with md5-bare-key");
    assert_eq!(verified.notification.real_amount, None);
    // A md5-signed body does not verify under md5-bare-key.
    let md5 = sign(Profile::Md5, PAYOUT_NOTIFICATION);
    assert!(PayoutNotification::verify_with(md5.as_bytes(), JSON, &key(), &options).is_err());
    // A profile the spec does not define is an error, not a silent fallback.
    let options = VerifyOptions {
        profile: Some("md5-key"),
        ..Default::default()
    };
    let err = PayoutNotification::verify_with(body.as_bytes(), JSON, &key(), &options).unwrap_err();
    assert!(matches!(err, NotificationError::Gateway(_)), "{err}");
    assert!(err.to_string().contains("md5-bare-key"), "{err}");
}

/// A query payouts answer as the PHP and Go drivers read it: top-level `total`, rows with
/// platform_channel_id and memo, no real_amount, Unix-second times.
fn payouts_answer() -> String {
    let row = |id: &str, cl: &str, status: u8, memo: &str| {
        sign(
            Profile::Md5,
            &format!(
                r#"{{"payout_id":"{id}","payout_cl_id":"{cl}","platform_id":"PF0002","platform_channel_id":"PC0001","amount":50000,"fee":1000,"status":{status},"memo":"{memo}","create_time":1764547200,"update_time":1764547321}}"#
            ),
        )
    };
    format!(
        r#"{{"error_code":"0000","total":2,"data":[{},{}]}}"#,
        row("POT00000031", "M20261201001", 3, ""),
        row("POT00000032", "M20261201002", 4, "账户名不符")
    )
}

#[test]
fn query_payouts_answer_with_total_and_row_fields_constructed() {
    let body = payouts_answer();
    // The older path's answer has the same shape.
    let Response::Accepted { payload, .. } =
        QueryPayoutsV1Response::read(body.as_bytes(), &key()).expect("v1 reads")
    else {
        panic!("accepted")
    };
    assert_eq!(payload.count, Some(2));
    assert_eq!(payload.rows[1].memo.as_deref(), Some("账户名不符"));
    {
        let Response::Accepted { payload, status } =
            QueryPayoutsResponse::read(body.as_bytes(), &key()).expect("reads")
        else {
            panic!("accepted")
        };
        assert_eq!(payload.count, Some(2));
        assert_eq!(payload.rows.len(), 2);
        let row = &payload.rows[1];
        assert_eq!(row.real_amount, None);
        assert_eq!(row.platform_channel_id.as_deref(), Some("PC0001"));
        assert_eq!(row.memo.as_deref(), Some("账户名不符"));
        assert_eq!(row.create_time, Some(Time::Unix(1_764_547_200)));
        assert_eq!(
            status.map(|s| s.common),
            Some(paywire::CommonStatus::Succeeded)
        );
        // The empty memo of row 0 is left out of its signed string, as every empty value.
        assert_eq!(payload.rows[0].memo.as_deref(), Some(""));
    }
    // Rows stay signed: a changed memo breaks its row.
    let tampered = body.replace("账户名不符", "paid");
    let err = QueryPayoutsResponse::read(tampered.as_bytes(), &key()).unwrap_err();
    assert!(
        matches!(err, paywire::ResponseError::Row { index: 1, .. }),
        "{err}"
    );
    // Rows signed with the bare key (what a gateway addressed in that recipe answers) read
    // with `read_as` the profile the query was made in.
    let bare_row = sign(
        Profile::Md5BareKey,
        r#"{"payout_id":"POT00000033","payout_cl_id":"M20261201003","platform_id":"PF0002","platform_channel_id":"PC0001","amount":50000,"fee":1000,"status":3,"memo":"","create_time":1764547200,"update_time":1764547321}"#,
    );
    let bare_body = format!(r#"{{"error_code":"0000","total":1,"data":[{bare_row}]}}"#);
    let Response::Accepted { payload, .. } =
        QueryPayoutsResponse::read_as(bare_body.as_bytes(), &key(), Some(Profile::Md5BareKey))
            .expect("bare-key rows read as md5-bare-key")
    else {
        panic!("accepted")
    };
    assert_eq!(payload.count, Some(1));
    assert_eq!(payload.rows[0].real_amount, None);
    // Without `total` the answer still reads; count is None.
    let no_total = body.replacen(r#""total":2,"#, "", 1);
    let Response::Accepted { payload, .. } =
        QueryPayoutsResponse::read(no_total.as_bytes(), &key()).expect("reads")
    else {
        panic!("accepted")
    };
    assert_eq!(payload.count, None);
}

#[test]
fn query_payouts_v1_path_constructed() {
    let credentials = Credentials::new(key()).with("authorization", Secret::new("PF0002-AUTH"));
    let prepared = QueryPayoutsV1Request::builder()
        .payout_cl_id("M20261201001")
        .build()
        .expect("builds")
        .prepare(&credentials)
        .expect("prepares");
    assert_eq!(
        prepared.path_and_query(),
        "/gateway/api/v1/payouts?payout_cl_id=M20261201001"
    );
    assert_eq!(prepared.headers[0].0, "Authorization");
    let v2 = QueryPayoutsRequest::builder()
        .payout_cl_id("M20261201001")
        .build()
        .expect("builds")
        .prepare(&credentials)
        .expect("prepares");
    assert_eq!(
        v2.path_and_query(),
        "/gateway/api/v2/payouts?payout_cl_id=M20261201001"
    );
}

#[test]
fn query_deposits_answer_with_total_constructed() {
    let row = sign(
        Profile::Md5,
        r#"{"payment_id":"PM00000018","payment_cl_id":"D20261201001","platform_id":"PF0003","platform_channel_id":"PC0002","payment_cl_name":"王小明","amount":48389,"real_amount":48389,"fee":484,"status":2,"memo":"","create_time":1766005863,"update_time":"2025-12-17 21:16:10"}"#,
    );
    let body = format!(r#"{{"error_code":"0000","total":1,"data":[{row}]}}"#);
    let Response::Accepted { payload, .. } =
        QueryDepositsResponse::read(body.as_bytes(), &key()).expect("reads")
    else {
        panic!("accepted")
    };
    assert_eq!(payload.count, Some(1));
    let row = &payload.rows[0];
    assert_eq!(row.real_amount, Some(Money::from_minor(48389)));
    assert_eq!(row.platform_channel_id.as_deref(), Some("PC0002"));
    assert_eq!(row.create_time, Some(Time::Unix(1_766_005_863)));
    assert_eq!(
        row.update_time,
        Some(Time::Text("2025-12-17 21:16:10".to_owned()))
    );
}

#[test]
fn balance_answer_with_platform_channels_constructed() {
    let channel = |id: &str, name: &str, balance: i64| {
        sign(
            Profile::Channel,
            &format!(
                r#"{{"platform_channel_id":"{id}","channel_name":"{name}","balance":{balance}}}"#
            ),
        )
    };
    let data = sign(
        Profile::Balance,
        &format!(
            r#"{{"platform_id":"PF0002","total":2,"total_balance":1234500,"request_time":1764547200,"platform_channels":[{},{}]}}"#,
            channel("PC0001", "TWD bank card", 1_234_500),
            channel("PC0002", "TWD ATM", 0)
        ),
    );
    let body = format!(r#"{{"error_code":"0000","data":{data}}}"#);
    let Response::Accepted { payload, .. } =
        BalanceResponse::read(body.as_bytes(), &key()).expect("reads")
    else {
        panic!("accepted")
    };
    let channels = payload.platform_channels.expect("platform_channels");
    assert_eq!(payload.total, Some(2));
    assert_eq!(payload.total, i64::try_from(channels.len()).ok());
    assert_eq!(channels[0].balance, Some(Money::from_minor(1_234_500)));
    assert!(payload.extra.is_empty(), "{:?}", payload.extra);
    // A channel row under the list key is verified: tampering with one is refused.
    let tampered = body.replace(r#""balance":0"#, r#""balance":100"#);
    assert!(BalanceResponse::read(tampered.as_bytes(), &key()).is_err());
    // So is the row count, which the outer sign covers.
    let tampered = body.replace(r#""total":2"#, r#""total":3"#);
    assert!(BalanceResponse::read(tampered.as_bytes(), &key()).is_err());
}

#[test]
fn deposit_with_another_service_and_payment_info_constructed() {
    let credentials = Credentials::new(key());
    let builder = CreateDepositRequest::builder()
        .platform_id("PF0003")
        .service_id("SVC0026")
        .payment_cl_id("D20261201002")
        .amount(Money::from_minor(100_000))
        .notify_url("https://merchant.example/notify/deposit")
        .request_time(1_764_547_200);
    // Another service, no last_numbers, no name: as the drivers send it.
    let request = builder.clone().build().expect("builds");
    let prepared = request.prepare(&credentials).expect("prepares");
    assert_eq!(prepared.path, "/gateway/api/v1/payments");
    let body = prepared.body.as_deref().unwrap_or_default();
    assert!(!body.contains("last_numbers"), "{body}");
    assert!(body.contains(r#""amount":"100000""#), "{body}");
    // ATM (SVC0025) still needs last_numbers, as seed 003 says.
    let err = builder.clone().service_id("SVC0025").build().unwrap_err();
    assert!(err.names("last_numbers"), "{err}");
    let atm = builder
        .service_id("SVC0025")
        .last_numbers(["12345"])
        .build()
        .expect("ATM with last_numbers builds");
    assert!(
        atm.canonical_string(&key())
            .expose()
            .contains(r#"last_numbers=["12345"]"#)
    );

    // The answer the drivers read: data.payment_info.payment_id.
    let answer = br#"{"error_code":"0000","data":{"link":"https://pay.example/p/PM00000042?lang=zh&t=1","payment_info":{"payment_id":"PM00000042","payment_cl_id":"D20261201002","amount":100000}}}"#;
    let Response::Accepted { payload, .. } =
        CreateDepositResponse::read(answer, &key()).expect("reads")
    else {
        panic!("accepted")
    };
    let info = payload.payment_info.expect("payment_info");
    assert_eq!(info.payment_id.as_deref(), Some("PM00000042"));
    assert_eq!(info.amount, Some(Money::from_minor(100_000)));
    let Response::Accepted { payload, .. } =
        CreateDepositTwdAtmResponse::read(answer, &key()).expect("reads")
    else {
        panic!("accepted")
    };
    assert_eq!(
        payload.payment_info.and_then(|i| i.payment_id).as_deref(),
        Some("PM00000042")
    );
}
