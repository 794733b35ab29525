//! A gateway paywire knows only from its spec: WeChat Pay API v2 (`tests/gateways/wechatpay_v2.toml`).
//!
//! The spec was written from the public documentation alone, and the documentation publishes a
//! worked signature example (安全规范, https://pay.weixin.qq.com/wiki/doc/api/H5.php?chapter=4_3,
//! quoted verbatim by https://cnblogs.com/swing07/p/10820506.html): concrete parameters, a
//! concrete key, stringA, stringSignTemp and the resulting sign. The spec must reproduce it
//! exactly, through the dynamic gateway and through the typed API the macro generates.
//!
//! Every literal below comes from the documentation pages cited next to it. The gateway speaks
//! XML (`body = "xml"`, `content = "xml"`) and signs with MD5 or HMAC-SHA256 (the key both in the
//! string and as the HMAC key).

use paywire::received::Object;
use paywire::signing::SignField;
use paywire::{CommonStatus, Credentials, Gateway, Money, Secret};

const SPEC: &str = "gateways/wechatpay_v2.toml";

mod wechatpay {
    paywire::gateway!("gateways/wechatpay_v2.toml");
}

// The worked example of https://pay.weixin.qq.com/wiki/doc/api/H5.php?chapter=4_3:
// "假设传送的参数如下：appid: wxd930ea5d5a258f4f, mch_id: 10000100, device_info: 1000,
// body: test, nonce_str: ibuaiVcKdpRxkhJA".
const EXAMPLE_PARAMS: &str = r#"{"appid":"wxd930ea5d5a258f4f","mch_id":"10000100","device_info":"1000","body":"test","nonce_str":"ibuaiVcKdpRxkhJA"}"#;
// "stringSignTemp=stringA+"&key=192006250b4c09247ec02edce69f6a2d" //注：key为商户平台设置的密钥key"
const EXAMPLE_KEY: &str = "192006250b4c09247ec02edce69f6a2d";
// "stringA="appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA";"
const EXAMPLE_STRING_A: &str = "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA";
// "sign=MD5(stringSignTemp).toUpperCase()="9A0A8659F005D6984697E2CA0A9CF3B7" //注：MD5签名方式"
const EXAMPLE_SIGN: &str = "9A0A8659F005D6984697E2CA0A9CF3B7";

fn gateway() -> Gateway {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SPEC);
    Gateway::load(&path).unwrap_or_else(|e| panic!("{SPEC} does not validate:\n{e}"))
}

fn key() -> Secret {
    Secret::new(EXAMPLE_KEY)
}

#[test]
fn spec_loads_and_names_its_parts() {
    let gw = gateway();
    assert_eq!(gw.name(), "wechatpay_v2");
    assert!(gw.operation("unified_order").is_ok());
    assert!(gw.operation("order_query").is_ok());
    assert!(gw.notification("pay").is_ok());
    assert_eq!(gw.profile_label(None), "wechatpay_v2.md5");
    assert!(gw.profile(Some("hmac-sha256")).is_ok());
}

/// The page's HMAC-SHA256 example: the same five fields, stringSignTemp (with `&key=<key>`)
/// keyed with the same key: "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6".
/// The example has no sign_type, so it is reproduced over the recipe itself (a request signed
/// with the profile carries and signs sign_type=HMAC-SHA256).
#[test]
fn reproduces_the_documented_hmac_example() {
    let gw = gateway();
    let recipe = gw.profile(Some("hmac-sha256")).unwrap();
    let fields = Object::from_json(EXAMPLE_PARAMS.as_bytes())
        .unwrap()
        .sign_fields();
    let (canonical, signature) = paywire::signing::sign(recipe, &fields, &key());
    assert_eq!(
        canonical.expose(),
        format!("{EXAMPLE_STRING_A}&key={EXAMPLE_KEY}")
    );
    assert_eq!(
        signature.as_str(),
        "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"
    );
}

/// (b) The documented worked example, signed from a JSON object of its parameters.
#[test]
fn reproduces_the_documented_worked_example() {
    let gw = gateway();
    let fields = Object::from_json(EXAMPLE_PARAMS.as_bytes())
        .unwrap()
        .sign_fields();
    let (canonical, signature) = gw.sign_fields(Some("md5"), &fields, &key()).unwrap();
    assert_eq!(canonical.pairs(), EXAMPLE_STRING_A, "stringA");
    assert_eq!(
        canonical.expose(),
        format!("{EXAMPLE_STRING_A}&key={EXAMPLE_KEY}"),
        "stringSignTemp"
    );
    assert_eq!(signature.as_str(), EXAMPLE_SIGN);
    // The secret never shows in the masked form.
    assert!(!canonical.masked().contains(EXAMPLE_KEY));
}

