//! Raw-body signatures carried in headers (Cashfree, Razorpay, Stripe-style webhooks): the
//! signed string is a template over the body exactly as received (`{body}`), a timestamp
//! header (`{timestamp}`) and, rarely, the secret; the signature travels in a header, alone or
//! as an item of a list such as `t=1700000000,v1=5257a8…`.
//!
//! A timestamp further than the profile's tolerance from now is refused ([`VerifyError::Stale`]),
//! and a [`ReplayGuard`] refuses a signature it has seen inside its window
//! ([`VerifyError::Replayed`]). Comparison is constant-time; RSA is checked with the key.
//!
//! ```
//! use paywire::Secret;
//! use paywire::sign::{Digester, SigEncoding};
//! use paywire::webhook::{BodyRecipe, ReplayGuard, sign_body, verify_body};
//!
//! let recipe = BodyRecipe {
//!     template: "{timestamp}.{body}",
//!     signature_header: "Stripe-Signature",
//!     header_format: Some("t={timestamp},v1={signature}"),
//!     timestamp_header: None,
//!     millis: false,
//!     tolerance_secs: 300,
//!     credentials: Vec::new(),
//! };
//! let secret = Secret::new("whsec_test");
//! let digester = || Digester::hmac_sha256(&secret);
//! let body = br#"{"id":"evt_1"}"#;
//! let headers = sign_body(&recipe, digester(), SigEncoding::Lower, body, "1700000000", &secret);
//! let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
//! let guard = ReplayGuard::new(300);
//! let check = |now| verify_body(&recipe, digester, SigEncoding::Lower, false, body, &headers, &secret, now, Some(&guard));
//! assert!(check(1_700_000_010).is_ok());
//! assert!(check(1_700_000_020).is_err(), "the same delivery again is a replay");
//! ```

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::Secret;
use crate::sign::{Canon, Digester, SigEncoding, VerifyError};

/// A raw-body recipe, as generated code and the interpreter describe it.
#[derive(Debug, Clone)]
pub struct BodyRecipe<'a> {
    /// The signed string: a template over `{body}`, `{timestamp}` and `{secret}`.
    pub template: &'a str,
    /// The header carrying the signature.
    pub signature_header: &'a str,
    /// The header's layout when it carries more than the signature
    /// (`t={timestamp},v1={signature}`).
    pub header_format: Option<&'a str>,
    /// The header carrying the timestamp, when it is not inside the signature header.
    pub timestamp_header: Option<&'a str>,
    /// Whether the timestamp is in milliseconds (else seconds).
    pub millis: bool,
    /// Seconds the timestamp may be away from now.
    pub tolerance_secs: u64,
    /// Credential slots the template names (`{notification_url}`, Square): slot, credential.
    pub credentials: Vec<(&'a str, &'a str)>,
}

/// The current Unix time in seconds (0 if the clock is before 1970).
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn header<'h>(headers: &[(&str, &'h str)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// The item names of a header format: `t={timestamp},v1={signature}` gives
/// (`Some("t")`, `"v1"`).
fn format_names(format: &str) -> (Option<&str>, Option<&str>) {
    let mut ts = None;
    let mut sig = None;
    for item in format.split(',') {
        let item = item.trim();
        if let Some(name) = item.strip_suffix("{timestamp}") {
            ts = Some(name.trim_end_matches('='));
        } else if let Some(name) = item.strip_suffix("{signature}") {
            sig = Some(name.trim_end_matches('='));
        }
    }
    (ts, sig)
}

