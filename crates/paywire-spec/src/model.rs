//! The spec model: what a gateway spec file says, as Rust types.
//!
//! Every type here derives `Deserialize` (from TOML) and `JsonSchema` (for `specs/schema.json`).
//! Defaults are chosen so that a spec states only what differs from the common case of the
//! MD5-signed aggregator family.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A whole gateway spec file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Who the gateway is and where its documentation lives.
    pub gateway: Gateway,
    /// Named signing recipes. Operations and notifications refer to them by name.
    pub profiles: BTreeMap<String, Recipe>,
    /// Named response envelopes: where success, the error code and message, and the payload are.
    #[serde(default)]
    pub envelopes: BTreeMap<String, Envelope>,
    /// Named maps from the gateway's status codes onto the common status.
    #[serde(default)]
    pub statuses: BTreeMap<String, StatusMap>,
    /// Error codes the gateway documents; each becomes a variant of the provider's error enum.
    #[serde(default)]
    pub errors: Vec<ErrorCode>,
    /// The calls a merchant makes to the gateway.
    #[serde(default)]
    pub operations: Vec<Operation>,
    /// The calls the gateway makes to the merchant (callbacks).
    #[serde(default)]
    pub notifications: Vec<Notification>,
}

/// Gateway metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gateway {
    /// Short lowercase name; the provider crate is `paywire-<name>`.
    pub name: String,
    /// Human name used in docs.
    #[serde(default)]
    pub title: Option<String>,
    /// What this gateway is, for the crate docs.
    #[serde(default)]
    pub doc: Option<String>,
    /// Documentation URLs the spec was written from.
    #[serde(default)]
    pub docs: Vec<String>,
    /// The profile used by operations and notifications that name none.
    pub default_profile: String,
    /// The default envelope of operations that name none.
    #[serde(default)]
    pub default_envelope: Option<String>,
    /// Example base URLs (configuration, never constants): name -> URL.
    #[serde(default)]
    pub base_urls: BTreeMap<String, String>,
}

/// A signing recipe: how a set of fields becomes a canonical string and then a signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// What this profile is and where it comes from.
    #[serde(default)]
    pub doc: Option<String>,
    /// An explicit list of fields to sign. Omit it to sign every present field except `exclude`.
    #[serde(default)]
    pub fields: Option<Vec<String>>,
    /// Fields never signed when `fields` is omitted. The signature field is always left out.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Order of the pairs.
    #[serde(default)]
    pub order: Order,
    /// What happens to empty values (empty strings and nulls).
    #[serde(default)]
    pub empty: EmptyRule,
    /// How one pair is written; must contain `{key}` and `{value}`.
    #[serde(default = "default_pair")]
    pub pair: String,
    /// What stands between pairs.
    #[serde(default = "default_join")]
    pub join: String,
    /// Where the secret goes: a template over `{pairs}` and `{secret}`, such as
    /// `{pairs}&key={secret}`. With an HMAC digest the secret is the key, and the template
    /// must not contain `{secret}`.
    #[serde(default = "default_template")]
    pub template: String,
    /// The digest applied to the templated string.
    pub digest: Digest,
    /// Hex case of the signature sent.
    #[serde(default)]
    pub hex: HexCase,
    /// How a received signature is compared.
    #[serde(default)]
    pub compare: Compare,
    /// The field that carries the signature.
    #[serde(default = "default_signature_field")]
    pub signature_field: String,
    /// Fields this profile adds to a request before signing (e.g. `sign_type = "HMAC-SHA256"`);
    /// list them in `exclude` to keep them out of the signature. A received message carrying
    /// these values is verified with this profile.
    #[serde(default)]
    pub adds: BTreeMap<String, String>,
    /// How the digest's bytes are written: hex (case from `hex`) or base64.
    #[serde(default)]
    pub encoding: Encoding,
    /// With `fields`: whether a listed field that is absent (or null) keeps its slot as an
    /// empty value (`keep`, PayU's `udf1..udf10`) or is left out (`skip`).
    #[serde(default)]
    pub absent: Absent,
    /// Signed slots whose value is a credential, never sent nor expected in a received
    /// message: slot name -> `"secret"` (the signing secret) or the name of a credential the
    /// application supplies. A slot sits where its name sorts, or where `fields` lists it.
    #[serde(default)]
    pub credentials: BTreeMap<String, String>,
    /// Percent-encoding of each key and value before it enters a pair.
    #[serde(default)]
    pub encode: Encode,
    /// Field -> characters removed from its value before signing (`{ Amount = ".," }`).
    #[serde(default)]
    pub strip: BTreeMap<String, String>,
    /// The signature travels in this header instead of a field (raw-body recipes).
    #[serde(default)]
    pub signature_header: Option<String>,
    /// When the signature header carries more than the signature: comma-separated
    /// `name=value` items over `{timestamp}` and `{signature}` (`t={timestamp},v1={signature}`).
    #[serde(default)]
    pub header_format: Option<String>,
    /// The header carrying the timestamp `{timestamp}` stands for.
    #[serde(default)]
    pub timestamp_header: Option<String>,
    /// How the timestamp is written.
    #[serde(default)]
    pub timestamp_unit: TimestampUnit,
    /// Seconds a received timestamp may be away from now (raw-body recipes with a timestamp).
    #[serde(default = "default_tolerance")]
    pub tolerance_secs: u64,
    /// The recipe holds no key (a bare checksum, PayFast without a passphrase): anyone can
    /// compute it, so a signature that verifies proves nothing about its sender. Written only to
    /// acknowledge that; otherwise a recipe without a key is refused.
    #[serde(default)]
    pub keyless: bool,
}

