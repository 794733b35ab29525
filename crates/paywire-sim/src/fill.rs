//! Building the simulated gateway's answers and notifications from the spec: payload fields are
//! copied from the order's request (or the field's `from`), ids and statuses come from the
//! order, and anything else required gets a plausible default of its type.

use paywire::received::Object;
use paywire::spec::{
    CommonStatus, ErrorMeaning, Field, FieldType, MoneyFormat, NotificationContent, NumberWire,
    Operation, OperationKind, SignatureScope, StatusMap,
};
use paywire::wire::{WireFields, WireValue};
use paywire::{Gateway, Money};
use serde_json::{Map, Value};

use crate::store::Order;
use crate::{Answer, SimGateway};

/// What answers and notifications read from an order: [`Order`], or the simulator's compact
/// record of one.
pub trait OrderView {
    /// The operation that created it.
    fn operation(&self) -> &str;
    /// The id the simulated gateway gave it.
    fn gateway_id(&self) -> &str;
    /// A field of the creating request, as text.
    fn field(&self, name: &str) -> Option<&str>;
    /// The current status code.
    fn status(&self) -> &str;
    /// Unix seconds of creation.
    fn created_at(&self) -> u64;
}

impl OrderView for Order {
    fn operation(&self) -> &str {
        &self.operation
    }
    fn gateway_id(&self) -> &str {
        &self.gateway_id
    }
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
    fn status(&self) -> &str {
        Order::status(self)
    }
    fn created_at(&self) -> u64 {
        self.created_at
    }
}

/// A payload: one object, or a list of rows.
pub enum Payload {
    /// An object.
    Object(Map<String, Value>),
    /// Rows (each signed when the operation says so).
    Rows(Vec<Map<String, Value>>),
}