/// The same example from `SignField`s given in the documentation's (unsorted) order.
#[test]
fn reproduces_the_worked_example_from_sign_fields() {
    let gw = gateway();
    let fields = [
        SignField::new("appid", "wxd930ea5d5a258f4f"),
        SignField::new("mch_id", "10000100"),
        SignField::new("device_info", "1000"),
        SignField::new("body", "test"),
        SignField::new("nonce_str", "ibuaiVcKdpRxkhJA"),
    ];
    let (canonical, signature) = gw.sign_fields(None, &fields, &key()).unwrap();
    assert_eq!(
        canonical.kept(),
        ["appid", "body", "device_info", "mch_id", "nonce_str"]
    );
    assert_eq!(signature.as_str(), EXAMPLE_SIGN);
}

/// "最终得到最终发送的数据" of the worked example: the five parameters plus
/// `<sign>9A0A8659F005D6984697E2CA0A9CF3B7</sign>` verify; any change to a value does not.
#[test]
fn the_documented_final_message_verifies() {
    let gw = gateway();
    let recipe = gw.profile(None).unwrap();
    let mut fields = Object::from_json(EXAMPLE_PARAMS.as_bytes())
        .unwrap()
        .sign_fields();
    fields.push(SignField::new("sign", EXAMPLE_SIGN));
    paywire::signing::verify(recipe, "wechatpay_v2.md5", &fields, &key()).unwrap();
    // "如果参数的值为空不参与签名": an empty extra field changes nothing.
    let mut with_empty = fields.clone();
    with_empty.push(SignField::new("attach", ""));
    paywire::signing::verify(recipe, "wechatpay_v2.md5", &with_empty, &key()).unwrap();
    // A changed value does not verify.
    let mut tampered = fields.clone();
    tampered[3] = SignField::new("body", "test2");
    assert!(paywire::signing::verify(recipe, "wechatpay_v2.md5", &tampered, &key()).is_err());
    // Nor does another key.
    assert!(
        paywire::signing::verify(recipe, "wechatpay_v2.md5", &fields, &Secret::new("k")).is_err()
    );
}

/// (c) The typed API generated from the spec: a unified order built from the example values of
/// the unified order page (https://pay.weixin.qq.com/doc/v2/merchant/4011936530 and its copies
/// named in the spec), signed with the worked example's key.
fn unified_order() -> wechatpay::UnifiedOrderRequestBuilder {
    wechatpay::UnifiedOrderRequest::builder()
        .appid("wxd678efh567hg6787")
        .mch_id("1230000109")
        .nonce_str("5K8264ILTKCH16CQ2502SI8ZNMTM67VS")
        .body("腾讯充值中心-QQ会员充值")
        .out_trade_no("20150806125346")
        .total_fee(Money::from_minor(88))
        .spbill_create_ip("123.12.12.123")
        .notify_url("http://www.weixin.qq.com/wxpay/pay.php")
        .trade_type("JSAPI")
        .openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
}

const UNIFIED_ORDER_PAIRS: &str = "appid=wxd678efh567hg6787&body=腾讯充值中心-QQ会员充值&mch_id=1230000109&nonce_str=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&notify_url=http://www.weixin.qq.com/wxpay/pay.php&openid=oUpF8uMuAJO_M2pxb1Q9zNjWeS6o&out_trade_no=20150806125346&spbill_create_ip=123.12.12.123&total_fee=88&trade_type=JSAPI";