/// How a signature's bytes are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// Hexadecimal, in the case `hex` says.
    #[default]
    Hex,
    /// Standard base64 with padding.
    Base64,
}

/// What happens to a listed field that is absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Absent {
    /// It is left out.
    #[default]
    Skip,
    /// Its slot stays, as an empty value.
    Keep,
}

/// Percent-encoding of keys and values before they enter a pair.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Encode {
    /// Raw text.
    #[default]
    None,
    /// RFC 3986: `A-Za-z0-9-._~` kept, everything else `%XX` (space `%20`).
    Rfc3986,
    /// `application/x-www-form-urlencoded`: `A-Za-z0-9-._*` kept, space `+`, others `%XX`.
    Form,
    /// PHP `urlencode`: `A-Za-z0-9-._` kept, space `+`, others `%XX` (also `*` and `~`).
    Php,
}

/// How a timestamp header is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimestampUnit {
    /// Unix seconds.
    #[default]
    Seconds,
    /// Unix milliseconds.
    Millis,
}

fn default_tolerance() -> u64 {
    300
}

impl Recipe {
    /// Whether the profile signs every sent field (no `fields` list): one reading of the
    /// gateway's request recipe, which a merchant may sign with (diamondpay's `md5`,
    /// `md5-bare-key`, `hmac-sha256`), unlike a profile over a listed set of fields (answer
    /// rows, a balance). The simulator accepts requests under any of them and answers in the
    /// merchant's; generated `Profile::offered` says the same.
    pub fn signs_every_field(&self) -> bool {
        self.fields.is_none() && !self.over_body()
    }

    /// Whether the recipe signs the raw body (`{body}` in the template) rather than fields.
    pub fn over_body(&self) -> bool {
        self.template.contains("{body}")
    }

    /// Why no request can be signed with this recipe, whatever the key: a raw-body recipe
    /// verifies webhooks and signs no request (the one message of both engines).
    pub fn request_problem(&self) -> Option<String> {
        self.over_body().then(|| {
            format!(
                "the profile signs a raw body into a header (`{}`): it verifies webhooks and signs no request",
                self.template
            )
        })
    }

