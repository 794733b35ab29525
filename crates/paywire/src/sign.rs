//! Canonical strings streamed straight into a digest, signatures, and constant-time comparison.
//!
//! Generated code writes each operation's canonical string piece by piece into a [`Canon`]:
//! a [`Digester`] (nothing is buffered: the pieces go into MD5, SHA-256 or HMAC-SHA256 as they
//! are written) or a [`CanonicalWriter`] when the caller asks to see the string. The signed field
//! order, the template's literal pieces, the digest and the hex case were decided by the
//! generator, so nothing here looks anything up.
//!
//! ```
//! use paywire::Secret;
//! use paywire::sign::{Canon, CanonicalWriter, Digester};
//!
//! let secret = Secret::new("k");
//! let write = |c: &mut dyn Canon| {
//!     c.text("amount=50000&currency=twd&key=");
//!     c.secret(&secret);
//! };
//! let mut d = Digester::md5();
//! write(&mut d);
//! let signature = d.finish_lower();
//! let mut w = CanonicalWriter::new();
//! write(&mut w);
//! let canonical = w.finish();
//! assert_eq!(canonical.to_string(), "amount=50000&currency=twd&key=****");
//! assert_eq!(canonical.expose(), "amount=50000&currency=twd&key=k");
//! assert_eq!(signature.as_str().len(), 32);
//! ```

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::Secret;
use crate::received::Object;

/// Where the pieces of a canonical string go.
pub trait Canon {
    /// Literal text or a field's value.
    fn text(&mut self, s: &str);
    /// The secret, where the template puts it.
    fn secret(&mut self, secret: &Secret);
    /// Raw bytes (a body exactly as received); a writer for display shows them as UTF-8.
    fn bytes(&mut self, b: &[u8]) {
        self.text(&String::from_utf8_lossy(b));
    }
    /// A credential slot's value (masked like the secret in a [`CanonicalString`]).
    fn credential(&mut self, value: &str) {
        self.text(value);
    }
    /// A field entered the string (its name; for `--explain` and error messages).
    fn kept(&mut self, _key: &str) {}
}

/// One field offered for signing: its wire name and its text as sent or received.
/// `None` stands for a JSON `null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignField {
    /// Wire name.
    pub key: String,
    /// Text that enters the string (numbers as their decimal text, lists and objects as compact
    /// JSON); `None` for null.
    pub text: Option<String>,
}

impl SignField {
    /// A field with text.
    pub fn new(key: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            text: Some(text.into()),
        }
    }
}

/// How a signature's bytes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigEncoding {
    /// Lowercase hex.
    Lower,
    /// Uppercase hex.
    Upper,
    /// Standard base64 with padding (always compared exactly).
    Base64,
}

/// A running digest, fed piece by piece.
#[derive(Clone)]
pub enum Digester {
    /// MD5 of the string.
    #[cfg(feature = "md5")]
    Md5(md5::Md5),
    /// SHA-1 of the string.
    #[cfg(feature = "sha1")]
    Sha1(sha1::Sha1),
    /// SHA-256 of the string.
    #[cfg(feature = "sha256")]
    Sha256(sha2::Sha256),
    /// SHA-512 of the string.
    #[cfg(feature = "sha512")]
    Sha512(sha2::Sha512),
    /// HMAC-SHA1 of the string, keyed with the secret.
    #[cfg(feature = "hmac-sha1")]
    HmacSha1(hmac::Hmac<sha1::Sha1>),
    /// HMAC-SHA256 of the string, keyed with the secret.
    #[cfg(feature = "hmac-sha256")]
    HmacSha256(hmac::Hmac<sha2::Sha256>),
    /// HMAC-SHA512 of the string, keyed with the secret.
    #[cfg(feature = "hmac-sha512")]
    HmacSha512(hmac::Hmac<sha2::Sha512>),
    /// SHA1withRSA (PKCS#1 v1.5) with the key given as the secret.
    #[cfg(feature = "rsa-sha1")]
    RsaSha1(sha1::Sha1, crate::rsa_key::RsaKey),
    /// SHA256withRSA (PKCS#1 v1.5) with the key given as the secret.
    #[cfg(feature = "rsa-sha256")]
    RsaSha256(sha2::Sha256, crate::rsa_key::RsaKey),
}