#[test]
fn typed_unified_order_signs_like_the_documented_recipe() {
    let req = unified_order().build().unwrap();
    let canonical = req.canonical_string(&key());
    assert_eq!(
        canonical.expose(),
        format!("{UNIFIED_ORDER_PAIRS}&key={EXAMPLE_KEY}")
    );

    let prepared = req.prepare(&Credentials::new(key())).unwrap();
    assert_eq!(prepared.path, "/pay/unifiedorder");
    assert_eq!(prepared.content_type, Some("text/xml"));
    let sign = prepared.signature.as_ref().unwrap().as_str().to_owned();
    assert_eq!(sign.len(), 32);
    assert!(
        sign.bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)),
        "uppercase hex: {sign}"
    );
    // The typed path and the dynamic path agree on the signature.
    let (_, dynamic) = gateway()
        .sign_fields(None, &req.to_wire().sign_fields(), &key())
        .unwrap();
    assert_eq!(dynamic.as_str(), sign);
    // The body is an XML document carrying every field and the signature, strings in CDATA.
    let xml = prepared.body.as_deref().unwrap();
    assert!(
        xml.starts_with("<xml><appid><![CDATA[wxd678efh567hg6787]]></appid>"),
        "{xml}"
    );
    assert!(xml.contains("<total_fee>88</total_fee>"), "{xml}");
    let body = Object::from_xml(xml.as_bytes()).unwrap();
    assert_eq!(body.text("total_fee").as_deref(), Some("88"));
    assert_eq!(
        body.text("body").as_deref(),
        Some("腾讯充值中心-QQ会员充值")
    );
    assert_eq!(body.text("sign"), Some(sign));
}

#[test]
fn typed_unified_order_refuses_what_the_table_forbids() {
    // "trade_type=JSAPI时，此参数必传": openid.
    let err = wechatpay::UnifiedOrderRequest::builder()
        .appid("wxd678efh567hg6787")
        .mch_id("1230000109")
        .nonce_str("5K8264ILTKCH16CQ2502SI8ZNMTM67VS")
        .body("腾讯充值中心-QQ会员充值")
        .out_trade_no("20150806125346")
        .total_fee(Money::from_minor(88))
        .spbill_create_ip("123.12.12.123")
        .notify_url("http://www.weixin.qq.com/wxpay/pay.php")
        .trade_type("JSAPI")
        .build()
        .unwrap_err();
    assert!(err.names("openid"), "{err}");
    // "trade_type=NATIVE时，此参数必传": product_id.
    let err = unified_order().trade_type("NATIVE").build().unwrap_err();
    assert!(err.names("product_id"), "{err}");
    assert!(
        unified_order()
            .trade_type("NATIVE")
            .product_id("12235413214070356458058")
            .build()
            .is_ok()
    );
    // out_trade_no: "要求32个字符内（最少6个字符），只能是数字、大小写字母_-|*".
    let err = unified_order().out_trade_no("12345").build().unwrap_err();
    assert!(err.names("out_trade_no"), "{err}");
    let err = unified_order()
        .out_trade_no("2015080612534#")
        .build()
        .unwrap_err();
    assert!(err.names("out_trade_no"), "{err}");
    // Only the two documented signature types.
    let err = unified_order().sign_type("SHA1").build().unwrap_err();
    assert!(err.names("sign_type"), "{err}");
    // sign_type=MD5 is sent and signed like any other field.
    let req = unified_order().sign_type("MD5").build().unwrap();
    assert!(
        req.canonical_string(&key())
            .expose()
            .contains("&sign_type=MD5&")
    );
}

/// HMAC-SHA256, typed: the profile sends sign_type=HMAC-SHA256 and signs it, and the same key
/// ends the string and keys the HMAC; the interpreter agrees.
#[test]
fn typed_unified_order_signs_with_hmac_sha256() {
    let req = unified_order().build().unwrap();
    let profile = wechatpay::Profile::from_name("hmac-sha256").unwrap();
    let canonical = req.canonical_string_with(profile, &key());
    assert_eq!(
        canonical.expose(),
        format!(
            "{}&sign_type=HMAC-SHA256&{}&key={EXAMPLE_KEY}",
            &UNIFIED_ORDER_PAIRS[..UNIFIED_ORDER_PAIRS.find("&spbill").unwrap()],
            &UNIFIED_ORDER_PAIRS[UNIFIED_ORDER_PAIRS.find("spbill").unwrap()..]
        )
    );
    let prepared = req.prepare_with(profile, &Credentials::new(key())).unwrap();
    let body = Object::from_xml(prepared.body.as_deref().unwrap().as_bytes()).unwrap();
    assert_eq!(body.text("sign_type").as_deref(), Some("HMAC-SHA256"));
    let sign = body.text("sign").unwrap();
    assert_eq!(sign.len(), 64);
    // The interpreter signs the same body the same way, and verifies it.
    let recipe = gateway().profile(Some("hmac-sha256")).unwrap().clone();
    paywire::signing::verify(
        &recipe,
        "wechatpay_v2.hmac-sha256",
        &body.sign_fields(),
        &key(),
    )
    .unwrap();
}