    /// The message for a credential slot whose credential was not given (both engines).
    pub fn missing_credential(slot: &str, from: &str) -> String {
        format!(
            "the profile signs the credential `{from}` (slot `{slot}`), which was not given: pass it with `Secret::with_credential(\"{from}\", …)` (CLI: `--credential {from}=ENV_VAR`)"
        )
    }

    /// The credential a slot's value comes from (`"secret"` for the signing secret).
    pub fn credential_of(&self, slot: &str) -> Option<&str> {
        self.credentials.get(slot).map(String::as_str)
    }
}

fn default_pair() -> String {
    "{key}={value}".to_owned()
}
fn default_join() -> String {
    "&".to_owned()
}
fn default_template() -> String {
    "{pairs}&key={secret}".to_owned()
}
fn default_signature_field() -> String {
    "sign".to_owned()
}

/// Order of the signed pairs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Sorted by key, byte-wise (ASCII): `A_upper` before `amount`.
    #[default]
    Ascii,
    /// In the order of the profile's `fields` list.
    Listed,
    /// The written pairs (`keyvalue`, `key=value`) sorted by their text, ASCII
    /// case-insensitively (Billplz: `paid_amount100` before `paidtrue`).
    PairsCi,
    /// In the order the fields travel: as written for a request (the spec's field order), as
    /// received for a message received (PayFast). Credential slots come last.
    Received,
}

/// What happens to empty values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmptyRule {
    /// Empty strings and nulls are left out of the string.
    #[default]
    Skip,
    /// Empty strings enter as `key=`; nulls are still left out.
    Keep,
}

/// Digest algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Digest {
    /// MD5 of the templated string.
    Md5,
    /// SHA-1 of the templated string.
    Sha1,
    /// SHA-256 of the templated string.
    Sha256,
    /// SHA-512 of the templated string.
    Sha512,
    /// HMAC-SHA1 of the templated string, keyed with the secret.
    HmacSha1,
    /// HMAC-SHA256 of the templated string, keyed with the secret.
    HmacSha256,
    /// HMAC-SHA512 of the templated string, keyed with the secret.
    HmacSha512,
    /// SHA1withRSA (PKCS#1 v1.5): signed with the merchant's private key, verified with the
    /// gateway's public key (PEM).
    RsaSha1,
    /// SHA256withRSA (PKCS#1 v1.5, "RSA2"): signed with the merchant's private key, verified
    /// with the gateway's public key (PEM).
    RsaSha256,
}

impl Digest {
    /// Every digest, in the order the docs list them.
    pub const ALL: [Digest; 9] = [
        Digest::Md5,
        Digest::Sha1,
        Digest::Sha256,
        Digest::Sha512,
        Digest::HmacSha1,
        Digest::HmacSha256,
        Digest::HmacSha512,
        Digest::RsaSha1,
        Digest::RsaSha256,
    ];

    /// The name in a spec (`hmac-sha256`), which is also the `paywire` feature it needs.
    pub fn name(self) -> &'static str {
        match self {
            Digest::Md5 => "md5",
            Digest::Sha1 => "sha1",
            Digest::Sha256 => "sha256",
            Digest::Sha512 => "sha512",
            Digest::HmacSha1 => "hmac-sha1",
            Digest::HmacSha256 => "hmac-sha256",
            Digest::HmacSha512 => "hmac-sha512",
            Digest::RsaSha1 => "rsa-sha1",
            Digest::RsaSha256 => "rsa-sha256",
        }
    }

    /// The digest's usual name (`SHA-256`, `HMAC-SHA512`, `SHA256withRSA`).
    pub fn label(self) -> &'static str {
        match self {
            Digest::Md5 => "MD5",
            Digest::Sha1 => "SHA-1",
            Digest::Sha256 => "SHA-256",
            Digest::Sha512 => "SHA-512",
            Digest::HmacSha1 => "HMAC-SHA1",
            Digest::HmacSha256 => "HMAC-SHA256",
            Digest::HmacSha512 => "HMAC-SHA512",
            Digest::RsaSha1 => "SHA1withRSA",
            Digest::RsaSha256 => "SHA256withRSA",
        }
    }

    /// Whether the secret keys the digest (HMAC, RSA) rather than having to be in the string.
    pub fn is_keyed(self) -> bool {
        self.is_hmac() || self.is_rsa()
    }

    /// An HMAC digest.
    pub fn is_hmac(self) -> bool {
        matches!(
            self,
            Digest::HmacSha1 | Digest::HmacSha256 | Digest::HmacSha512
        )
    }

    /// An RSA signature: verified with a public key, not recomputed.
    pub fn is_rsa(self) -> bool {
        matches!(self, Digest::RsaSha1 | Digest::RsaSha256)
    }
}