/// The timestamp text and the candidate signatures a request carries.
fn read_headers<'h>(
    recipe: &BodyRecipe<'_>,
    headers: &[(&str, &'h str)],
) -> Result<(Option<&'h str>, Vec<&'h str>), VerifyError> {
    let missing = |h: &str| VerifyError::MissingHeader {
        header: h.to_owned(),
    };
    let value = header(headers, recipe.signature_header)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| missing(recipe.signature_header))?;
    let (mut timestamp, signatures) = match recipe.header_format {
        None => (None, vec![value.trim()]),
        Some(format) => {
            let (ts_name, sig_name) = format_names(format);
            let mut ts = None;
            let mut sigs = Vec::new();
            for item in value.split(',') {
                let (name, v) = item.trim().split_once('=').unwrap_or(("", item.trim()));
                if Some(name) == ts_name && ts_name.is_some_and(|n| !n.is_empty()) {
                    ts = Some(v);
                } else if sig_name == Some(name) {
                    sigs.push(v);
                }
            }
            (ts, sigs)
        }
    };
    if let Some(h) = recipe.timestamp_header {
        timestamp = Some(
            header(headers, h)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| missing(h))?,
        );
    }
    if recipe.template.contains("{timestamp}") && timestamp.is_none() {
        return Err(missing(
            recipe.timestamp_header.unwrap_or(recipe.signature_header),
        ));
    }
    if signatures.is_empty() {
        return Err(missing(recipe.signature_header));
    }
    Ok((timestamp, signatures))
}