impl fmt::Debug for Digester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Digester(..)")
    }
}

#[cfg(any(
    feature = "hmac-sha1",
    feature = "hmac-sha256",
    feature = "hmac-sha512"
))]
fn hmac_keyed<M: hmac::KeyInit>(secret: &Secret) -> M {
    // HMAC takes keys of any length (an over-long key is hashed first), so this never fails;
    // the zero key is there only so that no panic path exists.
    match M::new_from_slice(secret.expose().as_bytes()) {
        Ok(mac) => mac,
        Err(_) => M::new(&Default::default()),
    }
}

impl Digester {
    /// MD5.
    #[cfg(feature = "md5")]
    pub fn md5() -> Self {
        use md5::Digest as _;
        Self::Md5(md5::Md5::new())
    }

    /// SHA-1.
    #[cfg(feature = "sha1")]
    pub fn sha1() -> Self {
        use sha1::Digest as _;
        Self::Sha1(sha1::Sha1::new())
    }

    /// SHA-256.
    #[cfg(feature = "sha256")]
    pub fn sha256() -> Self {
        use sha2::Digest as _;
        Self::Sha256(sha2::Sha256::new())
    }

    /// SHA-512.
    #[cfg(feature = "sha512")]
    pub fn sha512() -> Self {
        use sha2::Digest as _;
        Self::Sha512(sha2::Sha512::new())
    }

    /// HMAC-SHA1 keyed with `secret`.
    #[cfg(feature = "hmac-sha1")]
    pub fn hmac_sha1(secret: &Secret) -> Self {
        Self::HmacSha1(hmac_keyed(secret))
    }

    /// HMAC-SHA256 keyed with `secret`.
    #[cfg(feature = "hmac-sha256")]
    pub fn hmac_sha256(secret: &Secret) -> Self {
        Self::HmacSha256(hmac_keyed(secret))
    }

    /// HMAC-SHA512 keyed with `secret`.
    #[cfg(feature = "hmac-sha512")]
    pub fn hmac_sha512(secret: &Secret) -> Self {
        Self::HmacSha512(hmac_keyed(secret))
    }

    /// SHA1withRSA with the PEM (or bare base64 DER) key in `secret`: a private key signs, a
    /// public or private key verifies. A key that does not parse signs to an empty signature
    /// and verifies nothing; [`key_problem`] reports it before anything is sent.
    #[cfg(feature = "rsa-sha1")]
    pub fn rsa_sha1(secret: &Secret) -> Self {
        use sha1::Digest as _;
        Self::RsaSha1(sha1::Sha1::new(), crate::rsa_key::RsaKey::parse(secret))
    }