/// Faults the simulator knows.
pub fn is_fault(f: &str) -> bool {
    matches!(
        f,
        "timeout" | "500" | "502" | "empty" | "truncated" | "reset"
    ) || f
        .strip_prefix("delay=")
        .is_some_and(|ms| ms.parse::<u64>().is_ok())
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of Unix seconds.
pub fn datetime(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn money_field(op: &Operation) -> Option<&Field> {
    op.request.iter().find(|f| f.ty == FieldType::Money)
}

fn amount_minor(op: &Operation, text: &str) -> Option<i64> {
    let f = money_field(op)?;
    let m = match f.money {
        Some(MoneyFormat::Decimal) => Money::from_decimal_str(text),
        _ => Money::from_minor_str(text),
    };
    m.ok().map(Money::minor)
}

fn magic(op: &Operation, amount: Option<&str>) -> Option<i64> {
    let minor = amount_minor(op, amount?)?;
    Some(minor.rem_euclid(100))
}

/// The fault a magic amount asks for.
pub fn magic_fault(_gw: &Gateway, op: &Operation, order: &dyn OrderView) -> Option<String> {
    let f = money_field(op)?;
    let cents = magic(op, order.field(&f.name))?;
    let fault = match cents {
        91 => "timeout",
        92 => "500",
        93 => "502",
        94 => "empty",
        95 => "truncated",
        96 => "reset",
        _ => return None,
    };
    Some(fault.to_owned())
}

/// The final status a magic amount asks for.
pub fn magic_final(_gw: &Gateway, op: &Operation, obj: &Object) -> Option<CommonStatus> {
    let f = money_field(op)?;
    match magic(op, obj.get(&f.name).and_then(|r| r.sign_str()).as_deref())? {
        97 => Some(CommonStatus::Failed),
        98 => Some(CommonStatus::Cancelled),
        _ => None,
    }
}

/// The status map an order created by `op` moves through: the operation's own, else its
/// notification's, else its query's; a map holding only final codes (a notification's
/// SUCCESS/FAIL) gives way to the next one that also has pending or processing codes.
pub fn path_map<'a>(gw: &'a Gateway, op: &Operation) -> Option<&'a str> {
    let spec = gw.spec();
    let candidates = [
        op.status.as_deref(),
        op.notification
            .as_deref()
            .and_then(|n| spec.notification(n))
            .and_then(|n| n.status.as_deref()),
        query_status(gw, op),
    ];
    // `spec` borrows from `gw` ('a); names are looked up again to return them with 'a.
    let named = |name: &str| {
        spec.statuses
            .get_key_value(name)
            .map(|(k, m)| (k.as_str(), m))
    };
    let found: Vec<(&'a str, &StatusMap)> =
        candidates.into_iter().flatten().filter_map(named).collect();
    found
        .iter()
        .find(|(_, m)| {
            m.map
                .values()
                .any(|c| matches!(c, CommonStatus::Pending | CommonStatus::Processing))
        })
        .or(found.first())
        .map(|(k, _)| *k)
}

/// The status codes an order created by `op` moves through, ending in `final_status`.
pub fn status_path(gw: &Gateway, op: &Operation, final_status: CommonStatus) -> Vec<String> {
    let spec = gw.spec();
    let Some(map) = path_map(gw, op).and_then(|m| spec.statuses.get(m)) else {
        // No status codes to walk through: created, then one step to done, so the order's
        // notification is still sent once.
        return vec!["created".to_owned(), "accepted".to_owned()];
    };
    let code_for = |c: CommonStatus| {
        map.map
            .iter()
            .filter(|(_, v)| **v == c)
            .map(|(k, _)| k.clone())
            .min_by_key(|k| (k.len(), k.clone()))
    };
    let mut path: Vec<String> = [CommonStatus::Pending, CommonStatus::Processing]
        .into_iter()
        .filter_map(code_for)
        .collect();
    let fallback = if final_status == CommonStatus::Cancelled {
        CommonStatus::Failed
    } else {
        CommonStatus::Cancelled
    };
    if let Some(f) = code_for(final_status).or_else(|| code_for(fallback)) {
        path.push(f);
    }
    if path.is_empty() {
        path.push(map.map.keys().next().cloned().unwrap_or_default());
    }
    // A map with final codes only (iPay88: 1 paid, 0 failed): the order is `created` first, so
    // it takes one step and its notification is sent.
    if path.len() == 1 {
        path.insert(0, "created".to_owned());
    }
    path
}

/// The status map of the query that reads orders `op` creates, for a creator whose answer and
/// notification name none (WeChat Pay v2's unified order: only the order query's `trade_state`
/// says how an order goes): the query keyed by the same merchant order id field, else the only
/// query with a status map. Without it the order would sit at a code no map knows.
fn query_status<'a>(gw: &'a Gateway, op: &Operation) -> Option<&'a str> {
    let queries: Vec<&Operation> = gw
        .spec()
        .operations
        .iter()
        .filter(|q| matches!(q.kind, OperationKind::Query) && q.status.is_some())
        .collect();
    let query = match queries.as_slice() {
        [only] => Some(*only),
        many => many
            .iter()
            .find(|q| q.order_id.is_some() && q.order_id == op.order_id)
            .copied(),
    };
    query.and_then(|q| q.status.as_deref())
}

fn is_time_name(name: &str) -> bool {
    name.contains("time") || name.ends_with("_at") || name == "timestamp"
}

fn number_or_string(text: &str, wire: NumberWire) -> Value {
    match (wire, text.parse::<i64>()) {
        (NumberWire::Number, Ok(n)) => Value::from(n),
        _ => Value::String(text.to_owned()),
    }
}

/// The value of `f` as the request wrote it, converted to `f`'s type.
fn from_request(f: &Field, text: &str, creator: Option<&Operation>) -> Option<Value> {
    Some(match f.ty {
        FieldType::Integer => number_or_string(text, f.wire),
        FieldType::Money => {
            let minor = creator
                .and_then(|op| amount_minor(op, text))
                .or_else(|| Money::from_decimal_str(text).ok().map(Money::minor))?;
            money_value(f, Money::from_minor(minor))
        }
        FieldType::Strings | FieldType::Json | FieldType::Object | FieldType::Objects => {
            serde_json::from_str(text).unwrap_or(Value::String(text.to_owned()))
        }
        FieldType::Boolean => Value::Bool(text == "true"),
        // A time copied from a request keeps its form: digits go out as Unix seconds.
        FieldType::Time => number_or_string(text, f.wire),
        _ => Value::String(text.to_owned()),
    })
}