/// Hex case of a signature.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HexCase {
    /// `0-9a-f`.
    #[default]
    Lower,
    /// `0-9A-F`.
    Upper,
}

/// How a received signature is compared with the expected one (always in constant time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// Byte for byte.
    Exact,
    /// ASCII case-insensitively (hex case may differ).
    #[default]
    CaseInsensitive,
}

/// Where things are in a response body. Paths are dot-separated keys (`errors.message`);
/// each key also matches its camelCase form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Path of the result code.
    pub code: String,
    /// Code values (as text) that mean the call was accepted.
    pub success: Vec<String>,
    /// Path of the error message, if any.
    #[serde(default)]
    pub message: Option<String>,
    /// Path of the payload; omit when the payload is the whole body.
    #[serde(default)]
    pub payload: Option<String>,
    /// When the response is signed: which profile, and over what.
    #[serde(default)]
    pub signature: Option<EnvelopeSignature>,
    /// The HTTP status the gateway answers errors with (default 200).
    #[serde(default)]
    pub error_http_status: Option<u16>,
}

/// How a response is signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeSignature {
    /// The profile to verify with.
    pub profile: String,
    /// What the signature covers.
    #[serde(default)]
    pub scope: SignatureScope,
    /// Whether a missing signature is refused (true) or tolerated (false; e.g. on error bodies).
    #[serde(default)]
    pub required_on_error: bool,
}

/// What a response signature covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignatureScope {
    /// Every top-level field of the body except the signature (objects as compact JSON).
    #[default]
    Body,
    /// Every field of the payload object except the signature; the signature sits in the payload.
    Payload,
}

/// A status map: gateway codes onto the common status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusMap {
    /// The field that carries the status code.
    pub field: String,
    /// Gateway code (as text) -> common status.
    pub map: BTreeMap<String, CommonStatus>,
    /// Status of any code not in `map`.
    #[serde(default)]
    pub default: CommonStatus,
}

/// The common status every gateway's codes map onto.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CommonStatus {
    /// Created, not yet picked up.
    Pending,
    /// Being worked on.
    Processing,
    /// Money moved.
    Succeeded,
    /// Did not happen.
    Failed,
    /// Cancelled or rejected before money moved.
    Cancelled,
    /// Not known.
    #[default]
    Unknown,
}

impl CommonStatus {
    /// Whether the order can no longer change.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }
}

/// A documented error code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorCode {
    /// The code as the gateway writes it (as text).
    pub code: String,
    /// Variant name, UpperCamelCase.
    pub name: String,
    /// What it means.
    #[serde(default)]
    pub doc: Option<String>,
    /// What the code stands for, so the simulator answers with it (bad signature, duplicate...).
    #[serde(default)]
    pub meaning: Option<ErrorMeaning>,
}

/// The situations a simulator must answer with a gateway's own error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorMeaning {
    /// The signature did not verify.
    Signature,
    /// The merchant order id was used before.
    Duplicate,
    /// A field is missing or malformed.
    Invalid,
    /// No such order.
    NotFound,
    /// The Authorization header (or merchant credential) is wrong.
    Auth,
    /// Too many requests.
    RateLimited,
}

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
}