    /// SHA256withRSA ("RSA2") with the PEM (or bare base64 DER) key in `secret`; see
    /// [`Digester::rsa_sha1`].
    #[cfg(feature = "rsa-sha256")]
    pub fn rsa_sha256(secret: &Secret) -> Self {
        use sha2::Digest as _;
        Self::RsaSha256(sha2::Sha256::new(), crate::rsa_key::RsaKey::parse(secret))
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            #[cfg(feature = "md5")]
            Self::Md5(d) => md5::Digest::update(d, bytes),
            #[cfg(feature = "sha1")]
            Self::Sha1(d) => sha1::Digest::update(d, bytes),
            #[cfg(feature = "sha256")]
            Self::Sha256(d) => sha2::Digest::update(d, bytes),
            #[cfg(feature = "sha512")]
            Self::Sha512(d) => sha2::Digest::update(d, bytes),
            #[cfg(feature = "hmac-sha1")]
            Self::HmacSha1(m) => hmac::Mac::update(m, bytes),
            #[cfg(feature = "hmac-sha256")]
            Self::HmacSha256(m) => hmac::Mac::update(m, bytes),
            #[cfg(feature = "hmac-sha512")]
            Self::HmacSha512(m) => hmac::Mac::update(m, bytes),
            #[cfg(feature = "rsa-sha1")]
            Self::RsaSha1(d, _) => sha1::Digest::update(d, bytes),
            #[cfg(feature = "rsa-sha256")]
            Self::RsaSha256(d, _) => sha2::Digest::update(d, bytes),
            #[allow(unreachable_patterns)]
            _ => {
                let _ = bytes;
            }
        }
    }

    /// Finalize, and hand the digest's bytes to `f` (for RSA: the signature; empty when the key
    /// is unusable). The hashes' bytes stay on the stack: no allocation.
    fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            #[cfg(feature = "md5")]
            Self::Md5(d) => f(&md5::Digest::finalize(d)),
            #[cfg(feature = "sha1")]
            Self::Sha1(d) => f(&sha1::Digest::finalize(d)),
            #[cfg(feature = "sha256")]
            Self::Sha256(d) => f(&sha2::Digest::finalize(d)),
            #[cfg(feature = "sha512")]
            Self::Sha512(d) => f(&sha2::Digest::finalize(d)),
            #[cfg(feature = "hmac-sha1")]
            Self::HmacSha1(m) => f(&hmac::Mac::finalize(m).into_bytes()),
            #[cfg(feature = "hmac-sha256")]
            Self::HmacSha256(m) => f(&hmac::Mac::finalize(m).into_bytes()),
            #[cfg(feature = "hmac-sha512")]
            Self::HmacSha512(m) => f(&hmac::Mac::finalize(m).into_bytes()),
            #[cfg(feature = "rsa-sha1")]
            Self::RsaSha1(d, key) => f(&key.sign_sha1(&sha1::Digest::finalize(d))),
            #[cfg(feature = "rsa-sha256")]
            Self::RsaSha256(d, key) => f(&key.sign_sha256(&sha2::Digest::finalize(d))),
            #[allow(unreachable_patterns)]
            _ => f(&[]),
        }
    }

    /// Feed literal text or a value.
    pub fn text(&mut self, s: &str) {
        self.update(s.as_bytes());
    }

    /// Feed the secret.
    pub fn secret(&mut self, secret: &Secret) {
        self.update(secret.expose().as_bytes());
    }

    /// The signature in lowercase hex.
    pub fn finish_lower(self) -> Signature {
        self.finish(SigEncoding::Lower)
    }

    /// The signature in uppercase hex.
    pub fn finish_upper(self) -> Signature {
        self.finish(SigEncoding::Upper)
    }

    /// The signature in base64.
    #[cfg(feature = "base64")]
    pub fn finish_base64(self) -> Signature {
        self.finish(SigEncoding::Base64)
    }

    /// The signature in `encoding`.
    pub fn finish(self, encoding: SigEncoding) -> Signature {
        self.with_bytes(|bytes| {
            let mut out = String::with_capacity(bytes.len() * 2);
            match encoding {
                SigEncoding::Lower => push_hex(&mut out, bytes, false),
                SigEncoding::Upper => push_hex(&mut out, bytes, true),
                SigEncoding::Base64 => push_base64(&mut out, bytes),
            }
            Signature(out)
        })
    }

    /// Whether `received` is a valid signature of what was fed, in constant time: recomputed
    /// and compared for hashes and HMACs (`exact`, or ASCII case-insensitively for hex; base64
    /// is always compared exactly), checked with the public key for RSA.
    pub fn verify(self, received: &str, encoding: SigEncoding, exact: bool) -> bool {
        match self {
            #[cfg(feature = "rsa-sha1")]
            Self::RsaSha1(d, key) => match decode_signature(received, encoding) {
                Some(sig) => key.verify_sha1(&sha1::Digest::finalize(d), &sig),
                None => false,
            },
            #[cfg(feature = "rsa-sha256")]
            Self::RsaSha256(d, key) => match decode_signature(received, encoding) {
                Some(sig) => key.verify_sha256(&sha2::Digest::finalize(d), &sig),
                None => false,
            },
            #[allow(unreachable_patterns)]
            other => {
                let expected = other.finish(encoding);
                if expected.as_str().is_empty() {
                    return false;
                }
                if exact || encoding == SigEncoding::Base64 {
                    matches_exact(expected.as_str(), received)
                } else {
                    matches_ignore_case(expected.as_str(), received)
                }
            }
        }
    }
}