/// The order query, typed: one of transaction_id or out_trade_no (example values of
/// https://pay.weixin.qq.com/wiki/doc/api/wxa/wxa_api.php?chapter=9_2).
#[test]
fn typed_order_query_signs() {
    let req = wechatpay::OrderQueryRequest::builder()
        .appid("wxd678efh567hg6787")
        .mch_id("1230000109")
        .transaction_id("1009660380201506130728806387")
        .nonce_str("C380BEC2BFD727A4B6845133519F3AD6")
        .build()
        .unwrap();
    assert_eq!(
        req.canonical_string(&key()).expose(),
        format!(
            "appid=wxd678efh567hg6787&mch_id=1230000109&nonce_str=C380BEC2BFD727A4B6845133519F3AD6&transaction_id=1009660380201506130728806387&key={EXAMPLE_KEY}"
        )
    );
    let prepared = req.prepare(&Credentials::new(key())).unwrap();
    assert_eq!(prepared.path, "/pay/orderquery");
}

/// A signed XML document from the fields of a JSON object (the test's way to write answers).
fn signed_xml(json: &str) -> String {
    let gw = gateway();
    let signed = gw.sign_json_body(None, json.as_bytes(), &key()).unwrap();
    let obj = Object::from_json(signed.as_bytes()).unwrap();
    paywire::xml::write(&paywire::WireFields::from_object(&obj))
}

/// The envelope reads result_code (spec format limitation 3), pinned here so a change to the
/// envelope model shows up. Values from the unified order's error table ("ORDERPAID
/// 商户订单已支付") and return_msg's example ("签名失败").
#[test]
fn envelope_reads_result_code_and_pins_its_limits() {
    use paywire::Response;
    use wechatpay::{ErrorCode, UnifiedOrderResponse};

    // return_code SUCCESS, result_code FAIL: rejected, but with the code "FAIL", not err_code.
    let fail = signed_xml(
        r#"{"return_code":"SUCCESS","return_msg":"OK","appid":"wxd678efh567hg6787","mch_id":"1230000109","nonce_str":"5K8264ILTKCH16CQ2502SI8ZNMTM67VS","result_code":"FAIL","err_code":"ORDERPAID","err_code_des":"商户订单已支付"}"#,
    );
    assert!(
        fail.contains("<result_code><![CDATA[FAIL]]></result_code>"),
        "{fail}"
    );
    let read = UnifiedOrderResponse::read(fail.as_bytes(), &key()).unwrap();
    assert_eq!(
        read,
        Response::Rejected {
            code: ErrorCode::Other("FAIL".into()),
            raw_code: "FAIL".into(),
            message: Some("商户订单已支付".into()),
            unsigned: false,
        }
    );
    // The same answer with a bad sign is not trusted at all.
    let forged = fail.replace("商户订单已支付", "x");
    assert!(UnifiedOrderResponse::read(forged.as_bytes(), &key()).is_err());

    // return_code FAIL carries no result_code: no code, so the call would end Indeterminate.
    let err = UnifiedOrderResponse::read(
        "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[签名失败]]></return_msg></xml>".as_bytes(),
        &key(),
    )
    .unwrap_err();
    assert!(
        matches!(err, paywire::ResponseError::NoCode(ref at) if at == "result_code"),
        "{err}"
    );
}

/// (d) The payment notification: the fields of the page's example notification (as quoted by
/// an answer on WeChat Pay's developer community, https://developers.weixin.qq.com/community/pay/doc/00020e427a47b018451bc0e885b000),
/// re-signed with the worked example's key. The example's own sign (B552ED6B279343CB493C5DD0D78AB241)
/// comes from a key the page does not give, so it cannot be checked. `attach` is left out: the
/// quoted copy shows it as "支付测试&", which may be an escaping artifact.
const NOTIFICATION: &str = r#"{"appid":"wx2421b1c4370ec43b","bank_type":"CFT","fee_type":"CNY","is_subscribe":"Y","mch_id":"10000100","nonce_str":"5d2b6c2a8db53831f7eda20af46e531c","openid":"oUpF8uMEb4qRXf22hE3X68TekukE","out_trade_no":"1409811653","result_code":"SUCCESS","return_code":"SUCCESS","time_end":"20140903131540","total_fee":1,"coupon_fee":"10","coupon_count":"1","coupon_type":"CASH","coupon_id":"10000","trade_type":"JSAPI","transaction_id":"1004400740201409030005092168"}"#;