impl Method {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// How a request's fields travel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BodyEncoding {
    /// A JSON object body.
    #[default]
    Json,
    /// An `application/x-www-form-urlencoded` body.
    Form,
    /// The query string (GET).
    Query,
    /// An XML document `<xml><k>v</k>…</xml>`, strings in CDATA (WeChat Pay v2); the answer
    /// is read as XML too.
    Xml,
}

/// What an operation does, so the client knows which one reconciles an order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OperationKind {
    /// Creates an order (payout or deposit).
    Create,
    /// Reads an order's state.
    Query,
    /// Reads a balance.
    Balance,
    /// Anything else.
    #[default]
    Other,
}

/// One call a merchant makes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// snake_case name; the request type is its UpperCamelCase form plus `Request`.
    pub name: String,
    /// What it does.
    #[serde(default)]
    pub doc: Option<String>,
    /// HTTP method.
    pub method: Method,
    /// Path under the base URL.
    pub path: String,
    /// How the fields travel; omit for `query` on GET and `json` on POST (see [`Operation::body`]).
    #[serde(default, rename = "body")]
    pub body_encoding: Option<BodyEncoding>,
    /// Signing profile; omit for the gateway's default profile.
    #[serde(default)]
    pub profile: Option<String>,
    /// Whether the request is signed at all.
    #[serde(default = "yes")]
    pub signed: bool,
    /// The response payload field that echoes the request's `order_id`: an answer whose echo
    /// differs from the order id sent is not this request's answer (indeterminate).
    #[serde(default)]
    pub echo: Option<String>,
    /// Headers, name -> template over credentials (`{authorization}`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Response envelope; omit for the gateway's default envelope.
    #[serde(default)]
    pub envelope: Option<String>,
    /// Status map that reads the order's status from the response.
    #[serde(default)]
    pub status: Option<String>,
    /// What the operation does.
    #[serde(default)]
    pub kind: OperationKind,
    /// The request field holding the merchant's own order id, if any.
    #[serde(default)]
    pub order_id: Option<String>,
    /// When the payload holds signed rows: where they are and how each is signed.
    #[serde(default)]
    pub rows: Option<RowSignature>,
    /// The response field holding the gateway's own order id (the simulator fills it).
    #[serde(default)]
    pub gateway_id: Option<String>,
    /// The request field holding the merchant's notification URL.
    #[serde(default)]
    pub notify_url: Option<String>,
    /// The notification the gateway sends about orders this operation creates.
    #[serde(default)]
    pub notification: Option<String>,
    /// Request fields, in wire order.
    #[serde(default)]
    pub request: Vec<Field>,
    /// Payload fields of a successful response.
    #[serde(default)]
    pub response: Vec<Field>,
}

/// Rows of a payload that carry their own signatures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RowSignature {
    /// Path of the list of rows inside the payload; omit when the payload is the list.
    #[serde(default)]
    pub path: Option<String>,
    /// Profile each row is verified with.
    pub profile: String,
    /// The field that states how many rows the answer holds, beside the list: a key of the
    /// payload when `path` is set (diamondpay's balance `total`, then a listed response field),
    /// else a path in the body beside the payload (diamondpay's query `total`, read into the
    /// typed answer's `count`). The simulator writes the number of rows there.
    #[serde(default)]
    pub count: Option<String>,
}

fn yes() -> bool {
    true
}