/// Why `secret` cannot serve as the key of an RSA digest (`None` when it can, or when the
/// digest is not RSA). Checked before a request is signed, so a bad key is an error, not an
/// empty signature.
pub fn key_problem(digester: &Digester) -> Option<String> {
    match digester {
        #[cfg(feature = "rsa-sha1")]
        Digester::RsaSha1(_, key) => key.problem(),
        #[cfg(feature = "rsa-sha256")]
        Digester::RsaSha256(_, key) => key.problem(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

#[cfg(any(feature = "rsa-sha1", feature = "rsa-sha256"))]
#[allow(unused_variables)]
fn decode_signature(received: &str, encoding: SigEncoding) -> Option<Vec<u8>> {
    match encoding {
        SigEncoding::Base64 => {
            #[cfg(feature = "base64")]
            {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(received.trim().as_bytes())
                    .ok()
            }
            #[cfg(not(feature = "base64"))]
            None
        }
        SigEncoding::Lower | SigEncoding::Upper => decode_hex(received),
    }
}

#[cfg(any(feature = "rsa-sha1", feature = "rsa-sha256"))]
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let b = text.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    b.chunks(2)
        .map(|p| Some((nibble(p[0])? << 4) | nibble(p[1])?))
        .collect()
}

#[allow(unused_variables)]
fn push_base64(out: &mut String, bytes: &[u8]) {
    #[cfg(feature = "base64")]
    {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode_string(bytes, out);
    }
}

impl Canon for Digester {
    fn text(&mut self, s: &str) {
        Digester::text(self, s);
    }
    fn secret(&mut self, secret: &Secret) {
        Digester::secret(self, secret);
    }
    fn bytes(&mut self, b: &[u8]) {
        self.update(b);
    }
}

/// RFC 3986 percent-encoding: `A-Za-z0-9-._~` kept, every other byte `%XX` (PHP
/// `rawurlencode`).
pub fn encode_rfc3986(text: &str) -> Cow<'_, str> {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(text, SET).into()
}

/// PHP `urlencode`: the form encoding, with `*` encoded too (`%2A`; PayFast).
pub fn encode_php(text: &str) -> Cow<'_, str> {
    match encode_form(text) {
        Cow::Borrowed(t) if !t.contains('*') => Cow::Borrowed(t),
        form => Cow::Owned(form.replace('*', "%2A")),
    }
}

/// `application/x-www-form-urlencoded` encoding: `A-Za-z0-9-._*` kept, space `+`, every
/// other byte `%XX` (Java `URLEncoder`).
pub fn encode_form(text: &str) -> Cow<'_, str> {
    if text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'*'))
    {
        return Cow::Borrowed(text);
    }
    form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .into()
}

/// `text` without the characters in `chars` (a profile's `strip`); borrowed when none occurs.
pub fn strip_chars<'a>(text: &'a str, chars: &str) -> Cow<'a, str> {
    if chars.is_empty() || !text.contains(|c| chars.contains(c)) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|c| !chars.contains(*c)).collect())
    }
}

/// One pair written with a `pair` template (`{key}={value}`, `{key}{value}`): both
/// placeholders replaced in one pass.
pub fn pair_text(pattern: &str, key: &str, value: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + key.len() + value.len());
    let mut rest = pattern;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("{key}") {
            out.push_str(key);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("{value}") {
            out.push_str(value);
            rest = r;
        } else {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
        }
    }
    out
}

/// Sort signed fields by their written pair (`pattern`), ASCII case-insensitively
/// (`order = "pairs_ci"`).
pub fn sort_pairs_ci(fields: &mut [(&str, Cow<'_, str>)], pattern: &str) {
    fields.sort_by_cached_key(|(k, v)| pair_text(pattern, k, v).to_ascii_lowercase());
}

/// Append `bytes` as hex to `out`.
pub fn push_hex(out: &mut String, bytes: &[u8], upper: bool) {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(digits[usize::from(b >> 4)]));
        out.push(char::from(digits[usize::from(b & 0x0f)]));
    }
}

/// Builds a [`CanonicalString`] from the same pieces a [`Digester`] gets.
#[derive(Debug, Default)]
pub struct CanonicalWriter {
    text: Zeroizing<String>,
    secret_ranges: Vec<Range<usize>>,
    kept: Vec<String>,
}

