//! The shared context (secrets, interpreted gateways) and the seed corpus of each target:
//! provider fixtures, correctly signed notification bodies made here (JSON and form), the specs.

use std::path::{Path, PathBuf};

use paywire::{Gateway, Secret};

use crate::fields;

/// The key diamondpay's constructed fixtures are signed with (its tests/fixtures/README.md).
pub const DIAMONDPAY_SECRET: &str = "diamondpay-test-key";
/// The token goldenpay's constructed fixtures are signed with.
pub const GOLDENPAY_SECRET: &str = "goldenpay-test-token";
/// The key intqp's fixtures are signed with.
pub const INTQP_SECRET: &str = "ThisIsYourSecretKey123";
/// The key used for the other specs (wechatpay_v2, kitchen_sink).
pub const OTHER_SECRET: &str = "fuzz-key";

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// A spec loaded into the interpreter, with the secret its bodies are signed with.
pub struct LoadedGateway {
    /// The spec's path relative to the root.
    pub file: String,
    /// The interpreter.
    pub gateway: Gateway,
    /// The secret.
    pub secret: Secret,
}

/// What every target shares.
pub struct Ctx {
    /// The workspace root.
    pub root: PathBuf,
    /// diamondpay's secret.
    pub dp: Secret,
    /// goldenpay's token.
    pub gp: Secret,
    /// intqp's key.
    pub iq: Secret,
    /// Every spec of the repository the interpreter loads (diamondpay, goldenpay, intqp first).
    pub gateways: Vec<LoadedGateway>,
    /// Specs that did not load (reported, not fatal: another engineer may be mid-edit).
    pub load_errors: Vec<String>,
}

/// The spec files: the providers', the spec-only gateway, the kitchen sink.
pub const SPEC_FILES: &[&str] = &[
    "specs/diamondpay.toml",
    "specs/goldenpay.toml",
    "specs/intqp.toml",
    "tests/gateways/wechatpay_v2.toml",
    "tests/fixtures/kitchen_sink.toml",
];

impl Ctx {
    /// Load the secrets and the gateways.
    pub fn load(root: &Path) -> Self {
        let mut gateways = Vec::new();
        let mut load_errors = Vec::new();
        for file in SPEC_FILES {
            let secret = match *file {
                "specs/diamondpay.toml" => DIAMONDPAY_SECRET,
                "specs/goldenpay.toml" => GOLDENPAY_SECRET,
                "specs/intqp.toml" => INTQP_SECRET,
                _ => OTHER_SECRET,
            };
            match Gateway::load(&root.join(file)) {
                Ok(gateway) => gateways.push(LoadedGateway {
                    file: (*file).to_owned(),
                    gateway,
                    secret: Secret::new(secret),
                }),
                Err(e) => load_errors.push(format!("{file}: {e}")),
            }
        }
        Self {
            root: root.to_path_buf(),
            dp: Secret::new(DIAMONDPAY_SECRET),
            gp: Secret::new(GOLDENPAY_SECRET),
            iq: Secret::new(INTQP_SECRET),
            gateways,
            load_errors,
        }
    }

    /// The loaded gateway of a spec file, if it loaded.
    pub fn gateway(&self, file: &str) -> Option<&LoadedGateway> {
        self.gateways.iter().find(|g| g.file == file)
    }
}