fn money_value(f: &Field, m: Money) -> Value {
    match f.money {
        Some(MoneyFormat::Decimal) => Value::String(m.to_decimal_string()),
        _ => number_or_string(&m.minor().to_string(), f.wire),
    }
}

fn default_value(f: &Field, created_at: u64, rich: bool) -> Option<Value> {
    // Type `time`: Unix seconds as a JSON integer (a string of digits with `wire = "string"`),
    // as diamondpay's public integrations receive create_time / update_time.
    if f.ty == FieldType::Time {
        return Some(number_or_string(&created_at.to_string(), f.wire));
    }
    if is_time_name(&f.name) && matches!(f.ty, FieldType::String) {
        return Some(Value::String(datetime(created_at)));
    }
    if is_time_name(&f.name) && matches!(f.ty, FieldType::Integer) {
        return Some(Value::from(created_at));
    }
    if !(f.required || rich) {
        return None;
    }
    // The spec's own example, where it gives one.
    if let Some(ex) = &f.example
        && let Some(v) = from_request(f, ex, None)
    {
        return Some(v);
    }
    Some(match f.ty {
        FieldType::String | FieldType::Unknown => Value::String(
            f.one_of
                .first()
                .cloned()
                .unwrap_or_else(|| "sim".to_owned()),
        ),
        FieldType::Integer => Value::from(0),
        FieldType::Boolean => Value::Bool(true),
        FieldType::Money => money_value(f, Money::from_minor(if rich { 100_000_000 } else { 0 })),
        FieldType::Strings => Value::Array(Vec::new()),
        FieldType::Json if f.required => Value::Object(Map::new()),
        FieldType::Json | FieldType::Time => Value::Null,
        FieldType::Object => Value::Object(fill_fields(&f.fields, &Ctx::defaults(created_at))),
        FieldType::Objects => Value::Array(vec![Value::Object(fill_fields(
            &f.fields,
            &Ctx::defaults(created_at),
        ))]),
    })
}

/// What a payload is filled from.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    order: Option<&'a dyn OrderView>,
    request: Option<&'a Object>,
    creator: Option<&'a Operation>,
    status: Option<(&'a str, &'a str)>,
    gateway_id: Option<&'a str>,
    created_at: u64,
    rich: bool,
}

impl<'a> Ctx<'a> {
    fn defaults(created_at: u64) -> Self {
        Ctx {
            order: None,
            request: None,
            creator: None,
            status: None,
            gateway_id: None,
            created_at,
            rich: true,
        }
    }
}

fn fill_fields(fields: &[Field], ctx: &Ctx<'_>) -> Map<String, Value> {
    let mut out = Map::new();
    for f in fields {
        let v = if let Some((field, code)) = ctx.status.filter(|(field, _)| *field == f.name) {
            let _ = field;
            Some(number_or_string(
                code,
                if f.ty == FieldType::Integer {
                    NumberWire::Number
                } else {
                    NumberWire::String
                },
            ))
        } else if ctx.gateway_id.is_some_and(|g| g == f.name) {
            ctx.order.map(|o| Value::String(o.gateway_id().to_owned()))
        } else if f.ty == FieldType::Object
            && ctx.order.is_some()
            && f.fields
                .iter()
                .any(|x| ctx.gateway_id.is_some_and(|g| g == x.name))
        {
            // An object that names the order (diamondpay's `payment_info.payment_id`) is filled
            // from the order too, not with defaults.
            let inner = Ctx {
                status: None,
                ..*ctx
            };
            Some(Value::Object(fill_fields(&f.fields, &inner)))
        } else {
            let source = f.from.as_deref().unwrap_or(&f.name);
            let text: Option<std::borrow::Cow<'_, str>> = ctx
                .order
                .and_then(|o| o.field(source))
                .map(std::borrow::Cow::Borrowed)
                .or_else(|| {
                    ctx.request
                        .and_then(|r| r.get(source))
                        .and_then(|r| r.sign_str())
                });
            match text {
                Some(t) => from_request(f, &t, ctx.creator),
                None => default_value(f, ctx.created_at, ctx.rich),
            }
        };
        if let Some(v) = v {
            out.insert(f.name.clone(), v);
        }
    }
    out
}