impl CanonicalWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The string written.
    pub fn finish(self) -> CanonicalString {
        CanonicalString {
            text: self.text,
            secret_ranges: self.secret_ranges,
            kept: self.kept,
            explain: None,
        }
    }
}

impl Canon for CanonicalWriter {
    fn text(&mut self, s: &str) {
        self.text.push_str(s);
    }
    fn secret(&mut self, secret: &Secret) {
        let start = self.text.len();
        self.text.push_str(secret.expose());
        self.secret_ranges.push(start..self.text.len());
    }
    fn credential(&mut self, value: &str) {
        let start = self.text.len();
        self.text.push_str(value);
        self.secret_ranges.push(start..self.text.len());
    }
    fn kept(&mut self, key: &str) {
        self.kept.push(key.to_owned());
    }
}

/// Why a field was kept or left out of the canonical string (the interpreter's `--explain`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Entered the string.
    Kept,
    /// It carries the signature.
    SignatureField,
    /// The profile's `exclude` list names it.
    Excluded,
    /// The profile lists its fields and this is not one of them.
    NotListed,
    /// Listed by the profile but not present.
    Missing,
    /// An empty string, and the profile skips empty values.
    Empty,
    /// A null.
    Null,
    /// A credential slot: the value is a credential, masked here.
    Credential,
    /// Listed, absent, and the profile keeps absent slots: entered as an empty value.
    AbsentKept,
}

impl Decision {
    /// A short reason, for `--explain`.
    pub fn reason(self) -> &'static str {
        match self {
            Decision::Kept => "kept",
            Decision::SignatureField => "dropped: it is the signature field",
            Decision::Excluded => "dropped: in the profile's exclude list",
            Decision::NotListed => "dropped: not in the profile's fields list",
            Decision::Missing => "absent: listed by the profile but not present",
            Decision::Empty => "dropped: empty value (the profile skips empty values)",
            Decision::Null => "dropped: null",
            Decision::Credential => {
                "kept: a credential slot (its value is a credential, never sent)"
            }
            Decision::AbsentKept => {
                "kept empty: listed but absent, and the profile keeps absent slots"
            }
        }
    }
}

/// One step of building a canonical string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The field.
    pub key: String,
    /// Its text, if any.
    pub text: Option<String>,
    /// What happened to it.
    pub decision: Decision,
}

/// How the interpreter built a string, step by step (absent for compiled signers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The joined pairs, before the template (no secret in it).
    pub pairs: String,
    /// The template applied.
    pub template: String,
    /// What happened to each field offered, in the order they were considered.
    pub steps: Vec<Step>,
}

/// The exact string that is hashed. Like a [`Secret`], `Display` and `Debug` mask the secret
/// (`****`); [`CanonicalString::expose`] gives the exact string.
#[derive(Clone, PartialEq, Eq)]
pub struct CanonicalString {
    text: Zeroizing<String>,
    secret_ranges: Vec<Range<usize>>,
    kept: Vec<String>,
    explain: Option<Box<Explanation>>,
}

impl CanonicalString {
    /// A string from its parts (the interpreter).
    pub fn from_parts(
        text: String,
        secret_ranges: Vec<Range<usize>>,
        kept: Vec<String>,
        explain: Option<Explanation>,
    ) -> Self {
        Self {
            text: Zeroizing::new(text),
            secret_ranges,
            kept,
            explain: explain.map(Box::new),
        }
    }

    /// The exact string, secret included. Call it only to hash it or to compare it in a test.
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// The string with every occurrence of the secret replaced by `****`.
    pub fn masked(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut at = 0;
        for r in &self.secret_ranges {
            out.push_str(&self.text[at..r.start]);
            out.push_str("****");
            at = r.end;
        }
        out.push_str(&self.text[at..]);
        out
    }

    /// The names of the fields that entered the string, in the string's order.
    pub fn kept(&self) -> Vec<&str> {
        self.kept.iter().map(String::as_str).collect()
    }

    /// How the interpreter built it (`None` for a compiled signer).
    pub fn explanation(&self) -> Option<&Explanation> {
        self.explain.as_deref()
    }