/// One fixture file.
pub struct Fixture {
    /// `diamondpay`, `goldenpay` or `intqp`.
    pub provider: String,
    /// The file name.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Every provider fixture (crates/providers/*/tests/fixtures/*, README.md left out).
pub fn fixtures(root: &Path) -> Vec<Fixture> {
    let mut out = Vec::new();
    let Ok(dirs) = std::fs::read_dir(root.join("crates/providers")) else {
        return out;
    };
    let mut dirs: Vec<_> = dirs.flatten().map(|d| d.path()).collect();
    dirs.sort();
    for dir in dirs {
        let provider = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Ok(files) = std::fs::read_dir(dir.join("tests/fixtures")) else {
            continue;
        };
        let mut files: Vec<_> = files.flatten().map(|d| d.path()).collect();
        files.sort();
        for f in files {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name == "README.md" || !f.is_file() {
                continue;
            }
            if let Ok(bytes) = std::fs::read(&f) {
                out.push(Fixture {
                    provider: provider.clone(),
                    name,
                    bytes,
                });
            }
        }
    }
    out
}

/// A signed JSON body as a form body (null values left out).
pub fn json_to_form(json: &[u8]) -> Option<Vec<u8>> {
    let entries = fields::split_json(json)?;
    let pairs: Vec<(String, String)> = entries
        .into_iter()
        .filter_map(|e| fields::json_text(&e.raw).map(|t| (e.key, t)))
        .collect();
    Some(fields::join_form(&pairs).into_bytes())
}

/// Notification bodies correctly signed with the fuzz secrets: each notification fixture
/// re-signed with each profile its verifier accepts, as JSON and (diamondpay) as form.
pub fn signed_notifications(root: &Path, ctx: &Ctx) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for f in fixtures(root) {
        if !f.name.contains("notification") || !f.name.ends_with(".json") {
            continue;
        }
        match f.provider.as_str() {
            "diamondpay" => {
                for p in [
                    paywire_diamondpay::Profile::Md5,
                    paywire_diamondpay::Profile::HmacSha256,
                ] {
                    if let Ok(s) = p.sign_json(&f.bytes, &ctx.dp) {
                        if let Some(form) = json_to_form(s.as_bytes()) {
                            out.push(form);
                        }
                        out.push(s.into_bytes());
                    }
                }
            }
            "goldenpay" => {
                if let Ok(s) = paywire_goldenpay::Profile::DEFAULT.sign_json(&f.bytes, &ctx.gp) {
                    out.push(s.into_bytes());
                }
            }
            _ => {}
        }
    }
    // A collect callback with remarks, and one whose remarks hold the join separator.
    for remarks in ["order 17", "x&status=60"] {
        let body = format!(
            r#"{{"id":"PT1","mch_id":8888,"trans_id":"C1","channel":"bank","order_amount":"100.00","payed_amount":"100.00","created_at":"2024-10-18 10:05:00","payed_at":null,"status":20,"remarks":"{remarks}"}}"#
        );
        if let Ok(s) = paywire_goldenpay::Profile::DEFAULT.sign_json(body.as_bytes(), &ctx.gp) {
            out.push(s.into_bytes());
        }
    }
    out
}

/// The seeds of each target.
pub struct Seeds {
    /// Any received body (JSON, form, text).
    pub bodies: Vec<Vec<u8>>,
    /// Notification bodies.
    pub notifications: Vec<Vec<u8>>,
    /// Response bodies.
    pub responses: Vec<Vec<u8>>,
    /// Money text.
    pub money: Vec<Vec<u8>>,
    /// Spec sources.
    pub specs: Vec<Vec<u8>>,
}

/// Money texts, valid and not.
pub const MONEY: &[&str] = &[
    "100.00",
    "100",
    "100.1",
    "100.10",
    "0.01",
    "0",
    "-5.00",
    "1.005",
    "1.000",
    "1.",
    ".5",
    " 7.25 ",
    "50000",
    "-50000",
    "+1",
    "9223372036854775807",
    "-9223372036854775808",
    "92233720368547758.07",
    "92233720368547758.08",
    "1e2",
    "１００",
    "",
    "-",
    "--1",
    "0.0000000000000000000001",
];

impl Seeds {
    /// Load every seed.
    pub fn load(root: &Path, ctx: &Ctx) -> Self {
        let fx = fixtures(root);
        let signed = signed_notifications(root, ctx);
        let mut notifications: Vec<Vec<u8>> = fx
            .iter()
            .filter(|f| f.name.contains("notification"))
            .map(|f| f.bytes.clone())
            .collect();
        notifications.extend(signed.iter().cloned());
        let responses: Vec<Vec<u8>> = fx
            .iter()
            .filter(|f| !f.name.contains("notification") && !f.name.contains("request"))
            .map(|f| f.bytes.clone())
            .collect();
        let mut bodies: Vec<Vec<u8>> = fx.iter().map(|f| f.bytes.clone()).collect();
        bodies.extend(signed);
        for extra in [
            &b"a=1&b=2"[..],
            b"a=%E7%8E%8B&b=+x+&c",
            b"{\"a\":{\"b\":[1,2,{\"c\":null}]},\"d\":\"\\u00e9\"}",
            b"   {\"x\" : 1 }  \n",
            b"[1,2,3]",
            b"\"str\"",
        ] {
            bodies.push(extra.to_vec());
        }
        // XML documents (WeChat Pay v2): CDATA, entities, an empty element, a nested one.
        for xml in [
            &b"<xml><appid><![CDATA[wx1]]></appid><total_fee>1</total_fee><sign>AB</sign></xml>"[..],
            b"<xml><a>x &amp; y&#33;</a><b/></xml>",
            b"<xml><a><b>1</b></a></xml>",
        ] {
            bodies.push(xml.to_vec());
        }
        let specs = SPEC_FILES
            .iter()
            .filter_map(|f| std::fs::read(root.join(f)).ok())
            .collect();
        Self {
            bodies,
            notifications,
            responses,
            money: MONEY.iter().map(|m| m.as_bytes().to_vec()).collect(),
            specs,
        }
    }
}