#[test]
fn signed_notification_verifies_and_reads() {
    let gw = gateway();
    let body = signed_xml(NOTIFICATION);
    assert!(
        body.starts_with("<xml><appid><![CDATA[wx2421b1c4370ec43b]]></appid>"),
        "{body}"
    );

    // Dynamic path.
    let verified = gw
        .verify_notification("pay", body.as_bytes(), Some("text/xml"), &key())
        .unwrap();
    assert_eq!(verified.order_id.as_deref(), Some("1409811653"));
    assert_eq!(verified.status.unwrap().common, CommonStatus::Succeeded);

    // Typed path.
    let typed =
        wechatpay::PayNotification::verify(body.as_bytes(), Some("text/xml"), &key()).unwrap();
    let n = &typed.notification;
    assert_eq!(n.out_trade_no, "1409811653");
    assert_eq!(n.transaction_id, "1004400740201409030005092168");
    assert_eq!(n.total_fee, Money::from_minor(1));
    assert_eq!(n.coupon_fee, Some(Money::from_minor(10)));
    assert_eq!(n.coupon_count, Some(1));
    assert_eq!(n.cash_fee, None);
    // Fields the spec does not list (coupon_type, coupon_id) are kept, and were signed.
    assert_eq!(n.extra["coupon_type"], serde_json::json!("CASH"));
    assert_eq!(
        typed.reply_body(),
        "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
    );
    assert_eq!(typed.reply_content_type(), "text/xml");

    // Tampering with an unknown field breaks the signature: verification covers every field.
    let tampered = body.replace(
        "<coupon_id>10000</coupon_id>",
        "<coupon_id>10001</coupon_id>",
    );
    assert_ne!(tampered, body);
    assert!(
        wechatpay::PayNotification::verify(tampered.as_bytes(), Some("text/xml"), &key()).is_err()
    );
    // A document that is not flat, or declares entities, is refused before any signature.
    let doctype = format!("<!DOCTYPE xml [<!ENTITY e \"x\">]>{body}");
    assert!(
        gw.verify_notification("pay", doctype.as_bytes(), None, &key())
            .is_err()
    );
    // An HMAC-SHA256 notification (it carries sign_type=HMAC-SHA256) is verified with that
    // recipe, in both engines.
    let hmac = gw
        .sign_json_body(Some("hmac-sha256"), NOTIFICATION.as_bytes(), &key())
        .unwrap();
    let hmac = paywire::xml::write(&paywire::WireFields::from_object(
        &Object::from_json(hmac.as_bytes()).unwrap(),
    ));
    assert!(
        hmac.contains("<sign_type><![CDATA[HMAC-SHA256]]></sign_type>"),
        "{hmac}"
    );
    gw.verify_notification("pay", hmac.as_bytes(), None, &key())
        .unwrap();
    wechatpay::PayNotification::verify(hmac.as_bytes(), None, &key()).unwrap();
    // The example's own sign is from an unknown key: as published, it does not verify here.
    let published = NOTIFICATION.replace(
        r#""transaction_id""#,
        r#""sign":"B552ED6B279343CB493C5DD0D78AB241","transaction_id""#,
    );
    let published = paywire::xml::write(&paywire::WireFields::from_object(
        &Object::from_json(published.as_bytes()).unwrap(),
    ));
    assert!(
        gw.verify_notification("pay", published.as_bytes(), None, &key())
            .is_err()
    );
}

/// (e) Round-trips through the simulator (paywire-sim playing this spec, with the worked
/// example's key) and the client the macro generated, in XML both ways.
mod simulator {
    use std::time::Duration;

    use paywire::outcome::classify;
    use paywire::{
        Client, ClientConfig, CommonStatus, Credentials, Evidence, IndeterminateReason, Outcome,
        ReconcilePolicy, Request, Response, Secret,
    };
    use paywire_sim::{SimConfig, SimGateway, Simulator};
    use tokio::net::TcpListener;