    /// The joined pairs before the template (empty for a compiled signer).
    pub fn pairs(&self) -> &str {
        self.explain.as_ref().map_or("", |e| e.pairs.as_str())
    }

    /// The template (empty for a compiled signer).
    pub fn template(&self) -> &str {
        self.explain.as_ref().map_or("", |e| e.template.as_str())
    }

    /// What happened to each field offered (empty for a compiled signer).
    pub fn steps(&self) -> &[Step] {
        self.explain.as_ref().map_or(&[], |e| e.steps.as_slice())
    }
}

impl fmt::Display for CanonicalString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for CanonicalString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CanonicalString")
            .field(&self.masked())
            .finish()
    }
}

/// A signature in the profile's hex case. `Display` prints it (it has to be sent); `Debug` masks it.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature(String);

impl Signature {
    /// A signature from its text.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({}…)", self.0.get(..4).unwrap_or(""))
    }
}

/// A received signature did not verify. The expected signature is never revealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The signature field is absent or empty.
    #[error("signature verification failed: the `{field}` field is missing")]
    Missing {
        /// The signature field's name.
        field: String,
    },
    /// A signed value (or key) contains the string's join separator: its boundaries are
    /// ambiguous, so a body with shifted values could carry the same signature.
    #[error(
        "signature verification refused: the signed {what} of `{field}` contains `{separator}`, the string's separator, so the signed string's boundaries are ambiguous (a shifted body could carry the same signature); the spec allows it only for fields marked `allow_separators`"
    )]
    Ambiguous {
        /// The field.
        field: String,
        /// `value` or `name`.
        what: &'static str,
        /// The separator found.
        separator: String,
    },
    /// A header the profile reads (the signature, its timestamp) is absent or empty.
    #[error("signature verification failed: the `{header}` header is missing")]
    MissingHeader {
        /// The header's name.
        header: String,
    },
    /// The signed timestamp is not a number or is further from now than the tolerance.
    #[error(
        "signature verification refused: the timestamp `{timestamp}` is more than {tolerance_secs} s from now (or not a number); a delivery that old may be a replay"
    )]
    Stale {
        /// The timestamp received.
        timestamp: String,
        /// The tolerance.
        tolerance_secs: u64,
    },
    /// The same signature was accepted before, inside the replay window.
    #[error("signature verification refused: this signature was already accepted (a replay)")]
    Replayed,
    /// The signature does not match.
    #[error(
        "signature verification failed: `{field}` does not match the signature computed over {} field(s) ({}) with {profile}",
        signed.len(),
        signed.join(", ")
    )]
    Mismatch {
        /// The signature field's name.
        field: String,
        /// The profile used (`provider.profile`).
        profile: String,
        /// The fields that entered the canonical string.
        signed: Vec<String>,
    },
}

/// Refuse signed fields whose value (unless the field is in `allowed`) or name contains the
/// join separator: such a body is ambiguous (boundary shifting). An empty separator refuses
/// nothing.
pub fn refuse_separators(
    fields: &[(&str, Cow<'_, str>)],
    join: &str,
    allowed: &[&str],
) -> Result<(), VerifyError> {
    if join.is_empty() {
        return Ok(());
    }
    for (k, v) in fields {
        let what = if k.contains(join) || k.contains('=') {
            "name"
        } else if v.contains(join) && !allowed.contains(k) {
            "value"
        } else {
            continue;
        };
        return Err(VerifyError::Ambiguous {
            field: (*k).to_owned(),
            what,
            separator: join.to_owned(),
        });
    }
    Ok(())
}

/// Byte-for-byte comparison in constant time.
pub fn matches_exact(expected: &str, received: &str) -> bool {
    expected.as_bytes().ct_eq(received.as_bytes()).into()
}

/// ASCII case-insensitive comparison in constant time (hex case may differ).
pub fn matches_ignore_case(expected: &str, received: &str) -> bool {
    if expected.len() != received.len() {
        return false;
    }
    let mut a = [0u8; 128];
    let mut b = [0u8; 128];
    if expected.len() <= a.len() {
        let (a, b) = (&mut a[..expected.len()], &mut b[..received.len()]);
        a.copy_from_slice(expected.as_bytes());
        b.copy_from_slice(received.as_bytes());
        a.make_ascii_lowercase();
        b.make_ascii_lowercase();
        a.ct_eq(b).into()
    } else {
        let e = expected.to_ascii_lowercase();
        let r = received.to_ascii_lowercase();
        e.as_bytes().ct_eq(r.as_bytes()).into()
    }
}

/// The received signature in `obj` under `field`: present and not empty.
pub fn received_signature<'a>(obj: &'a Object, field: &str) -> Result<Cow<'a, str>, VerifyError> {
    obj.find_exact(field)
        .and_then(|r| r.sign_str())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| VerifyError::Missing {
            field: field.to_owned(),
        })
}