/// Write the template over `body`, `timestamp`, the secret and the credential slots into `d`
/// (a digest, or a [`crate::sign::CanonicalWriter`] to show the string, secret masked).
pub fn feed<C: Canon>(
    d: &mut C,
    recipe: &BodyRecipe<'_>,
    body: &[u8],
    timestamp: &str,
    secret: &Secret,
) {
    let mut rest = recipe.template;
    'outer: while !rest.is_empty() {
        for (slot, from) in &recipe.credentials {
            if let Some(r) = rest
                .strip_prefix('{')
                .and_then(|r| r.strip_prefix(slot))
                .and_then(|r| r.strip_prefix('}'))
            {
                d.credential(secret.credential(from).unwrap_or(""));
                rest = r;
                continue 'outer;
            }
        }
        if let Some(r) = rest.strip_prefix("{body}") {
            d.bytes(body);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("{timestamp}") {
            d.text(timestamp);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("{secret}") {
            d.secret(secret);
            rest = r;
        } else {
            let first = rest.chars().next().map_or(1, char::len_utf8);
            let next = rest[first..].find('{').map_or(rest.len(), |i| i + first);
            d.text(&rest[..next]);
            rest = &rest[next..];
        }
    }
}

/// Verify a raw body against the signature in its headers, at time `now` (Unix seconds):
/// the timestamp must be within the tolerance, any of the signatures the header lists must
/// hold (in constant time), and `replay`, when given, must not have seen it before.
#[allow(clippy::too_many_arguments)]
pub fn verify_body(
    recipe: &BodyRecipe<'_>,
    digester: impl Fn() -> Digester,
    encoding: SigEncoding,
    exact: bool,
    body: &[u8],
    headers: &[(&str, &str)],
    secret: &Secret,
    now: i64,
    replay: Option<&ReplayGuard>,
) -> Result<(), VerifyError> {
    let (timestamp, signatures) = read_headers(recipe, headers)?;
    let mut at = now;
    if let Some(ts) = timestamp {
        let seconds = ts
            .parse::<i64>()
            .ok()
            .map(|t| if recipe.millis { t / 1000 } else { t })
            .ok_or_else(|| VerifyError::Stale {
                timestamp: ts.to_owned(),
                tolerance_secs: recipe.tolerance_secs,
            })?;
        if now.abs_diff(seconds) > recipe.tolerance_secs {
            return Err(VerifyError::Stale {
                timestamp: ts.to_owned(),
                tolerance_secs: recipe.tolerance_secs,
            });
        }
        at = seconds;
    }
    let ts_text = timestamp.unwrap_or("");
    let mut held = None;
    for sig in &signatures {
        let mut d = digester();
        feed(&mut d, recipe, body, ts_text, secret);
        if d.verify(sig, encoding, exact) {
            held = Some(*sig);
        }
    }
    let Some(sig) = held else {
        return Err(VerifyError::Mismatch {
            field: recipe.signature_header.to_owned(),
            profile: "raw body".to_owned(),
            signed: vec!["(body)".to_owned()],
        });
    };
    if let Some(guard) = replay
        && !guard.first_time(sig, at, now)
    {
        return Err(VerifyError::Replayed);
    }
    Ok(())
}

/// The timestamp text of Unix time `seconds` in the recipe's unit.
pub fn timestamp_text(recipe: &BodyRecipe<'_>, seconds: i64) -> String {
    if recipe.millis {
        seconds.saturating_mul(1000).to_string()
    } else {
        seconds.to_string()
    }
}

/// Sign `body` with the timestamp text `ts` (as the header carries it: see
/// [`timestamp_text`]): the headers to send, signature first (the simulator, tests).
pub fn sign_body(
    recipe: &BodyRecipe<'_>,
    mut digester: Digester,
    encoding: SigEncoding,
    body: &[u8],
    ts: &str,
    secret: &Secret,
) -> Vec<(String, String)> {
    let ts = ts.to_owned();
    feed(&mut digester, recipe, body, &ts, secret);
    let signature = digester.finish(encoding);
    let value = match recipe.header_format {
        Some(format) => format
            .replace("{timestamp}", &ts)
            .replace("{signature}", signature.as_str()),
        None => signature.as_str().to_owned(),
    };
    let mut out = vec![(recipe.signature_header.to_owned(), value)];
    if let Some(h) = recipe.timestamp_header {
        out.push((h.to_owned(), ts));
    }
    out
}

/// Remembers the signatures it has accepted for a window of seconds, so that a delivery
/// captured and sent again is refused. Bounded: entries older than the window are dropped,
/// and at most `capacity` are kept (the oldest go first).
#[derive(Debug)]
pub struct ReplayGuard {
    window: u64,
    capacity: usize,
    state: Mutex<Seen>,
}

/// The signatures accepted, and the order they were recorded in (for pruning).
#[derive(Debug, Default)]
struct Seen {
    by_signature: HashMap<String, i64>,
    order: VecDeque<(i64, String)>,
}

impl ReplayGuard {
    /// A guard for `window_secs` (use the profile's tolerance), keeping at most 100,000 entries.
    pub fn new(window_secs: u64) -> Self {
        Self::with_capacity(window_secs, 100_000)
    }

    /// A guard with its own bound.
    pub fn with_capacity(window_secs: u64, capacity: usize) -> Self {
        Self {
            window: window_secs,
            capacity: capacity.max(1),
            state: Mutex::new(Seen::default()),
        }
    }

    /// Whether `signature` (stamped `at`) is seen for the first time; records it. Entries are
    /// dropped in the order they were recorded once they are older than the window, or when the
    /// guard is full: constant time per call, amortized.
    pub fn first_time(&self, signature: &str, at: i64, now: i64) -> bool {
        let mut seen = match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let horizon = now.saturating_sub(i64::try_from(self.window).unwrap_or(i64::MAX));
        let Seen {
            by_signature,
            order,
        } = &mut *seen;
        while let Some((t, _)) = order.front() {
            if *t >= horizon && order.len() < self.capacity {
                break;
            }
            if let Some((t, sig)) = order.pop_front()
                && by_signature.get(&sig) == Some(&t)
            {
                by_signature.remove(&sig);
            }
        }
        if by_signature.contains_key(signature) {
            return false;
        }
        by_signature.insert(signature.to_owned(), at);
        order.push_back((at, signature.to_owned()));
        true
    }
}

#[cfg(all(test, feature = "hmac-sha256"))]
mod tests {
    use super::*;

    fn cashfree() -> BodyRecipe<'static> {
        BodyRecipe {
            template: "{timestamp}{body}",
            signature_header: "x-webhook-signature",
            header_format: None,
            timestamp_header: Some("x-webhook-timestamp"),
            millis: true,
            tolerance_secs: 300,
            credentials: Vec::new(),
        }
    }

    fn check(
        recipe: &BodyRecipe<'_>,
        body: &[u8],
        headers: &[(&str, &str)],
        now: i64,
        guard: Option<&ReplayGuard>,
    ) -> Result<(), VerifyError> {
        let secret = Secret::new("k");
        verify_body(
            recipe,
            || Digester::hmac_sha256(&secret),
            SigEncoding::Lower,
            false,
            body,
            headers,
            &secret,
            now,
            guard,
        )
    }

    #[test]
    fn refuses_stale_tampered_replayed_and_headerless_deliveries() {
        let secret = Secret::new("k");
        let body = br#"{"a":1}"#;
        let sent = sign_body(
            &cashfree(),
            Digester::hmac_sha256(&secret),
            SigEncoding::Lower,
            body,
            &timestamp_text(&cashfree(), 1_700_000_000),
            &secret,
        );
        assert_eq!(sent[1].1, "1700000000000");
        let h: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let guard = ReplayGuard::new(300);
        assert_eq!(
            check(&cashfree(), body, &h, 1_700_000_100, Some(&guard)),
            Ok(())
        );
        assert_eq!(
            check(&cashfree(), body, &h, 1_700_000_101, Some(&guard)),
            Err(VerifyError::Replayed)
        );
        assert!(matches!(
            check(&cashfree(), body, &h, 1_700_000_301, None),
            Err(VerifyError::Stale { .. })
        ));
        assert!(matches!(
            check(&cashfree(), br#"{"a":2}"#, &h, 1_700_000_000, None),
            Err(VerifyError::Mismatch { .. })
        ));
        assert!(matches!(
            check(&cashfree(), body, &h[..1], 1_700_000_000, None),
            Err(VerifyError::MissingHeader { .. })
        ));
        // Header names are case-insensitive.
        let upper: Vec<(String, String)> = sent
            .iter()
            .map(|(k, v)| (k.to_uppercase(), v.clone()))
            .collect();
        let upper: Vec<(&str, &str)> = upper
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            check(&cashfree(), body, &upper, 1_700_000_000, None),
            Ok(())
        );
    }

    #[test]
    fn any_listed_signature_may_hold() {
        let stripe = BodyRecipe {
            template: "{timestamp}.{body}",
            signature_header: "Stripe-Signature",
            header_format: Some("t={timestamp},v1={signature}"),
            timestamp_header: None,
            millis: false,
            tolerance_secs: 300,
            credentials: Vec::new(),
        };
        let secret = Secret::new("k");
        let sent = sign_body(
            &stripe,
            Digester::hmac_sha256(&secret),
            SigEncoding::Lower,
            b"{}",
            "1700000000",
            &secret,
        );
        let (t, v1) = sent[0].1.split_once(',').unwrap();
        let rotated = format!("{t},v1=00ff,{v1},v0=zz");
        assert_eq!(
            check(
                &stripe,
                b"{}",
                &[("stripe-signature", &rotated)],
                1_700_000_000,
                None
            ),
            Ok(())
        );
        let forged = format!("{t},v1=00ff");
        assert!(
            check(
                &stripe,
                b"{}",
                &[("stripe-signature", &forged)],
                1_700_000_000,
                None
            )
            .is_err()
        );
    }

    #[test]
    fn the_guard_is_bounded() {
        let g = ReplayGuard::with_capacity(10, 3);
        for i in 0..10 {
            assert!(g.first_time(&format!("s{i}"), 100 + i, 100 + i));
        }
        assert!(g.state.lock().unwrap().by_signature.len() <= 3);
        // Within its window and bound, a signature is refused the second time.
        let g = ReplayGuard::with_capacity(300, 10);
        assert!(g.first_time("a", 100, 100));
        assert!(!g.first_time("a", 100, 200));
        // Once the window has passed it is forgotten (and the timestamp check refuses it).
        assert!(g.first_time("a", 100, 401));
    }
}