fn creator<'a>(gw: &'a Gateway, order: &dyn OrderView) -> Option<&'a Operation> {
    gw.spec().operation(order.operation())
}

/// The payload describing an order (create and query answers).
pub fn order_payload(gw: &Gateway, op: &Operation, order: &dyn OrderView) -> Payload {
    let creator = creator(gw, order);
    let status_field = op
        .status
        .as_deref()
        .and_then(|m| gw.spec().statuses.get(m))
        .map(|m| m.field.as_str());
    let gateway_id = op
        .gateway_id
        .as_deref()
        .or_else(|| creator.and_then(|c| c.gateway_id.as_deref()));
    let ctx = Ctx {
        order: Some(order),
        request: None,
        creator,
        status: status_field.map(|f| (f, order.status())),
        gateway_id,
        created_at: order.created_at(),
        rich: false,
    };
    let row = fill_fields(&op.response, &ctx);
    if op.rows.as_ref().is_some_and(|r| r.path.is_none()) {
        Payload::Rows(vec![row])
    } else {
        Payload::Object(row)
    }
}

/// The payload of a balance or other answer: every field filled.
pub fn defaults(_gw: &Gateway, op: &Operation, request: &Object) -> Payload {
    let ctx = Ctx {
        order: None,
        request: Some(request),
        creator: None,
        status: None,
        gateway_id: None,
        created_at: crate::now(),
        rich: true,
    };
    let obj = fill_fields(&op.response, &ctx);
    if op.rows.as_ref().is_some_and(|r| r.path.is_none()) {
        Payload::Rows(vec![obj])
    } else {
        Payload::Object(obj)
    }
}

/// The fields of a notification about `order` at `status`.
pub fn notification_fields(
    gw: &Gateway,
    name: &str,
    order: &dyn OrderView,
    status: &str,
    status_field: Option<&str>,
) -> WireFields {
    let Some(n) = gw.spec().notification(name) else {
        return WireFields::new();
    };
    let creator = creator(gw, order);
    let ctx = Ctx {
        order: Some(order),
        request: None,
        creator,
        status: status_field.map(|f| (f, status)),
        gateway_id: creator.and_then(|c| c.gateway_id.as_deref()),
        created_at: order.created_at(),
        rich: false,
    };
    let mut map = fill_fields(&n.fields, &ctx);
    // An order id nested in the event (`data.reference`): put the order's id there.
    if let Some(path) = n.order_id.as_deref().filter(|p| p.contains('.'))
        && let Some(id) = creator
            .and_then(|c| c.order_id.as_deref())
            .and_then(|k| order.field(k))
    {
        set_path(&mut map, path, Value::String(id.to_owned()));
    }
    let mut w = WireFields::new();
    for (k, v) in map {
        if k == "sign" {
            continue;
        }
        let value = match v {
            Value::String(s) => WireValue::Str(s),
            Value::Number(n) => WireValue::Num(n.to_string()),
            Value::Bool(b) => WireValue::Bool(b),
            Value::Null => continue,
            other => WireValue::Json(other.to_string()),
        };
        w.push(k, value);
    }
    w
}

/// Flip the first hex digit of the `sign` value of a JSON body.
pub fn tamper_field(wire: &mut WireFields, field: &str) {
    if let Some(WireValue::Str(sig)) = wire.get(field).cloned() {
        wire.set(field, WireValue::Str(flip_first(&sig)));
    }
}

/// The text with its first character changed (`0` becomes `1`, anything else `0`).
fn flip_first(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    if let Some(c) = chars.next() {
        out.push(if c == '0' { '1' } else { '0' });
    }
    out.push_str(chars.as_str());
    out
}

/// A notification body in the notification's encoding (JSON unless the spec says form or XML).
pub fn encode_notification(content: NotificationContent, wire: &WireFields) -> String {
    match content {
        NotificationContent::Xml => paywire::xml::write(wire),
        NotificationContent::Form => wire.to_form(),
        NotificationContent::Json | NotificationContent::JsonOrForm => wire.to_json(),
    }
}