/// The mismatch error, naming the fields that were signed.
pub fn mismatch(field: &str, profile: &str, signed: &[(&str, Cow<'_, str>)]) -> VerifyError {
    VerifyError::Mismatch {
        field: field.to_owned(),
        profile: profile.to_owned(),
        signed: signed.iter().map(|(k, _)| (*k).to_owned()).collect(),
    }
}

/// A received object's fields offered for signing, in received order, with nulls left out and
/// the names in `leave_out` (the signature field, the profile's exclusions) dropped.
pub fn received_fields<'a>(obj: &'a Object, leave_out: &[&str]) -> Vec<(&'a str, Cow<'a, str>)> {
    obj.entries()
        .iter()
        .filter(|(k, _)| !leave_out.contains(&k.as_str()))
        .filter_map(|(k, v)| v.sign_str().map(|t| (k.as_str(), t)))
        .collect()
}

/// The listed fields of a received object, in the listed order, nulls and absent ones left out.
pub fn received_listed<'a>(obj: &'a Object, listed: &[&str]) -> Vec<(&'a str, Cow<'a, str>)> {
    listed
        .iter()
        .filter_map(|name| {
            obj.entries()
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(k, v)| v.sign_str().map(|t| (k.as_str(), t)))
        })
        .collect()
}

/// Sort signed fields by key, byte-wise (ASCII).
pub fn sort_ascii(fields: &mut [(&str, Cow<'_, str>)]) {
    fields.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
}

/// Re-sign a JSON object body (keeping every value's text): drop its signature field, set the
/// profile's added fields, sign with `sign`, and put the signature last.
pub fn resign_json(
    body: &[u8],
    signature_field: &str,
    adds: &[(&str, &str)],
    sign: impl FnOnce(&Object) -> Signature,
) -> Result<String, crate::received::ReceiveError> {
    use crate::wire::{WireFields, WireValue};
    let obj = Object::from_json(body)?;
    let mut wire = WireFields::from_object(&obj);
    wire.0.retain(|(k, _)| k != signature_field);
    for (k, v) in adds {
        wire.set(k, WireValue::Str((*v).to_owned()));
    }
    let unsigned = Object::from_json(wire.to_json().as_bytes())?;
    let signature = sign(&unsigned);
    wire.set(
        signature_field,
        WireValue::Str(signature.as_str().to_owned()),
    );
    Ok(wire.to_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_in_constant_time_with_either_case() {
        assert!(matches_exact("ab", "ab"));
        assert!(!matches_exact("ab", "AB"));
        assert!(matches_ignore_case("ab", "AB"));
        assert!(!matches_ignore_case("ab", "abc"));
        let long = "a".repeat(200);
        assert!(matches_ignore_case(&long, &long.to_uppercase()));
    }

    #[test]
    fn hex_in_both_cases() {
        let mut s = String::new();
        push_hex(&mut s, &[0x00, 0xab, 0xff], false);
        push_hex(&mut s, &[0xab], true);
        assert_eq!(s, "00abffAB");
    }

    #[test]
    fn canonical_string_is_masked_unless_exposed() {
        let mut w = CanonicalWriter::new();
        w.text("a=1&key=");
        w.secret(&Secret::new("s3"));
        w.kept("a");
        let c = w.finish();
        assert_eq!(c.to_string(), "a=1&key=****");
        assert_eq!(format!("{c:?}"), "CanonicalString(\"a=1&key=****\")");
        assert_eq!(c.expose(), "a=1&key=s3");
        assert_eq!(c.kept(), ["a"]);
    }
}