/// A callback the gateway sends to the merchant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    /// snake_case name; the type is its UpperCamelCase form plus `Notification`.
    pub name: String,
    /// What it reports.
    #[serde(default)]
    pub doc: Option<String>,
    /// Body encodings accepted.
    #[serde(default)]
    pub content: NotificationContent,
    /// Signing profile; omit for the gateway's default profile.
    #[serde(default)]
    pub profile: Option<String>,
    /// Status map that reads the order's status from the notification.
    #[serde(default)]
    pub status: Option<String>,
    /// The field holding the merchant's order id (to recognise duplicates).
    #[serde(default)]
    pub order_id: Option<String>,
    /// The field holding the merchant's own id (`platform_id`, `mch_id`): when the receiver
    /// says which merchant it is, a notification for another merchant is refused.
    #[serde(default)]
    pub merchant_id: Option<String>,
    /// The exact reply the gateway expects once the notification is accepted.
    pub reply: Reply,
    /// How often the gateway delivers a notification that was not acknowledged.
    #[serde(default)]
    pub retry: Retry,
    /// Known fields. Verification covers every received field, known or not.
    #[serde(default)]
    pub fields: Vec<Field>,
}

/// Accepted encodings of a notification body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationContent {
    /// JSON only.
    Json,
    /// Form only.
    Form,
    /// JSON or form, chosen by content type.
    #[default]
    JsonOrForm,
    /// An XML document (`<xml><k>v</k>…</xml>`, WeChat Pay v2).
    Xml,
}

/// A notification retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// Deliveries at most.
    pub attempts: u32,
    /// Seconds between the first and second delivery (doubling after).
    pub interval_secs: u64,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 10,
            interval_secs: 60,
        }
    }
}

/// A reply body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    /// Content type of the reply.
    pub content_type: String,
    /// The exact body.
    pub body: String,
}

/// The type of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Text.
    String,
    /// A whole number (i64).
    Integer,
    /// true or false.
    Boolean,
    /// An amount of money, held as integer minor units; `money` says how it is written.
    Money,
    /// A list of strings.
    Strings,
    /// A nested object with its own `fields`.
    Object,
    /// A list of nested objects with the given `fields`.
    Objects,
    /// Any JSON, kept as is.
    Json,
    /// A point in time, received as Unix seconds (a JSON integer, or a string of digits) or as
    /// the text `YYYY-MM-DD HH:MM:SS`; held as `paywire::Time`, signed as the text received.
    /// Sent as a number (`wire = "string"`: a string of digits) when it holds Unix seconds,
    /// as a string when it holds the text.
    Time,
    /// Not a type paywire knows (reported by validation, never produced by a valid spec).
    #[serde(other)]
    #[schemars(skip)]
    Unknown,
}

impl FieldType {
    /// The names a spec may write.
    pub const NAMES: &'static [&'static str] = &[
        "string", "integer", "boolean", "money", "strings", "object", "objects", "json", "time",
    ];
}

/// How money is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MoneyFormat {
    /// Integer minor units (cents): `50000` is 500.00.
    Minor,
    /// A decimal with two places: `"500.00"`.
    Decimal,
}

/// How a number (integer or minor-unit money) is sent in JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NumberWire {
    /// A JSON number.
    #[default]
    Number,
    /// A JSON string holding the digits.
    String,
}