/// A JSON object answer written as a flat XML document (XML operations); anything else is
/// returned as it is.
pub fn json_answer_to_xml(body: &str) -> String {
    match Object::from_json(body.as_bytes()) {
        Ok(obj) => paywire::xml::write(&WireFields::from_object(&obj)),
        Err(_) => body.to_owned(),
    }
}

/// The status code a notification carries for an order at `code` of its operation's status
/// map: the same code when the notification reads the same map, else the code of the
/// notification's own map for the same common status (Instamojo: a request `Completed` is a
/// payment `Credit`).
pub fn notification_status(
    gw: &Gateway,
    op: &Operation,
    n: &paywire::spec::Notification,
    code: &str,
) -> String {
    let spec = gw.spec();
    let (Some(theirs), Some(mine)) = (n.status.as_deref(), path_map(gw, op)) else {
        return code.to_owned();
    };
    if theirs == mine {
        return code.to_owned();
    }
    let (Some(to), Some(from)) = (spec.statuses.get(theirs), spec.statuses.get(mine)) else {
        return code.to_owned();
    };
    let common = from.map.get(code).copied().unwrap_or(from.default);
    to.map
        .iter()
        .filter(|(_, c)| **c == common)
        .map(|(k, _)| k.clone())
        .min_by_key(|k| (k.len(), k.clone()))
        .unwrap_or_else(|| code.to_owned())
}

/// The content type a notification is delivered with.
pub fn notification_content_type(content: NotificationContent) -> &'static str {
    match content {
        NotificationContent::Xml => "text/xml",
        NotificationContent::Form => "application/x-www-form-urlencoded",
        NotificationContent::Json | NotificationContent::JsonOrForm => "application/json",
    }
}

/// The headers of a raw-body profile's signature over `body` at `now` (Unix seconds); a
/// tampered copy carries a signature with its last character changed.
pub fn body_signature_headers(
    recipe: &paywire::spec::Recipe,
    body: &[u8],
    now: i64,
    secret: &paywire::Secret,
    tampered: bool,
) -> Vec<(String, String)> {
    let ts = paywire::webhook::timestamp_text(&paywire::signing::body_recipe(recipe), now);
    let mut headers = paywire::signing::sign_webhook(recipe, body, &ts, secret);
    if tampered && let Some((_, v)) = headers.first_mut() {
        let reversed: String = v.chars().rev().collect();
        *v = flip_first(&reversed).chars().rev().collect();
    }
    headers
}

fn set_path(root: &mut Map<String, Value>, path: &str, value: Value) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap_or(path);
    let mut cur = root;
    for p in parts {
        let entry = cur
            .entry(p.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        match entry {
            Value::Object(m) => cur = m,
            _ => return,
        }
    }
    cur.insert(last.to_owned(), value);
}

fn code_value(code: &str) -> Value {
    let numeric = !code.is_empty()
        && code.bytes().all(|b| b.is_ascii_digit())
        && (code == "0" || !code.starts_with('0'));
    match code.parse::<i64>() {
        Ok(n) if numeric => Value::from(n),
        _ => Value::String(code.to_owned()),
    }
}

fn sign_map(sg: &SimGateway, profile: &str, map: Map<String, Value>) -> Map<String, Value> {
    let text = Value::Object(map.clone()).to_string();
    match sg
        .gateway
        .sign_json_body(Some(profile), text.as_bytes(), &sg.secret)
    {
        Ok(signed) => match serde_json::from_str::<Value>(&signed) {
            Ok(Value::Object(m)) => m,
            _ => map,
        },
        Err(_) => map,
    }
}