    use super::{EXAMPLE_KEY, gateway, key, unified_order, wechatpay};

    /// The simulator over HTTP; orders move only when a test calls `tick()`.
    async fn start() -> (Simulator, String) {
        let mut config = SimConfig::new(vec![SimGateway {
            gateway: gateway(),
            secret: key(),
            authorization: None,
        }]);
        config.step = Duration::from_secs(3600);
        let sim = Simulator::new(config).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/wechatpay_v2", listener.local_addr().unwrap());
        tokio::spawn(sim.clone().serve(listener));
        (sim, base)
    }

    fn client(base: &str, key: &str) -> Client {
        let config = ClientConfig::new(base, Credentials::new(Secret::new(key)))
            .timeout(Duration::from_secs(2));
        Client::new(config).unwrap()
    }

    fn query(out_trade_no: &str) -> wechatpay::OrderQueryRequest {
        wechatpay::OrderQueryRequest::builder()
            .appid("wxd678efh567hg6787")
            .mch_id("1230000109")
            .out_trade_no(out_trade_no)
            .nonce_str("C380BEC2BFD727A4B6845133519F3AD6")
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn unified_order_is_accepted_and_its_signed_answer_verifies() {
        let (sim, base) = start().await;
        let wx = client(&base, EXAMPLE_KEY);
        let req = unified_order().build().unwrap();
        let first = wx.send(&req).await;
        let Outcome::Accepted {
            payload, evidence, ..
        } = first
        else {
            eprintln!("{first:?}");
            panic!("unified order not accepted")
        };
        assert_eq!(payload.trade_type, "JSAPI");
        assert!(!payload.prepay_id.is_empty());
        assert_eq!(payload.appid.as_deref(), Some("wxd678efh567hg6787"));
        assert_eq!(payload.mch_id.as_deref(), Some("1230000109"));
        // The answer carries a sign over every other field, and the typed read verified it:
        // with another key the same bytes do not read, and one changed value breaks it.
        let body = evidence.body.unwrap();
        assert!(body.starts_with("<xml>"), "{body}");
        assert!(
            body.contains("<result_code><![CDATA[SUCCESS]]></result_code>"),
            "{body}"
        );
        assert!(body.contains("<sign><![CDATA["), "{body}");
        let read = wechatpay::UnifiedOrderResponse::read(body.as_bytes(), &key()).unwrap();
        assert!(matches!(read, Response::Accepted { .. }));
        assert!(wechatpay::UnifiedOrderResponse::read(body.as_bytes(), &Secret::new("k")).is_err());
        let forged = body.replace("JSAPI", "NATIVE");
        assert!(wechatpay::UnifiedOrderResponse::read(forged.as_bytes(), &key()).is_err());
        // The simulator kept the order with its amount in fen.
        let order = &sim.orders()[0];
        assert_eq!(
            (order.order_id.as_str(), order.fields["total_fee"].as_str()),
            ("20150806125346", "88")
        );
    }

    /// The spec's [[errors]] name WeChat's duplicate (OUT_TRADE_NO_USED), signature (SIGNERROR)
    /// and unknown-order (ORDERNOTEXIST) codes, so the simulator answers with them, in
    /// result_code (the envelope's code path, format limitation 3), signed, with its own
    /// message in err_code_des. WeChat itself answers result_code FAIL with err_code
    /// OUT_TRADE_NO_USED.
    #[tokio::test]
    async fn duplicate_out_trade_no_and_bad_signature_are_refused() {
        let (_sim, base) = start().await;
        let wx = client(&base, EXAMPLE_KEY);
        let req = unified_order().build().unwrap();
        assert!(matches!(wx.send(&req).await, Outcome::Accepted { .. }));
        match wx.send(&req).await {
            Outcome::Rejected {
                code,
                raw_code,
                meaning,
                message,
                ..
            } => {
                assert_eq!(raw_code, "OUT_TRADE_NO_USED");
                assert_eq!(code, wechatpay::ErrorCode::OutTradeNoUsed);
                assert_eq!(meaning, Some(paywire::ErrorMeaning::Duplicate));
                assert_eq!(
                    message.as_deref(),
                    Some("Duplicate order number 20150806125346")
                );
            }
            other => panic!("duplicate accepted: {other:?}"),
        }

        // A request whose sign does not match its fields: refused (signed answer, verified).
        let other = unified_order()
            .out_trade_no("20150806125347")
            .build()
            .unwrap();
        let mut prepared = other.prepare(wx.credentials()).unwrap();
        let body = prepared.body.take().unwrap();
        prepared.body = Some(body.replace("<total_fee>88</total_fee>", "<total_fee>1</total_fee>"));
        let outcome = classify(
            wx.exchange(&prepared).await,
            Evidence::default(),
            |b| wechatpay::UnifiedOrderRequest::read_body(b, &key(), None),
            wechatpay::UnifiedOrderRequest::error_code,
            wechatpay::ErrorCode::meaning,
            wechatpay::ErrorCode::documented,
        );
        match outcome {
            Outcome::Rejected {
                raw_code, message, ..
            } => {
                assert_eq!(raw_code, "SIGNERROR");
                assert!(
                    message
                        .unwrap()
                        .starts_with("Signature verification failed!"),
                );
            }
            other => panic!("tampered request accepted: {other:?}"),
        }

        // A merchant signing with the wrong key is refused too; its client cannot verify the
        // gateway's signed refusal with that key either, so it cannot call it a refusal.
        let wrong = client(&base, "not-the-key");
        let third = unified_order()
            .out_trade_no("20150806125348")
            .build()
            .unwrap();
        match wrong.send(&third).await {
            Outcome::Indeterminate {
                reason: IndeterminateReason::BadSignature(_),
                evidence,
            } => {
                let body = evidence.body.unwrap();
                let read = wechatpay::UnifiedOrderResponse::read(body.as_bytes(), &key()).unwrap();
                assert!(
                    matches!(read, Response::Rejected { ref message, .. }
                        if message.as_deref().unwrap_or("").starts_with("Signature verification failed!")),
                    "{read:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn order_query_reports_the_final_status_after_ticks() {
        let (sim, base) = start().await;
        let wx = client(&base, EXAMPLE_KEY);
        let req = unified_order().build().unwrap();
        assert!(matches!(wx.send(&req).await, Outcome::Accepted { .. }));
        // Before any step: not paid yet.
        let Outcome::Accepted {
            payload, status, ..
        } = wx.send(&query("20150806125346")).await
        else {
            panic!("query refused")
        };
        assert_eq!(status.unwrap().common, CommonStatus::Pending);
        assert_eq!(payload.trade_state, "NOTPAY");
        assert_eq!(payload.out_trade_no.as_deref(), Some("20150806125346"));
        assert_eq!(payload.total_fee, Some(paywire::Money::from_minor(88)));
        let mut seen = vec![payload.trade_state];
        while seen.len() < 5 {
            sim.tick().await;
            let Outcome::Accepted { payload, .. } = wx.send(&query("20150806125346")).await else {
                panic!("query refused")
            };
            if seen.last() != Some(&payload.trade_state) {
                seen.push(payload.trade_state);
            } else {
                break;
            }
        }
        // NOTPAY (pending) → a processing state → a succeeded one, then no further change. The
        // spec's unified order names no status map; the simulator moves its orders through the
        // order query's trade_state, picking the shortest code of each common status: NOTPAY,
        // ACCEPT, REFUND (REFUND maps to succeeded in the spec; SUCCESS is the usual code).
        let common: Vec<CommonStatus> = seen
            .iter()
            .map(|s| {
                paywire::gateway::common_status(gateway().spec().statuses["trade_state"].map[s])
            })
            .collect();
        assert_eq!(
            common,
            [
                CommonStatus::Pending,
                CommonStatus::Processing,
                CommonStatus::Succeeded
            ],
            "{seen:?}"
        );
        let r = wx
            .reconcile(
                || query("20150806125346"),
                ReconcilePolicy {
                    deadline: Duration::from_secs(2),
                    initial_delay: Duration::from_millis(50),
                    max_delay: Duration::from_millis(200),
                },
            )
            .await;
        assert!(r.terminal, "{r:?}");
        assert_eq!(r.common_status(), CommonStatus::Succeeded);
        // An unknown order is refused with the spec's not-found code.
        match wx.send(&query("NO-SUCH-ORDER")).await {
            Outcome::Rejected { raw_code, .. } => assert_eq!(raw_code, "ORDERNOTEXIST"),
            other => panic!("{other:?}"),
        }
    }
}