/// One field of a request, response or notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The wire name, exactly as sent and signed.
    pub name: String,
    /// The Rust field name, when the wire name is not a good one.
    #[serde(default)]
    pub rust: Option<String>,
    /// The type.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Whether the field must be present.
    #[serde(default)]
    pub required: bool,
    /// What the field means.
    #[serde(default)]
    pub doc: Option<String>,
    /// How money is written (required for `money`).
    #[serde(default)]
    pub money: Option<MoneyFormat>,
    /// How an integer or minor-unit amount is sent in JSON.
    #[serde(default)]
    pub wire: NumberWire,
    /// Most characters (Unicode scalar values) a string may have.
    #[serde(default)]
    pub max_length: Option<usize>,
    /// Fewest characters a string may have.
    #[serde(default)]
    pub min_length: Option<usize>,
    /// A regular expression the whole value must match.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Text that explains `pattern` in error messages.
    #[serde(default)]
    pub pattern_doc: Option<String>,
    /// Allowed values (as text).
    #[serde(default, rename = "enum")]
    pub one_of: Vec<String>,
    /// Fewest items of a list.
    #[serde(default)]
    pub min_items: Option<usize>,
    /// Most items of a list.
    #[serde(default)]
    pub max_items: Option<usize>,
    /// A regular expression each item of a `strings` list must match.
    #[serde(default)]
    pub item_pattern: Option<String>,
    /// Smallest value of an integer or amount (in minor units for money).
    #[serde(default)]
    pub min: Option<i64>,
    /// Largest value of an integer or amount (in minor units for money).
    #[serde(default)]
    pub max: Option<i64>,
    /// The field is required when every one of these conditions holds.
    #[serde(default)]
    pub required_when: Vec<Condition>,
    /// Fields of an `object` or `objects` field.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// An example value, used in docs and scaffolds.
    #[serde(default)]
    pub example: Option<String>,
    /// (Responses and notifications) the request field the simulator copies this value from,
    /// when the names differ (`order_amount` from `amount`).
    #[serde(default)]
    pub from: Option<String>,
    /// (Requests) the gateway sends this value back as it was sent (in a notification or an
    /// answer): its signed value may not contain the profile's join separator, which would let
    /// a shifted body carry the same signature. Refused before sending.
    #[serde(default)]
    pub echoed: bool,
    /// (Requests) free text from the merchant's customer (remarks, descriptions): treated like
    /// `echoed`.
    #[serde(default)]
    pub free_text: bool,
    /// The value may contain the join separator (URLs with a query string): not refused before
    /// sending when `echoed` or `free_text`, and accepted in a received signed message.
    #[serde(default)]
    pub allow_separators: bool,
}

/// A condition on another field of the same object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The other field's wire name.
    pub field: String,
    /// Holds when the other field's value is one of these.
    #[serde(default, rename = "in")]
    pub is_in: Vec<String>,
    /// Holds when the other field is present and its value is none of these.
    #[serde(default)]
    pub not_in: Vec<String>,
}

impl Condition {
    /// Whether the condition holds for the other field's value (None when absent).
    pub fn holds(&self, value: Option<&str>) -> bool {
        match value {
            None => false,
            Some(v) => {
                (self.is_in.is_empty() || self.is_in.iter().any(|x| x == v))
                    && !self.not_in.iter().any(|x| x == v)
            }
        }
    }

    /// Human form: `currency is one of VND, THB`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.is_in.is_empty() {
            parts.push(format!("{} is {}", self.field, self.is_in.join(" or ")));
        }
        if !self.not_in.is_empty() {
            parts.push(format!(
                "{} is not {}",
                self.field,
                self.not_in.join(" or ")
            ));
        }
        if parts.is_empty() {
            format!("{} is present", self.field)
        } else {
            parts.join(" and ")
        }
    }
}

impl Operation {
    /// How the fields travel: as written, else the query string for GET and JSON for POST.
    pub fn body(&self) -> BodyEncoding {
        self.body_encoding.unwrap_or(match self.method {
            Method::Get => BodyEncoding::Query,
            Method::Post => BodyEncoding::Json,
        })
    }
}

impl Field {
    /// The Rust identifier for this field.
    pub fn rust_name(&self) -> String {
        self.rust
            .clone()
            .unwrap_or_else(|| crate::names::snake_ident(&self.name))
    }
}

impl Spec {
    /// The profile an operation or notification uses.
    pub fn profile_for(&self, name: Option<&str>) -> Option<&Recipe> {
        self.profiles
            .get(name.unwrap_or(&self.gateway.default_profile))
    }

    /// The envelope an operation uses.
    pub fn envelope_for(&self, op: &Operation) -> Option<&Envelope> {
        op.envelope
            .as_deref()
            .or(self.gateway.default_envelope.as_deref())
            .and_then(|n| self.envelopes.get(n))
    }

    /// An operation by name.
    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.name == name)
    }

    /// A notification by name.
    pub fn notification(&self, name: &str) -> Option<&Notification> {
        self.notifications.iter().find(|o| o.name == name)
    }
}