/// A success answer in the operation's envelope, signed where the gateway signs.
pub fn ok_envelope(sg: &SimGateway, op: &Operation, payload: Payload) -> Answer {
    let gw = &sg.gateway;
    let mut row_count = None;
    let mut payload_value = match payload {
        Payload::Object(m) => {
            // Rows inside the payload (balance channels) are signed one by one.
            let mut m = m;
            if let Some(rows) = op.rows.as_ref().filter(|r| r.path.is_some()) {
                let key = rows.path.clone().unwrap_or_default();
                if let Some(Value::Array(items)) = m.get(&key).cloned() {
                    // The row count beside the list (diamondpay's balance `total`), before the
                    // payload is signed.
                    if let Some(count) = &rows.count {
                        m.insert(count.clone(), Value::from(items.len()));
                    }
                    let signed: Vec<Value> = items
                        .into_iter()
                        .map(|v| match v {
                            Value::Object(row) => Value::Object(sign_map(sg, &rows.profile, row)),
                            other => other,
                        })
                        .collect();
                    m.insert(key, Value::Array(signed));
                }
            }
            Value::Object(m)
        }
        Payload::Rows(rows) => {
            row_count = Some(rows.len());
            let profile = op.rows.as_ref().map(|r| r.profile.clone());
            Value::Array(
                rows.into_iter()
                    .map(|r| match &profile {
                        Some(p) => Value::Object(sign_map(sg, p, r)),
                        None => Value::Object(r),
                    })
                    .collect(),
            )
        }
    };
    let Some(env) = gw.spec().envelope_for(op) else {
        return Answer {
            status: 200,
            body: payload_value.to_string(),
        };
    };
    let scope = crate::scope_of(gw, op);
    if let (Some((profile, SignatureScope::Payload)), Value::Object(m)) = (&scope, &payload_value) {
        payload_value = Value::Object(sign_map(sg, profile, m.clone()));
    }
    let mut root = Map::new();
    match &env.payload {
        Some(p) => set_path(&mut root, p, payload_value),
        None => {
            if let Value::Object(m) = payload_value {
                root.extend(m);
            }
        }
    }
    // The code last: it may sit inside the payload (Alipay's `…_response.code`).
    set_path(
        &mut root,
        &env.code,
        code_value(env.success.first().map_or("0", String::as_str)),
    );
    // The row count beside a list payload (diamondpay's query `total`).
    if let (Some(n), Some(count)) = (row_count, op.rows.as_ref().and_then(|r| r.count.as_ref())) {
        set_path(&mut root, count, Value::from(n));
    }
    if let Some((profile, SignatureScope::Body)) = &scope {
        root = sign_map(sg, profile, root);
    }
    Answer {
        status: 200,
        body: Value::Object(root).to_string(),
    }
}

/// An error answer with the gateway's code for `meaning` and its message.
pub fn error_envelope(sg: &SimGateway, meaning: ErrorMeaning, message: &str) -> Answer {
    let gw = &sg.gateway;
    let spec = gw.spec();
    let code = spec
        .errors
        .iter()
        .find(|e| e.meaning == Some(meaning))
        .or_else(|| {
            spec.errors
                .iter()
                .find(|e| e.meaning == Some(ErrorMeaning::Invalid))
        })
        .or(spec.errors.first())
        .map_or_else(|| "error".to_owned(), |e| e.code.clone());
    let env = spec
        .gateway
        .default_envelope
        .as_deref()
        .and_then(|n| spec.envelopes.get(n))
        .or_else(|| spec.envelopes.values().next());
    let Some(env) = env else {
        // No envelope to say it in: the HTTP status does (401 for refused credentials and
        // signatures, as webhook-style APIs answer).
        let status = match meaning {
            ErrorMeaning::Signature | ErrorMeaning::Auth => 401,
            ErrorMeaning::RateLimited => 429,
            _ => 400,
        };
        return Answer {
            status,
            body: Value::String(message.to_owned()).to_string(),
        };
    };
    let mut root = Map::new();
    set_path(&mut root, &env.code, code_value(&code));
    if let Some(m) = &env.message {
        set_path(&mut root, m, Value::String(message.to_owned()));
    }
    if let Some(sig) = env
        .signature
        .as_ref()
        .filter(|s| s.scope == SignatureScope::Body)
    {
        root = sign_map(sg, &sig.profile, root);
    }
    Answer {
        status: env.error_http_status.unwrap_or(200),
        body: Value::Object(root).to_string(),
    }
}
